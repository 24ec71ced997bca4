// The hand-off to the subprogram after an acceptance: environment, identity, exec. Kept
// apart from the decision because everything here acts on the process.
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "auth/log.h"
#include "auth/login.h"

namespace checkpw {
namespace {

// Dovecot reads userdb fields back through checkpassword-reply: EXTRA names the
// variables it forwards (doc/design.md section 6).
bool set_dovecot_env(const Caller& caller, Decision& d) {
  std::string extra;
  auto put = [&](const char* name, const std::string& value) {
    if (setenv(name, value.c_str(), 1) != 0) return false;
    if (!extra.empty()) extra += ' ';
    extra += name;
    return true;
  };
  bool ok = true;
  if (d.uid) ok = ok && put("userdb_uid", std::to_string(*d.uid));
  if (d.gid) ok = ok && put("userdb_gid", std::to_string(*d.gid));
  if (d.home) ok = ok && put("userdb_home", *d.home);
  if (caller.credentials && d.credentials.size() != 0) {
    std::string value = "{CRAM-MD5}";
    value.append(reinterpret_cast<const char*>(d.credentials.data()), d.credentials.size());
    ok = ok && put("password", value);
    sodium_memzero(value.data(), value.size());
    d.credentials.wipe();
  }
  if (caller.lookup) ok = ok && setenv("AUTHORIZED", "2", 1) == 0;
  if (!extra.empty()) ok = ok && setenv("EXTRA", extra.c_str(), 1) == 0;
  return ok;
}

bool set_account_env(const Decision& d) {
  bool ok = setenv("USER", d.user.c_str(), 1) == 0;
  if (d.home) ok = ok && setenv("HOME", d.home->c_str(), 1) == 0;
  if (d.shell) ok = ok && setenv("SHELL", d.shell->c_str(), 1) == 0;
  return ok;
}

bool executable_file(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

// Whether execvp(name) can find an executable file, searched as execvp searches, with
// the identity the subprogram will have: so that "accept" is not logged for a login
// whose subprogram cannot run.
bool subprogram_found(const char* name) {
  if (std::strchr(name, '/') != nullptr) return executable_file(name);
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/bin:/usr/bin";
  for (;;) {
    const std::size_t colon = dirs.find(':');
    const std::string_view dir = dirs.substr(0, colon);
    if (executable_file((dir.empty() ? std::string(".") : std::string(dir)) + "/" + name)) {
      return true;
    }
    if (colon == std::string_view::npos) return false;
    dirs.remove_prefix(colon + 1);
  }
}

}  // namespace

void take_identity(const Run& run, char** argv, Decision& d) {
  if (d.verdict != Verdict::kAccept) return;
  const Caller& caller = run.caller;
  bool ok = (!caller.dovecot || set_dovecot_env(caller, d)) && set_account_env(d);
  if (!ok) {
    d.detail = "unable to set the environment";
    return d.set(Verdict::kTempFail, "environment-failed");
  }
  Identity id;
  if (d.uid) id.uid = static_cast<uid_t>(*d.uid);
  if (d.gid) id.gid = static_cast<gid_t>(*d.gid);
  id.home = d.home;
  // Dovecot's reply helper refuses a changed uid, so Dovecot mode keeps ours.
  if (Status s = become_account(run.proc, id, !caller.dovecot, !caller.dovecot); !s) {
    d.detail = s.error().message;
    return d.set(Verdict::kTempFail, "identity-switch-failed");
  }
  if (!subprogram_found(argv[1])) {
    d.detail = "unable to run subprogram: not found or not executable";
    d.set(Verdict::kTempFail, "exec-failed");
  }
}

Verdict exec_subprogram(const Run& run, Decision& d, char** argv) {
  // exec skips destructors: nothing secret may be left in our memory when it runs.
  d.credentials.wipe();
  d.book.fresh_cram.wipe();
  wipe_string(d.book.verified_hash);
  wipe_string(d.book.fresh_hash);
  if (d.verdict != Verdict::kAccept) return d.verdict;
  execvp(argv[1], argv + 1);
  const int e = errno;
  d.detail = std::string("unable to run subprogram: ") + std::strerror(e);
  d.set(Verdict::kTempFail, "exec-failed");
  d.log_user_on_reject = false;
  decision_log(run, d);  // the last decision line must not say "accept"
  return d.verdict;
}

}  // namespace checkpw
