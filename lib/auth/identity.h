// Process hygiene and identity for the checkpassword programs (doc/design.md section 5).
// They may run setuid root: process_harden() is the first call in main, trusted_env()
// is the only way to read a variable that could change what we trust, and
// become_account() is the only place that changes identity. It drops supplementary
// groups, then the gid, then the uid, and proves root cannot come back.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <iterator>
#include <optional>
#include <string>

#include "base/result.h"

namespace checkpw {

// The resource limits a secure run raises for itself and gives back to the subprogram.
inline constexpr int kRaisedLimits[] = {RLIMIT_FSIZE, RLIMIT_AS,     RLIMIT_DATA,   RLIMIT_STACK,
                                        RLIMIT_CPU,   RLIMIT_NOFILE, RLIMIT_MEMLOCK};

struct ProcessInfo {
  bool secure = true;        // AT_SECURE: setuid/setgid or capabilities; assume the worst
  bool hardened = true;      // false: a secure process could not take its ids or limits
  uid_t ruid = 0, euid = 0;  // the caller's real uid, and ours
  gid_t rgid = 0, egid = 0;
  struct rlimit limits[std::size(kRaisedLimits)]{};  // the caller's, restored before exec
};

// AT_SECURE (setuid, setgid, capabilities), or real and effective ids that differ; a
// process whose AT_SECURE cannot be read counts as secure.
bool process_secure() noexcept;

// Reads AT_SECURE and the ids, disables core dumps (PR_SET_DUMPABLE 0, RLIMIT_CORE 0)
// and opens /dev/null on any of fds 0-2 that is closed, never disturbing fd 3 and up.
// When secure, the caller's process state must not reach the decision (doc/design.md
// section 5): the real and saved uid (and gid, for a setgid copy) become ours, so the
// caller can no longer signal or stop us; every signal disposition goes back to its
// default (SIGXFSZ ignored) and the mask is emptied; the limits above are raised (to
// unlimited where we may, else to their hard limit) after the caller's are saved. A hard
// limit the caller lowered stays without CAP_SYS_RESOURCE. Any failure: !hardened.
ProcessInfo process_harden() noexcept;

// getenv(name), or nullptr when the process is secure: under setuid the caller's
// environment must not steer the database path, lookups or credentials.
const char* trusted_env(const ProcessInfo& proc, const char* name) noexcept;

struct Identity {
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  std::optional<std::string> home;
};

// Takes the identity the subprogram must run with. A secure process called by anyone but
// root never applies the account's ids: it drops to the caller's real ids (a setuid copy
// must not hand a local user an account's uid) and gives back the caller's limits.
// Otherwise, with `switch_to_account`, a uid and gid, and root privileges:
// setgroups({gid}), setgid, setuid, check, chdir(home); else a setuid/setgid process
// drops to the caller's real ids, and home (if any) is entered only when `enter_home`.
// Refuses (kTempFail) to leave us at uid 0 unless the caller already was root. Any
// failed call is kTempFail.
[[nodiscard]] Status become_account(const ProcessInfo& proc, const Identity& account,
                                    bool switch_to_account, bool enter_home);

}  // namespace checkpw
