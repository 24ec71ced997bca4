#include "auth/identity.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
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

// Under setuid: our ids in every slot, default signals, our limits (see identity.h).
bool take_over_process_state(ProcessInfo& proc) noexcept {
  bool ok = true;
  if (proc.egid != proc.rgid) ok = setresgid(proc.egid, proc.egid, proc.egid) == 0;
  if (ok && proc.euid != proc.ruid) ok = setresuid(proc.euid, proc.euid, proc.euid) == 0;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    signal(sig, SIG_DFL);  // fails only for signals that do not exist or are reserved
  }
  // A file size limit we could not raise (no CAP_SYS_RESOURCE) must fail a write with
  // EFBIG, not kill a known user's login with SIGXFSZ while an unknown user gets 1.
  signal(SIGXFSZ, SIG_IGN);
  sigset_t none;
  sigemptyset(&none);
  ok = ok && sigprocmask(SIG_SETMASK, &none, nullptr) == 0;
  for (std::size_t i = 0; i < std::size(kRaisedLimits); ++i) {
    const auto which = static_cast<__rlimit_resource_t>(kRaisedLimits[i]);
    if (getrlimit(which, &proc.limits[i]) != 0) {
      ok = false;
      continue;
    }
    struct rlimit raised = proc.limits[i];
    raised.rlim_cur = raised.rlim_max;
    if (geteuid() == 0) raised = {RLIM_INFINITY, RLIM_INFINITY};
    // The kernel caps RLIMIT_NOFILE at fs.nr_open: fall back to the hard limit.
    if (setrlimit(which, &raised) != 0) {
      raised = proc.limits[i];
      raised.rlim_cur = raised.rlim_max;
      ok = ok && setrlimit(which, &raised) == 0;
    }
  }
  return ok;
}

// The caller's limits back, for the subprogram (lowering a limit never fails as root),
// and SIGXFSZ to its default (an ignored signal would survive exec).
Status restore_limits(const ProcessInfo& proc) {
  signal(SIGXFSZ, SIG_DFL);
  for (std::size_t i = 0; i < std::size(kRaisedLimits); ++i) {
    const auto which = static_cast<__rlimit_resource_t>(kRaisedLimits[i]);
    if (setrlimit(which, &proc.limits[i]) != 0) return temp_error(reason("setrlimit"));
  }
  return ok_status();
}

}  // namespace

bool process_secure() noexcept {
  errno = 0;
  const unsigned long at_secure = getauxval(AT_SECURE);
  if (at_secure != 0 || errno != 0) return true;  // unknown counts as secure
  return getuid() != geteuid() || getgid() != getegid();
}

ProcessInfo process_harden() noexcept {
  ProcessInfo proc;
  proc.secure = process_secure();
  proc.ruid = getuid();
  proc.euid = geteuid();
  proc.rgid = getgid();
  proc.egid = getegid();

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
  if (proc.secure) proc.hardened = take_over_process_state(proc);
  return proc;
}

const char* trusted_env(const ProcessInfo& proc, const char* name) noexcept {
  if (proc.secure) return nullptr;
  return std::getenv(name);
}

Status become_account(const ProcessInfo& proc, const Identity& account, bool switch_to_account,
                      bool enter_home) {
  if (proc.secure && proc.ruid != 0) {
    // A setuid copy called by a local user: the subprogram runs as that user, whatever
    // the account says, with the limits the user had (doc/design.md section 5).
    if (Status s = restore_limits(proc); !s) return s;
    return drop_to_real_ids(proc);
  }
  const bool have_ids = account.uid.has_value() && account.gid.has_value();
  if (switch_to_account && account.uid.has_value() != account.gid.has_value() && geteuid() == 0) {
    return temp_error("account has a uid or gid but not both");  // never guess an identity
  }
  if (proc.secure) {
    if (Status s = restore_limits(proc); !s) return s;
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
