// Runs a real program for the tests: argv, standard input as bytes, standard output and
// error captured, optionally as another user (root tests only), with the environment
// plus `extra_env` ("NAME=value", replacing any inherited NAME). The child runs in a new
// session, without a controlling terminal.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace checkpw::test {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal number when killed by a signal
  std::string out, err;
};

struct Credentials {
  uid_t uid;
  gid_t gid;
};

ProcessResult run_process(const std::vector<std::string>& argv, std::string_view stdin_data,
                          const std::vector<std::string>& extra_env = {},
                          std::optional<Credentials> as = std::nullopt);

// Runs fn in a forked child (as `as` when given: no supplementary groups, then gid,
// then uid) and returns its result as the child's exit status (128 + signal if killed).
int run_forked(const std::function<int()>& fn, std::optional<Credentials> as = std::nullopt);

// nobody/nogroup (65534), the unprivileged identity the tests drop to.
inline constexpr Credentials kNobody{65534, 65534};

}  // namespace checkpw::test
