// Runs a program the way the integration tests need: argv without a shell, optional bytes
// on stdin, stdout and stderr captured apart, and a hard deadline after which the child is
// killed. Never throws for the child's sake: a program that cannot be started exits 127.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace checkpw::test {

struct CommandResult {
  int exit_code = -1;      // the child's exit status; 128 + N when killed by signal N
  bool timed_out = false;  // the deadline passed and the child was killed
  std::string out;         // stdout
  std::string err;         // stderr
};

// argv[0] is a path (no PATH search). The child gets /dev/null as stdin when stdin_data is
// empty, and a pipe holding stdin_data otherwise.
CommandResult run_command(const std::vector<std::string>& argv, std::string_view stdin_data = {},
                          int timeout_seconds = 20);

// The first executable file called `name` in $PATH, then in /usr/sbin and /sbin (where
// Debian puts dovecot); empty when there is none.
std::string find_executable(std::string_view name);

}  // namespace checkpw::test
