// The deadline of one run (doc/design.md section 2): a request pipe that never reaches
// end of file, or a store that never answers (a FIFO where the database should be, a
// writer holding a lock forever), ends in a temporary failure, never a hang. A POSIX timer
// on CLOCK_MONOTONIC raises SIGALRM; the handler writes one prepared log line and ends
// the process with exit_code(kTempFail). The timer is deleted by exec, so the subprogram
// never inherits it. This is the one place in lib/ that ends the process: nothing else
// can interrupt a blocked open() or read() and still answer 111.
#pragma once

#include <string_view>

namespace checkpw {

// Arms (or re-arms) the deadline at `ms` milliseconds after `start_ms` on the monotonic
// clock (deadline_now_ms()), with SIGALRM unblocked and handled whatever the caller set.
// `prog` and `remote` make the line logged when it fires. False when the timer cannot be
// made (the caller then fails with 111 rather than run without a deadline).
[[nodiscard]] bool deadline_arm(std::string_view prog, std::string_view remote, long long start_ms,
                                long long ms) noexcept;

long long deadline_now_ms() noexcept;

}  // namespace checkpw
