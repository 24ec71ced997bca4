// The commands that read: show, list, and verify, which runs the very decision the
// checkpassword programs run (lib/auth/decision.h), default domain and all.
#include "auth/decision.h"
#include "tool.h"

namespace checkpw::tool {

Status cmd_show(const Invocation& inv) {
  const std::string& name = inv.args[0];
  const std::string what = user_obj("show", name);
  if (auto r = check_name(name, "show"); !r) return r;
  auto u = open_for_read(inv);
  if (!u) return u.error();
  auto a = (*u)->find(name);
  if (!a) return as(a.error(), what);
  if (!a->has_value()) return failure(Verdict::kReject, what, "no such user");
  out(inv.has("--json") ? account_json(**a) + "\n" : account_text(**a));
  return ok_status();
}

Status cmd_list(const Invocation& inv) {
  auto u = open_for_read(inv);
  if (!u) return u.error();
  auto all = (*u)->list();
  if (!all) return as(all.error(), "list users");
  out(inv.has("--json") ? accounts_json(*all) : accounts_table(*all));
  return ok_status();
}

// The reasons decide() gives, in words for an administrator.
const char* reason_text(std::string_view reason) {
  if (reason == "bad-password") return "wrong password";
  if (reason == "unknown-user") return "no such user";
  if (reason == "disabled") return "account disabled";
  if (reason == "uid-zero") return "the account's uid is 0, which the programs refuse";
  if (reason == "gid-zero") return "the account's gid is 0, which the programs refuse";
  if (reason == "empty-user") return "empty user name";
  if (reason == "empty-password") return "empty password";
  if (reason == "out-of-memory") return "out of memory";
  if (reason == "invalid-stored-hash") {
    return "the stored hash is not a valid Argon2id or crypt(3) string";
  }
  return "internal error";
}

Status cmd_verify(const Invocation& inv) {
  const std::string& name = inv.args[0];
  const std::string what = "verify password of user " + printable(name);
  auto store = open_for_read(inv);
  if (!store) return store.error();
  auto settings = (*store)->settings();
  if (!settings) return as(settings.error(), what);
  const std::span<const unsigned char> user(reinterpret_cast<const unsigned char*>(name.data()),
                                            name.size());
  auto account = account_lookup(**store, *settings, user);
  if (!account) return as(account.error(), what);
  PasswordBuffer pw;
  if (auto r = read_password(pw, inv.has("--password-stdin"), false, name); !r) return r;
  // The decision of checkpw itself: default domain, disabled, uid/gid 0 and all. Its
  // bookkeeping is not done: verify is read-only.
  Login login;
  login.user = user;
  login.secret = pw.view();
  Decision d;
  decide(login, *settings, *account, d);
  pw.wipe();
  if (d.verdict != Verdict::kAccept) {
    return failure(d.verdict == Verdict::kReject ? Verdict::kReject : Verdict::kTempFail, what,
                   reason_text(d.reason));
  }
  out("password correct" + (d.user != name ? " (account " + printable(d.user) + ")" : "") + "\n");
  return ok_status();
}

}  // namespace checkpw::tool
