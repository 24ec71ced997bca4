// The commands. Each checks its input before touching the database or asking for a
// password, then makes exactly one library write (one transaction), so a refused or
// failed command leaves the database as it was.
#include <grp.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <functional>

#include "checkpw/cram_md5.h"
#include "tool.h"

namespace checkpw::tool {
namespace {

void out(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
}

void warn(const std::string& s) {
  std::fprintf(stderr, "%s: warning: %s\n", kProg, s.c_str());
}

// Re-labels a library error with what we were doing.
Error as(const Error& e, std::string_view what) {
  return failure(e.verdict, what, e.message);
}

std::string user_obj(std::string_view verb, std::string_view name) {
  return std::string(verb) + " user " + printable(name);
}

Result<Userdb> open_for_write(const Invocation& inv) {
  auto u = Userdb::open_admin(inv.db_path);
  if (!u) return as(u.error(), "open database " + printable(inv.db_path));
  auto v = u->schema_version();
  if (!v) return as(v.error(), "open database " + printable(inv.db_path));
  if (*v < kUserdbSchemaVersion) {
    return failure(Verdict::kTempFail, "open database " + printable(inv.db_path),
                   "schema version " + std::to_string(*v) +
                       " is older than this program's: run userdb-tool init to migrate it");
  }
  return u;
}

Result<Userdb> open_for_read(const Invocation& inv) {
  auto u = Userdb::open_readonly(inv.db_path);
  if (!u) return as(u.error(), "open database " + printable(inv.db_path));
  return u;
}

// After a write: the persistent WAL files the group's readers need (best effort).
void keep_wal_files(Userdb& u) {
  if (auto r = u.ensure_wal_files(); !r) warn(r.error().message);
}

Result<std::uint32_t> parse_id(const std::string& s, std::string_view what) {
  std::int64_t v = -1;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || s[0] == '-' || s[0] == '+' || ec != std::errc() || p != s.data() + s.size()) {
    return Error{Verdict::kMisuse, std::string(what) + " must be a decimal number"};
  }
  if (auto r = user_id_check(v, what); !r) return r.error();
  return static_cast<std::uint32_t>(v);
}

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

Status check_name(const std::string& name, std::string_view verb) {
  if (auto r = user_name_check(name); !r) return as(r.error(), std::string(verb) + " user");
  return ok_status();
}

// --- commands -----------------------------------------------------------------------

Status cmd_init(const Invocation& inv) {
  const std::string what = "initialize database " + printable(inv.db_path);
  std::optional<gid_t> group;
  if (const std::string* name = inv.last("--group")) {
    std::vector<char> buf(16384);
    struct group g {};
    struct group* found = nullptr;
    int rc = 0;
    while ((rc = getgrnam_r(name->c_str(), &g, buf.data(), buf.size(), &found)) == ERANGE &&
           buf.size() < (1u << 22)) {
      buf.resize(buf.size() * 2);
    }
    if (rc != 0) return failure(Verdict::kTempFail, what, std::strerror(rc));
    if (found == nullptr) {
      return failure(Verdict::kMisuse, what, "no such group: " + printable(*name));
    }
    group = found->gr_gid;
  }
  struct stat st {};
  if (lstat(inv.db_path.c_str(), &st) != 0) {
    if (errno != ENOENT) return failure(Verdict::kTempFail, what, std::strerror(errno));
    auto u = Userdb::create(inv.db_path, CreateOptions{group});
    if (u) {
      out("created " + printable(inv.db_path) + " (schema version " +
          std::to_string(kUserdbSchemaVersion) + ", mode " + (group ? "0640" : "0600") + ")\n");
      return ok_status();
    }
    // Lost a race with another init: fall through to the existing-database path.
    if (u.error().verdict != Verdict::kReject) return as(u.error(), what);
    if (lstat(inv.db_path.c_str(), &st) != 0)
      return failure(Verdict::kTempFail, what, std::strerror(errno));
  }
  if (group && st.st_gid != *group) {
    return failure(Verdict::kReject, what,
                   "the database exists with another group; refusing to change its "
                   "permissions (use chgrp and chmod)");
  }
  auto u = Userdb::open_admin(inv.db_path);
  if (!u) return as(u.error(), what);
  auto from = u->migrate();
  if (!from) return as(from.error(), what);
  keep_wal_files(*u);
  if (*from < kUserdbSchemaVersion) {
    out("migrated " + printable(inv.db_path) + " from schema version " + std::to_string(*from) +
        " to " + std::to_string(kUserdbSchemaVersion) + "\n");
  } else {
    out(printable(inv.db_path) + " is up to date (schema version " +
        std::to_string(kUserdbSchemaVersion) + ")\n");
  }
  return ok_status();
}

Status cmd_add(const Invocation& inv) {
  const std::string& name = inv.args[0];
  const std::string what = user_obj("add", name);
  if (auto r = check_name(name, "add"); !r) return r;
  AccountChanges fields;
  if (auto r = read_fields(inv, fields); !r) return as(r.error(), what);
  auto u = open_for_write(inv);
  if (!u) return u.error();
  auto existing = u->find(name);
  if (!existing) return as(existing.error(), what);
  if (existing->has_value()) return failure(Verdict::kReject, what, "user exists");
  auto settings = u->settings();
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
  if (auto r = u->add(a); !r) return as(r.error(), what);
  keep_wal_files(*u);
  return ok_status();
}

Status cmd_passwd(const Invocation& inv) {
  const std::string& name = inv.args[0];
  const std::string what = "change password of user " + printable(name);
  if (auto r = check_name(name, "change password of"); !r) return r;
  auto u = open_for_write(inv);
  if (!u) return u.error();
  auto existing = u->find(name);
  if (!existing) return as(existing.error(), what);
  if (!existing->has_value()) return failure(Verdict::kReject, what, "no such user");
  auto settings = u->settings();
  if (!settings) return as(settings.error(), what);

  PasswordBuffer pw;
  if (auto r = read_password(pw, inv.has("--password-stdin"), true, name); !r) return r;
  auto hash = password_hash(pw.view(), settings->cost);
  if (!hash) return as(hash.error(), what);
  Account secret;  // its destructor wipes the new CRAM-MD5 secret
  const bool cram = (*existing)->has_cram_md5;
  if (cram) cram_md5_secret(pw.view(), secret.cram_md5);
  pw.wipe();
  auto r = u->update_password(name, *hash, cram ? &secret.cram_md5 : nullptr);
  sodium_memzero(hash->data(), hash->size());
  if (!r) return as(r.error(), what);
  keep_wal_files(*u);
  return ok_status();
}

// del, enable, disable: one write by name.
Status simple_write(const Invocation& inv, std::string_view verb,
                    const std::function<Status(Userdb&, const std::string&)>& write) {
  const std::string& name = inv.args[0];
  const std::string what = user_obj(verb, name);
  if (auto r = check_name(name, verb); !r) return r;
  auto u = open_for_write(inv);
  if (!u) return u.error();
  if (auto r = write(*u, name); !r) return as(r.error(), what);
  keep_wal_files(*u);
  return ok_status();
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
  if (auto r = u->change(name, c); !r) return as(r.error(), what);
  keep_wal_files(*u);
  return ok_status();
}

Status cmd_show(const Invocation& inv) {
  const std::string& name = inv.args[0];
  const std::string what = user_obj("show", name);
  if (auto r = check_name(name, "show"); !r) return r;
  auto u = open_for_read(inv);
  if (!u) return u.error();
  auto a = u->find(name);
  if (!a) return as(a.error(), what);
  if (!a->has_value()) return failure(Verdict::kReject, what, "no such user");
  out(inv.has("--json") ? account_json(**a) + "\n" : account_text(**a));
  return ok_status();
}

Status cmd_list(const Invocation& inv) {
  auto u = open_for_read(inv);
  if (!u) return u.error();
  auto all = u->list();
  if (!all) return as(all.error(), "list users");
  out(inv.has("--json") ? accounts_json(*all) : accounts_table(*all));
  return ok_status();
}

Status cmd_verify(const Invocation& inv) {
  const std::string& name = inv.args[0];
  const std::string what = "verify password of user " + printable(name);
  if (auto r = check_name(name, "verify password of"); !r) return r;
  auto u = open_for_read(inv);
  if (!u) return u.error();
  auto a = u->find(name);
  if (!a) return as(a.error(), what);
  if (!a->has_value()) return failure(Verdict::kReject, what, "no such user");
  PasswordBuffer pw;
  if (auto r = read_password(pw, inv.has("--password-stdin"), false, name); !r) return r;
  const PasswordCheck check = password_verify((*a)->hash, pw.view());
  pw.wipe();
  switch (check) {
    case PasswordCheck::kMatch:
      break;
    case PasswordCheck::kMismatch:
      return failure(Verdict::kReject, what, "wrong password");
    case PasswordCheck::kOutOfMemory:
      return failure(Verdict::kTempFail, what, "out of memory");
    case PasswordCheck::kInvalidHash:
      return failure(Verdict::kTempFail, what,
                     "the stored hash is not a valid Argon2id or crypt(3) string");
  }
  if (!(*a)->enabled) return failure(Verdict::kReject, what, "account disabled");
  out("password correct\n");
  return ok_status();
}

Status cmd_config(const Invocation& inv) {
  if (inv.args.size() == 2) {
    const std::string what = "set " + printable(inv.args[0]);
    Settings probe;
    if (auto r = setting_parse(probe, inv.args[0], inv.args[1]); !r) return as(r.error(), what);
    auto u = open_for_write(inv);
    if (!u) return u.error();
    if (auto r = u->set_setting(inv.args[0], inv.args[1]); !r) return as(r.error(), what);
    keep_wal_files(*u);
    return ok_status();
  }
  if (inv.args.size() == 1 && !setting_get(Settings{}, inv.args[0])) {
    return failure(Verdict::kMisuse, "show setting", "no such setting: " + printable(inv.args[0]));
  }
  auto u = open_for_read(inv);
  if (!u) return u.error();
  auto s = u->settings();
  if (!s) return as(s.error(), "read settings");
  if (inv.args.size() == 1) {
    out(*setting_get(*s, inv.args[0]) + "\n");
    return ok_status();
  }
  for (const SettingInfo& info : setting_keys()) {
    out(std::string(info.key) + "=" + *setting_get(*s, info.key) + "\n");
  }
  return ok_status();
}

// Warnings for one file or directory: access beyond its owner and its group, and
// group write access.
int audit(const std::string& path, const struct stat& st, bool is_dir) {
  int warnings = 0;
  const char* kind = is_dir ? "directory" : "file";
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  if ((st.st_mode & (S_IROTH | S_IWOTH)) != 0) {
    warn(std::string(kind) + " " + printable(path) + " can be read or written by anyone (mode " +
         mode + ")");
    ++warnings;
  }
  if ((st.st_mode & S_IWGRP) != 0) {
    warn(std::string(kind) + " " + printable(path) + " is writable by its group (mode " + mode +
         ")");
    ++warnings;
  }
  return warnings;
}

// Permission warnings for the database, its WAL files and its directory. Runs before
// the database is opened: opening it as root would recreate missing WAL files.
int audit_files(const std::string& db_path, std::string& problem) {
  int warnings = 0;
  struct stat db_st {};
  if (stat(db_path.c_str(), &db_st) != 0) {
    problem = std::strerror(errno);
    return 0;
  }
  warnings += audit(db_path, db_st, false);
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::string p = db_path + suffix;
    struct stat st {};
    if (lstat(p.c_str(), &st) != 0) {
      warn(printable(p) +
           " is missing: members of the database's group cannot open it "
           "(run userdb-tool init to restore it)");
      ++warnings;
      continue;
    }
    warnings += audit(p, st, false);
    if ((st.st_mode & 07777) != (db_st.st_mode & 0666) || st.st_gid != db_st.st_gid ||
        st.st_uid != db_st.st_uid) {
      warn(printable(p) +
           " differs from the database in mode, owner or group "
           "(run userdb-tool init to fix it)");
      ++warnings;
    }
  }
  std::string dir = db_path;
  const auto slash = dir.rfind('/');
  dir = slash == std::string::npos ? "." : slash == 0 ? "/" : dir.substr(0, slash);
  struct stat dir_st {};
  if (stat(dir.c_str(), &dir_st) != 0) {
    problem = std::strerror(errno);
    return warnings;
  }
  return warnings + audit(dir, dir_st, true);
}

