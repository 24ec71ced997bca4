// Runs a function, not a program, in a forked child: for library calls that must run
// under limits or as another user without touching the test process. Programs go
// through run() in support/runner.h.
#pragma once

#include <functional>
#include <optional>

#include "support/runner.h"

namespace checkpw::test {

// Runs fn in a forked child (as `as` when given: no supplementary groups, then gid,
// then uid) and returns its result as the child's exit status (128 + signal if killed).
int run_forked(const std::function<int()>& fn, std::optional<Credentials> as = std::nullopt);

}  // namespace checkpw::test
