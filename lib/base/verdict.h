// Verdict: the outcome of every decision on the authentication path, and the one
// function that maps it to the exit codes of doc/design.md section 3. Nothing else in
// the suite may choose an exit number for a verdict.
#pragma once

namespace checkpw {

enum class Verdict {
  kAccept,       // exec the subprogram; never an exit code of its own
  kReject,       // 1: unknown user, wrong secret, disabled account, uid 0, input too long
  kMisuse,       // 2: fd 3 unusable, fields not NUL-terminated, no subprogram
  kUnknownUser,  // 3: Dovecot lookup of an unknown user (lookup mode only)
  kTempFail,     // 111: anything of our own that went wrong
};

// Exit status for a verdict. kAccept has no exit status (the subprogram replaces us);
// asking for one means exec did not happen, which is our failure: 111.
int exit_code(Verdict verdict) noexcept;

const char* verdict_name(Verdict verdict) noexcept;

}  // namespace checkpw
