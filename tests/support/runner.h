// Runs a real program for the tests, the way a mail server or an administrator does:
// argv without a shell or PATH search, bytes on stdin, a pipe (or a closed or write-only
// descriptor) on fd 3, a chosen environment and, optionally, another identity and a new
// session. Captures the exit status, stdout and stderr, and kills the child at a deadline.
// This is the tests' one fork/exec-and-capture loop: do not write another.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace checkpw::test {

enum class Fd3 { kPipe, kClosed, kWriteOnly };

struct Credentials {
  uid_t uid;
  gid_t gid;
};

// nobody/nogroup (65534), the unprivileged identity the tests drop to.
inline constexpr Credentials kNobody{65534, 65534};

struct RunOptions {
  // Every member has an initializer, so designated initializers may leave any out.
  std::vector<std::string> argv{};  // argv[0] is a path
  Fd3 fd3 = Fd3::kPipe;
  std::string fd3_data{};           // written to the pipe, then closed
  std::vector<std::string> env{};   // the whole environment, KEY=VALUE
  std::string stdin_data{};         // then end of file
  std::optional<Credentials> as{};  // in the child before exec (see become)
  // A new session has no controlling terminal: a program that would prompt on /dev/tty
  // fails instead of waiting for someone at the developer's terminal.
  // The timeout then kills the whole session's process group, not only the child.
  bool new_session = false;
  int timeout_seconds = 60;  // then SIGKILL, and timed_out
};

struct RunResult {
  int exit_code = -1;      // 128 + N when killed by signal N; 127 when exec failed
  bool timed_out = false;  // the deadline passed and the child was killed
  std::string out;
  std::string err;
};

// Throws only for argv empty, or when the test process itself cannot pipe, fork or poll.
RunResult run(const RunOptions& options);

// The environment the checkpassword tests start from: PATH only (plus what the test adds).
std::vector<std::string> base_env();

// This process's environment, with each "NAME=value" of `replace` put in place of NAME.
std::vector<std::string> inherited_env(const std::vector<std::string>& replace = {});

// The first executable file called `name` in $PATH, then in /usr/sbin and /sbin (where
// Debian puts dovecot); empty when there is none.
std::string find_executable(std::string_view name);

// In a forked child only (async-signal-safe): no supplementary groups, then gid, then uid;
// _exit(126) when any step fails.
void become(const Credentials& as);

}  // namespace checkpw::test
