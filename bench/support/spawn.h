// One checkpassword login as a server makes it: the request written to a pipe placed on
// fd 3, PROGRAM /bin/true, stderr to /dev/null, a chosen environment; the child reaped with
// wait4 so its CPU time is known. The benchmarks' one spawn loop.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace checkpw::bench {

struct Spawned {
  int exit_code = -1;        // -1 when it could not be run or was killed by a signal
  std::int64_t wall_ns = 0;  // from just before the spawn to the reaping
  std::int64_t cpu_ns = 0;   // the child's user + system time
  long minor_faults = 0;     // the child's page faults that read no disk (ru_minflt)
};

Spawned spawn_login(const std::string& program, const std::vector<std::string>& env,
                    const std::string& request);

// user\0secret\0third\0
std::string request_of(const std::string& user, const std::string& secret,
                       const std::string& third = "");

// The 32 hex digits a CRAM-MD5 client answers to `challenge` with `password`.
std::string cram_md5_response(const std::string& password, const std::string& challenge);

// The median of `v` (sorted in place); 0 when empty.
double median(std::vector<double>& v);

// Runs the built userdb-tool with `args` (shell words, already safe) and `input` on stdin;
// aborts with the command on stderr if it fails: a fixture that cannot be built is fatal.
void userdb_tool(const std::string& db, const std::string& args, const std::string& input = "");

}  // namespace checkpw::bench
