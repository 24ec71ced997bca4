#include "auth/log.h"

#include <syslog.h>
#include <unistd.h>

namespace checkpw {

std::string log_escape(std::span<const unsigned char> bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size());
  for (unsigned char c : bytes) {
    if (c > 0x20 && c < 0x7f && c != '=' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

std::string log_line(const LogEntry& e) {
  auto as_bytes = [](std::string_view s) {
    return std::span<const unsigned char>(reinterpret_cast<const unsigned char*>(s.data()),
                                          s.size());
  };
  std::string line(e.program);
  line += ": ";
  line += verdict_name(e.verdict);
  line += " mech=";
  line += log_escape(as_bytes(e.mech));
  line += " remote=";
  line += e.remote.empty() ? std::string("-") : log_escape(as_bytes(e.remote));
  if (!e.user.empty()) {
    line += " user=";
    line += log_escape(e.user);
  }
  line += " reason=";
  line += log_escape(as_bytes(e.reason));
  line += '\n';
  return line;
}

void log_line_stderr(const LogEntry& entry) noexcept {
  try {
    const std::string line = log_line(entry);
    ssize_t ignored = write(2, line.data(), line.size());
    (void)ignored;
  } catch (...) {
    // Out of memory while logging: the verdict still stands.
  }
}

void log_line_syslog(const LogEntry& entry) noexcept {
  try {
    std::string line = log_line(entry);
    line.pop_back();  // syslog ends the record itself
    // The tag after "prog: " is the program's name: syslog has its own.
    const std::string program(entry.program);
    const std::string text = line.substr(program.size() + 2);
    openlog(program.c_str(), LOG_PID, LOG_AUTH);
    syslog(entry.verdict == Verdict::kAccept ? LOG_INFO : LOG_NOTICE, "%s", text.c_str());
    closelog();
  } catch (...) {
    // Out of memory while logging: the verdict still stands.
  }
}

}  // namespace checkpw
