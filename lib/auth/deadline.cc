#include "auth/deadline.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "auth/log.h"
#include "base/verdict.h"

namespace checkpw {
namespace {

// Prepared before the timer is armed: the handler may only write() and _exit().
char g_line[512];
std::size_t g_line_len = 0;
timer_t g_timer;
bool g_have_timer = false;

void on_deadline(int) {
  if (g_line_len > 0) {
    ssize_t ignored = write(2, g_line, g_line_len);
    (void)ignored;
  }
  _exit(exit_code(Verdict::kTempFail));
}

}  // namespace

long long deadline_now_ms() noexcept {
  struct timespec t {};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<long long>(t.tv_sec) * 1000 + t.tv_nsec / 1000000;
}

bool deadline_arm(std::string_view prog, std::string_view remote, long long start_ms,
                  long long ms) noexcept {
  try {
    if (g_line_len == 0) {
      const LogEntry entry{prog, Verdict::kTempFail, "none", remote, {}, "deadline"};
      const std::string line = log_line(entry);
      g_line_len = std::min(line.size(), sizeof g_line);
      std::memcpy(g_line, line.data(), g_line_len);
    }
  } catch (...) {
    g_line_len = 0;  // out of memory: fire without a line rather than not at all
  }
  struct sigaction sa {};
  sa.sa_handler = on_deadline;
  sigfillset(&sa.sa_mask);
  if (sigaction(SIGALRM, &sa, nullptr) != 0) return false;
  sigset_t alrm;
  sigemptyset(&alrm);
  sigaddset(&alrm, SIGALRM);
  if (sigprocmask(SIG_UNBLOCK, &alrm, nullptr) != 0) return false;
  if (!g_have_timer) {
    struct sigevent ev {};
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGALRM;
    if (timer_create(CLOCK_MONOTONIC, &ev, &g_timer) != 0) return false;
    g_have_timer = true;
  }
  long long left = start_ms + ms - deadline_now_ms();
  if (left < 1) left = 1;  // already past: fire at once
  struct itimerspec when {};
  when.it_value.tv_sec = static_cast<time_t>(left / 1000);
  when.it_value.tv_nsec = static_cast<long>(left % 1000) * 1000000L;
  return timer_settime(g_timer, 0, &when, nullptr) == 0;
}

}  // namespace checkpw
