// Runs a real binary the way a mail server does: a pipe (or a closed, empty or
// write-only descriptor) on fd 3, a chosen environment and, optionally, another
// identity. Captures the exit status, stdout and stderr.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace checkpw::test {

enum class Fd3 { kPipe, kClosed, kWriteOnly };

struct RunOptions {
  std::vector<std::string> argv;
  Fd3 fd3 = Fd3::kPipe;
  std::string fd3_data;          // written to the pipe, then closed
  std::vector<std::string> env;  // the whole environment, KEY=VALUE
  std::string stdin_data;
  std::optional<uid_t> uid;  // setgroups/setgid/setuid in the child before exec
  std::optional<gid_t> gid;
  int timeout_seconds = 60;
};

struct RunResult {
  int exit_code = -1;  // 128 + signal when killed
  std::string out;
  std::string err;
};

RunResult run(const RunOptions& options);

// The environment tests start from: PATH only (plus what the test adds).
std::vector<std::string> base_env();

}  // namespace checkpw::test
