#include "auth/identity.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace checkpw {
namespace {

std::string reason(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

// The caller's real ids for every slot, then proof that root cannot come back.
Status drop_to_real_ids(const ProcessInfo& proc) {
  if (setresgid(proc.rgid, proc.rgid, proc.rgid) != 0) return temp_error(reason("setresgid"));
  if (setresuid(proc.ruid, proc.ruid, proc.ruid) != 0) return temp_error(reason("setresuid"));
  if (proc.ruid != 0 && (setuid(0) == 0 || geteuid() == 0)) {
    return temp_error("root privileges could be regained after dropping them");
  }
  return ok_status();
}

Status switch_to(uid_t uid, gid_t gid) {
  // Groups first, then gid, then uid: each later step removes the right to the earlier.
  if (setgroups(1, &gid) != 0) return temp_error(reason("setgroups"));
  if (setresgid(gid, gid, gid) != 0) return temp_error(reason("setresgid"));
  if (setresuid(uid, uid, uid) != 0) return temp_error(reason("setresuid"));
  if (setuid(0) == 0 || geteuid() != uid || getuid() != uid || getegid() != gid ||
      getgid() != gid) {
    return temp_error("identity switch did not hold");
  }
  return ok_status();
}

}  // namespace

ProcessInfo process_harden() noexcept {
  ProcessInfo proc;
  errno = 0;
  const unsigned long at_secure = getauxval(AT_SECURE);
  proc.secure = at_secure != 0 || errno != 0;  // unknown counts as secure
  proc.ruid = getuid();
  proc.euid = geteuid();
  proc.rgid = getgid();
  proc.egid = getegid();
  if (proc.ruid != proc.euid || proc.rgid != proc.egid) proc.secure = true;

  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  const struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);

  for (int fd = 0; fd <= 2; ++fd) {
    if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    const int n = open("/dev/null", O_RDWR);
    if (n < 0) continue;
    if (n != fd) {
      dup2(n, fd);
      close(n);  // n may be 3 when fd 3 was closed: it must stay closed
    }
  }
  return proc;
}

const char* trusted_env(const ProcessInfo& proc, const char* name) noexcept {
  if (proc.secure) return nullptr;
  return std::getenv(name);
}

Status become_account(const ProcessInfo& proc, const Identity& account, bool switch_to_account,
                      bool enter_home) {
  const bool have_ids = account.uid.has_value() && account.gid.has_value();
  if (switch_to_account && account.uid.has_value() != account.gid.has_value() && geteuid() == 0) {
    return temp_error("account has a uid or gid but not both");  // never guess an identity
  }
  bool switched = false;
  if (switch_to_account && have_ids && geteuid() == 0) {
    if (*account.uid == 0) return temp_error("refusing to switch to uid 0");
    Status s = switch_to(*account.uid, *account.gid);
    if (!s) return s;
    switched = true;
  } else if (proc.euid != proc.ruid || proc.egid != proc.rgid || getuid() != geteuid()) {
    Status s = drop_to_real_ids(proc);
    if (!s) return s;
  }
  if (geteuid() == 0 && proc.ruid != 0) {
    return temp_error("refusing to run the subprogram as root for a non-root caller");
  }
  if ((switched || enter_home) && account.home.has_value()) {
    if (chdir(account.home->c_str()) != 0) return temp_error(reason("chdir to home"));
  }
  return ok_status();
}

}  // namespace checkpw