Status cmd_check(const Invocation& inv) {
  const std::string what = "check database " + printable(inv.db_path);
  std::string problem;
  const int warnings = audit_files(inv.db_path, problem);
  if (!problem.empty()) return failure(Verdict::kTempFail, what, problem);
  auto u = Userdb::open_inspect(inv.db_path);
  if (!u) return as(u.error(), what);
  auto v = u->schema_version();
  if (!v) return as(v.error(), what);
  if (*v != kUserdbSchemaVersion) {
    return failure(Verdict::kTempFail, what,
                   "schema version " + std::to_string(*v) + ", this program's is " +
                       std::to_string(kUserdbSchemaVersion) +
                       (*v < kUserdbSchemaVersion ? " (run userdb-tool init to migrate)" : ""));
  }
  auto integrity = u->integrity_check();
  if (!integrity) return as(integrity.error(), what);
  if (*integrity != "ok") {
    return failure(Verdict::kTempFail, what, "integrity check: " + printable(*integrity));
  }
  auto n = u->count();
  if (!n) return as(n.error(), what);
  out("integrity: ok\n");
  out("schema: version " + std::to_string(*v) + " (current)\n");
  out("accounts: " + std::to_string(*n) + "\n");
  out("permissions: " +
      (warnings == 0 ? std::string("ok") : std::to_string(warnings) + " warning(s)") + "\n");
  return ok_status();
}

}  // namespace

Status run_command(const Invocation& inv) {
  const std::string& c = inv.command;
  if (c == "init") return cmd_init(inv);
  if (c == "add") return cmd_add(inv);
  if (c == "passwd") return cmd_passwd(inv);
  if (c == "del") {
    return simple_write(inv, "delete", [](Userdb& u, const std::string& n) { return u.remove(n); });
  }
  if (c == "enable") {
    return simple_write(inv, "enable",
                        [](Userdb& u, const std::string& n) { return u.set_enabled(n, true); });
  }
  if (c == "disable") {
    return simple_write(inv, "disable",
                        [](Userdb& u, const std::string& n) { return u.set_enabled(n, false); });
  }
  if (c == "set") return cmd_set(inv);
  if (c == "show") return cmd_show(inv);
  if (c == "list") return cmd_list(inv);
  if (c == "verify") return cmd_verify(inv);
  if (c == "config") return cmd_config(inv);
  if (c == "check") return cmd_check(inv);
  return usage_error("unknown command " + printable(c));
}

}  // namespace checkpw::tool
