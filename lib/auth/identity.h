// Process hygiene and identity for the checkpassword programs (doc/design.md section 5).
// They may run setuid root: process_harden() is the first call in main, trusted_env()
// is the only way to read a variable that could change what we trust, and
// become_account() is the only place that changes identity. It drops supplementary
// groups, then the gid, then the uid, and proves root cannot come back.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "base/result.h"

namespace checkpw {

struct ProcessInfo {
  bool secure = true;  // AT_SECURE: setuid/setgid or capabilities; assume the worst
  uid_t ruid = 0, euid = 0;
  gid_t rgid = 0, egid = 0;
};

// Reads AT_SECURE and the ids, disables core dumps (PR_SET_DUMPABLE 0, RLIMIT_CORE 0)
// and opens /dev/null on any of fds 0-2 that is closed, never disturbing fd 3 and up.
ProcessInfo process_harden() noexcept;

// getenv(name), or nullptr when the process is secure: under setuid the caller's
// environment must not steer the database path, lookups or credentials.
const char* trusted_env(const ProcessInfo& proc, const char* name) noexcept;

struct Identity {
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  std::optional<std::string> home;
};

// Takes the identity the subprogram must run with. With `switch_to_account`, a uid
// and gid, and root privileges: setgroups({gid}), setgid, setuid, check, chdir(home).
// Otherwise: a setuid/setgid process drops to the caller's real ids; home (if any) is
// entered only when `enter_home`. Refuses (kTempFail) to leave us at uid 0 unless the
// caller already was root. Any failed call is kTempFail.
[[nodiscard]] Status become_account(const ProcessInfo& proc, const Identity& account,
                                    bool switch_to_account, bool enter_home);

}  // namespace checkpw
