// The one line per decision on stderr (doc/design.md section 8), shaped for fail2ban:
//   <prog>: accept|reject|tempfail|misuse mech=<m> remote=<ip> [user=<name>] reason=<r>
// Never a password, challenge, response or hash: the caller passes only the user name
// (escaped here) and fixed words. Every byte outside printable ASCII, and the
// characters ' ', '=', '\', becomes \xHH, so a name cannot forge fields or lines.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "base/verdict.h"

namespace checkpw {

std::string log_escape(std::span<const unsigned char> bytes);

struct LogEntry {
  std::string_view program;
  Verdict verdict = Verdict::kTempFail;
  std::string_view mech = "none";
  std::string_view remote;              // $TCPREMOTEIP; escaped; "-" when empty
  std::span<const unsigned char> user;  // empty: not logged
  std::string_view reason;              // a fixed word, never data
};

std::string log_line(const LogEntry& entry);

// Writes log_line(entry) to stderr in one write().
void log_line_stderr(const LogEntry& entry) noexcept;

// The same line to syslog (LOG_AUTH; LOG_INFO for an acceptance, LOG_NOTICE otherwise),
// tagged with the program's name and pid; the connection is closed again.
void log_line_syslog(const LogEntry& entry) noexcept;

}  // namespace checkpw
