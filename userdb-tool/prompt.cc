// Password input. Bytes go straight from read(2) into SecretBuffers (never a
// std::string or stdio buffer); the terminal's echo is restored on every path. A signal
// during the prompt ends it with an error (exit 111) after the terminal is restored and
// the buffers wiped, instead of killing us with echo off.
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "tool.h"

namespace checkpw::tool {
namespace {

volatile sig_atomic_t g_interrupted = 0;

void on_signal(int sig) {
  g_interrupted = sig;
}

// Reads into `out` until EOF, a newline (when `stop_at_newline`) or a full buffer.
Status read_into(int fd, PasswordBuffer& out, bool stop_at_newline) {
  std::size_t n = 0;
  while (n < out.capacity()) {
    const ssize_t r = read(fd, out.data() + n, stop_at_newline ? 1 : out.capacity() - n);
    if (r < 0) {
      if (errno == EINTR && g_interrupted == 0) continue;
      out.wipe();
      return failure(Verdict::kTempFail, "read password",
                     errno == EINTR ? "interrupted" : std::strerror(errno));
    }
    if (r == 0) break;
    n += static_cast<std::size_t>(r);
    if (stop_at_newline && out.data()[n - 1] == '\n') break;
  }
  out.set_size(n);
  return ok_status();
}

// One line: at most one newline, and only at the end, where it is removed with a CR
// before it.
Status take_line(PasswordBuffer& buf) {
  std::size_t n = buf.size();
  const auto* nl = static_cast<const unsigned char*>(std::memchr(buf.data(), '\n', n));
  if (nl != nullptr && static_cast<std::size_t>(nl - buf.data()) != n - 1) {
    buf.wipe();
    return failure(Verdict::kMisuse, "read password", "more than one line of input");
  }
  if (nl != nullptr) --n;
  // A line from a Windows editor or a CRLF pipe ends in "\r\n": the CR is the line end,
  // not the password's last character.
  if (nl != nullptr && n > 0 && buf.data()[n - 1] == '\r') --n;
  if (n > kPasswordMax) {
    buf.wipe();
    return failure(Verdict::kMisuse, "read password",
                   "longer than " + std::to_string(kPasswordMax) + " bytes");
  }
  buf.set_size(n);
  if (n == 0) return failure(Verdict::kMisuse, "read password", "empty password");
  if (std::memchr(buf.data(), 0, n) != nullptr) {
    buf.wipe();
    return failure(Verdict::kMisuse, "read password", "password contains a NUL byte");
  }
  return ok_status();
}

// The controlling terminal with echo off, restored (and signal handlers put back)
// by the destructor.
class QuietTerminal {
 public:
  QuietTerminal() {
    fd_ = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd_ < 0 || tcgetattr(fd_, &saved_) != 0) return;
    struct sigaction sa {};
    sa.sa_handler = on_signal;  // no SA_RESTART: read returns EINTR
    sigemptyset(&sa.sa_mask);
    for (std::size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &sa, &old_[i]);
    handlers_ = true;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHONL);
    ok_ = tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
  }
  ~QuietTerminal() {
    if (ok_) tcsetattr(fd_, TCSAFLUSH, &saved_);
    if (handlers_) {
      for (std::size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &old_[i], nullptr);
    }
    if (fd_ >= 0) close(fd_);
  }
  QuietTerminal(const QuietTerminal&) = delete;
  QuietTerminal& operator=(const QuietTerminal&) = delete;

  bool ok() const { return ok_; }
  int fd() const { return fd_; }
  void say(std::string_view s) const {
    if (write(fd_, s.data(), s.size()) < 0) {
      // Nothing to do: the prompt is a courtesy.
    }
  }

 private:
  static constexpr std::array<int, 4> kSignals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
  int fd_ = -1;
  bool handlers_ = false;
  bool ok_ = false;
  termios saved_{};
  std::array<struct sigaction, 4> old_{};
};

Status prompt_line(const QuietTerminal& tty, std::string_view prompt, PasswordBuffer& out) {
  tty.say(prompt);
  auto r = read_into(tty.fd(), out, true);
  tty.say("\n");
  if (!r) return r;
  const bool line_ended = out.size() > 0 && out.data()[out.size() - 1] == '\n';
  if (!line_ended && out.size() < out.capacity()) {
    out.wipe();
    return failure(Verdict::kMisuse, "read password", "end of input on the terminal");
  }
  return take_line(out);
}

}  // namespace

Status read_password(PasswordBuffer& out, bool from_stdin, bool confirm, std::string_view user) {
  if (from_stdin) {
    if (auto r = read_into(0, out, false); !r) return r;
    return take_line(out);
  }
  QuietTerminal tty;
  if (!tty.ok()) {
    return failure(Verdict::kMisuse, "read password",
                   "no terminal to ask on (use --password-stdin)");
  }
  if (auto r = prompt_line(tty, "Password for " + printable(user) + ": ", out); !r) return r;
  if (!confirm) return ok_status();
  PasswordBuffer again;
  if (auto r = prompt_line(tty, "Retype password: ", again); !r) {
    out.wipe();
    return r;
  }
  if (again.size() != out.size() || sodium_memcmp(again.data(), out.data(), out.size()) != 0) {
    out.wipe();
    return failure(Verdict::kMisuse, "read password", "the two passwords differ");
  }
  return ok_status();
}

}  // namespace checkpw::tool
