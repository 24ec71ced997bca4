// The commands that change accounts: add, passwd, del, enable, disable, unlock, set. Each
// checks its input before touching the database or asking for a password, then makes
// exactly one write (one transaction), so a refused or failed command leaves the
// database as it was.
#include <sodium.h>

#include <charconv>
#include <functional>

#include "auth/password.h"
#include "core/cram_md5.h"
#include "tool.h"

namespace checkpw::tool {
namespace {

// --uid, --gid, --home, --shell into the optional fields of `c` (shared by add and set).
Status read_fields(const Invocation& inv, AccountChanges& c) {
  for (const char* opt : {"--uid", "--gid"}) {
    if (const std::string* v = inv.last(opt)) {
      auto id = parse_id(*v, opt + 2);
      if (!id) return id.error();
      (opt[2] == 'u' ? c.uid : c.gid) = *id;
    }
  }
  for (const char* opt : {"--home", "--shell"}) {
    if (const std::string* v = inv.last(opt)) {
      if (auto r = user_path_check(*v, opt + 2); !r) return r;
      (opt[2] == 'h' ? c.home : c.shell) = *v;
    }
  }
  return ok_status();
}

// del, enable, disable: one write by name.
Status simple_write(const Invocation& inv, std::string_view verb,
                    const std::function<Status(AdminStore&, const std::string&)>& write) {
  const std::string& name = inv.args[0];
  const std::string what = user_obj(verb, name);
  if (auto r = check_name(name, verb); !r) return r;
  auto u = open_for_write(inv);
  if (!u) return u.error();
  if (auto r = write(**u, name); !r) return as(r.error(), what);
  keep_wal_files(**u);
  return ok_status();
}

}  // namespace

Status cmd_add(const Invocation& inv) {
  const std::string& name = inv.args[0];
  const std::string what = user_obj("add", name);
  if (auto r = check_name(name, "add"); !r) return r;
  AccountChanges fields;
  if (auto r = read_fields(inv, fields); !r) return as(r.error(), what);
  if (fields.uid.has_value() != fields.gid.has_value()) {
    return failure(Verdict::kMisuse, what,
                   "--uid and --gid go together: give both or neither (the programs never "
                   "switch to half an identity)");
  }
  auto u = open_for_write(inv);
  if (!u) return u.error();
  auto existing = (*u)->find(name);
  if (!existing) return as(existing.error(), what);
  if (existing->has_value()) return failure(Verdict::kReject, what, "user exists");
  auto settings = (*u)->settings();
  if (!settings) return as(settings.error(), what);

  PasswordBuffer pw;
  if (auto r = read_password(pw, inv.has("--password-stdin"), true, name); !r) return r;
  Account a;
  a.name = name;
  auto hash = password_hash(pw.view(), settings->cost);
  if (!hash) return as(hash.error(), what);
  a.hash = std::move(hash.value());
  if (!inv.has("--no-cram-md5")) {
    cram_md5_secret(pw.view(), a.cram_md5);
    a.has_cram_md5 = true;
  }
  pw.wipe();
  a.uid = fields.uid;
  a.gid = fields.gid;
  a.home = fields.home;
  a.shell = fields.shell;
  if (auto r = (*u)->add(a); !r) return as(r.error(), what);
  keep_wal_files(**u);
  return ok_status();
}

Status cmd_passwd(const Invocation& inv) {
  const std::string& name = inv.args[0];
  const std::string what = "change password of user " + printable(name);
  if (auto r = check_name(name, "change password of"); !r) return r;
  auto u = open_for_write(inv);
  if (!u) return u.error();
  auto existing = (*u)->find(name);
  if (!existing) return as(existing.error(), what);
  if (!existing->has_value()) return failure(Verdict::kReject, what, "no such user");
  auto settings = (*u)->settings();
  if (!settings) return as(settings.error(), what);

  PasswordBuffer pw;
  if (auto r = read_password(pw, inv.has("--password-stdin"), true, name); !r) return r;
  auto hash = password_hash(pw.view(), settings->cost);
  if (!hash) return as(hash.error(), what);
  Account secret;  // its destructor wipes the new CRAM-MD5 secret
  const bool cram = (*existing)->has_cram_md5;
  if (cram) cram_md5_secret(pw.view(), secret.cram_md5);
  pw.wipe();
  auto r = (*u)->set_password(name, *hash, cram ? &secret.cram_md5 : nullptr);
  sodium_memzero(hash->data(), hash->size());
  if (!r) return as(r.error(), what);
  keep_wal_files(**u);
  return ok_status();
}

Status cmd_del(const Invocation& inv) {
  return simple_write(inv, "delete",
                      [](AdminStore& s, const std::string& n) { return s.remove(n); });
}

Status cmd_enable(const Invocation& inv) {
  return simple_write(inv, "enable",
                      [](AdminStore& s, const std::string& n) { return s.set_enabled(n, true); });
}

Status cmd_unlock(const Invocation& inv) {
  return simple_write(inv, "unlock",
                      [](AdminStore& s, const std::string& n) { return s.unlock(n); });
}

Status cmd_disable(const Invocation& inv) {
  return simple_write(inv, "disable",
                      [](AdminStore& s, const std::string& n) { return s.set_enabled(n, false); });
}

Status cmd_set(const Invocation& inv) {
  const std::string& name = inv.args[0];
  const std::string what = user_obj("change", name);
  if (auto r = check_name(name, "change"); !r) return r;
  AccountChanges c;
  if (auto r = read_fields(inv, c); !r) return as(r.error(), what);
  if (const auto it = inv.options.find("--clear"); it != inv.options.end()) {
    for (const std::string& field : it->second) {
      bool* flag = field == "uid"     ? &c.clear_uid
                   : field == "gid"   ? &c.clear_gid
                   : field == "home"  ? &c.clear_home
                   : field == "shell" ? &c.clear_shell
                                      : nullptr;
      if (flag == nullptr) {
        return failure(Verdict::kMisuse, what,
                       "--clear takes uid, gid, home or shell, not " + printable(field));
      }
      *flag = true;
    }
  }
  if ((c.uid && c.clear_uid) || (c.gid && c.clear_gid) || (c.home && c.clear_home) ||
      (c.shell && c.clear_shell)) {
    return failure(Verdict::kMisuse, what, "a field is both set and cleared");
  }
  if (!c.uid && !c.gid && !c.home && !c.shell && !c.clear_uid && !c.clear_gid && !c.clear_home &&
      !c.clear_shell) {
    return failure(Verdict::kMisuse, what, "nothing to change (see userdb-tool set --help)");
  }
  auto u = open_for_write(inv);
  if (!u) return u.error();
  if (auto r = (*u)->change(name, c); !r) return as(r.error(), what);
  keep_wal_files(**u);
  return ok_status();
}

}  // namespace checkpw::tool
