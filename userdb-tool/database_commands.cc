// The commands about the database itself: init, config, check.
#include <grp.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "store/db_file.h"
#include "store/location.h"
#include "store/pg_store.h"
#include "store/schema.h"
#include "store/sqlite_store.h"
#include "tool.h"

namespace checkpw::tool {
namespace {

void say_migrated(const Invocation& inv, int from) {
  if (from < kSchemaVersion) {
    out("migrated " + printable(inv.db_shown) + " from schema version " + std::to_string(from) +
        " to " + std::to_string(kSchemaVersion) + "\n");
  } else {
    out(printable(inv.db_shown) + " is up to date (schema version " +
        std::to_string(kSchemaVersion) + ")\n");
  }
}

// PostgreSQL: the schema in the location's database (an empty one, or ours at any
// version), then, with --login-role, the programs' least privilege granted to that role.
Status init_postgres(const Invocation& inv, const std::string& what) {
  if (inv.last("--group") != nullptr) {
    return usage_error("--group is for SQLite files; PostgreSQL uses roles (--login-role)");
  }
  auto s = PgStore::open(inv.db_path, PgStore::Mode::kInspect);
  if (!s) return as(s.error(), what);
  auto version = s->schema_version();
  if (!version) return as(version.error(), what);
  if (*version == 0) {
    auto others = s->unexpected_objects();
    if (!others) return as(others.error(), what);
    if (!others->empty()) {
      return failure(Verdict::kReject, what,
                     "the schema is not empty and not a checkpw schema (" +
                         printable(others->front()) + "...); refusing to adopt it");
    }
  }
  auto from = s->migrate();
  if (!from) return as(from.error(), what);
  if (*from == 0) {
    out("created the checkpw schema (version " + std::to_string(kSchemaVersion) + ") in " +
        printable(inv.db_shown) + "\n");
  } else {
    say_migrated(inv, *from);
  }
  if (const std::string* role = inv.last("--login-role")) {
    if (auto r = s->grant_login_role(*role); !r)
      return as(r.error(), "grant to " + printable(*role));
    out("granted " + printable(*role) +
        " SELECT on the tables and UPDATE of the bookkeeping columns\n");
  }
  return ok_status();
}

}  // namespace

Status cmd_init(const Invocation& inv) {
  const std::string what = "initialize database " + printable(inv.db_shown);
  if (pg_location(inv.db_path)) return init_postgres(inv, what);
  if (inv.last("--login-role") != nullptr) {
    return usage_error("--login-role is for PostgreSQL locations; SQLite files use --group");
  }
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
    auto created = SqliteStore::create(inv.db_path, group);
    if (created) {
      out("created " + printable(inv.db_shown) + " (schema version " +
          std::to_string(kSchemaVersion) + ", mode " + (group ? "0640" : "0600") + ")\n");
      return ok_status();
    }
    // Lost a race with another init: fall through to the existing-file path.
    if (created.error().verdict != Verdict::kReject) return as(created.error(), what);
    if (lstat(inv.db_path.c_str(), &st) != 0) {
      return failure(Verdict::kTempFail, what, std::strerror(errno));
    }
  }
  // An existing file is ours only if we made it: owned by us, not open to others, and
  // holding a checkpw schema. A touched or foreign file is refused, never adopted.
  if (auto r = db_file_check_owned(inv.db_path); !r) return as(r.error(), what);
  if (group && st.st_gid != *group) {
    return failure(Verdict::kReject, what,
                   "the database exists with another group; refusing to change its "
                   "permissions (use chgrp and chmod)");
  }
  auto existing = SqliteStore::open(inv.db_path, SqliteStore::Mode::kInspect);
  if (!existing) return as(existing.error(), what);
  auto version = existing->schema_version();
  if (!version) return as(version.error(), what);
  if (*version == 0) {
    return failure(Verdict::kReject, what,
                   "the file exists and is not a checkpw database; refusing to adopt it "
                   "(remove it, or choose another path)");
  }
  auto s = SqliteStore::open(inv.db_path, SqliteStore::Mode::kAdmin);
  if (!s) return as(s.error(), what);
  auto from = s->migrate();
  if (!from) return as(from.error(), what);
  keep_wal_files(*s);
  say_migrated(inv, *from);
  return ok_status();
}

Status cmd_config(const Invocation& inv) {
  if (inv.args.size() == 2) {
    const std::string what = "set " + printable(inv.args[0]);
    Settings probe;
    if (auto r = setting_parse(probe, inv.args[0], inv.args[1]); !r) return as(r.error(), what);
    auto u = open_for_write(inv);
    if (!u) return u.error();
    if (auto r = (*u)->set_setting(inv.args[0], inv.args[1]); !r) return as(r.error(), what);
    keep_wal_files(**u);
    return ok_status();
  }
  if (inv.args.size() == 1 && setting_find(inv.args[0]) == nullptr) {
    return failure(Verdict::kMisuse, "show setting", "no such setting: " + printable(inv.args[0]));
  }
  auto u = open_for_read(inv);
  if (!u) return u.error();
  auto s = (*u)->settings();
  if (!s) return as(s.error(), "read settings");
  if (inv.args.size() == 1) {
    out(*setting_get(*s, inv.args[0]) + "\n");
    return ok_status();
  }
  for (const SettingKey& key : setting_keys())
    out(std::string(key.name) + "=" + key.format(*s) + "\n");
  return ok_status();
}

Status cmd_check(const Invocation& inv) {
  const std::string what = "check database " + printable(inv.db_shown);
  // The audit runs before the database is opened: opening it as root would recreate
  // missing WAL files. A PostgreSQL store has no file; its grants are in integrity_check.
  const bool pg = pg_location(inv.db_path);
  auto warnings = pg ? Result<std::vector<std::string>>(std::vector<std::string>())
                     : db_file_audit(inv.db_path);
  if (!warnings) return as(warnings.error(), what);
  for (const std::string& w : *warnings) warn(w);
  auto s = admin_store_open(inv.db_path, AdminAccess::kInspect);
  if (!s) return as(s.error(), what);
  auto v = (*s)->schema_version();
  if (!v) return as(v.error(), what);
  if (auto r = schema_version_check(*v, SchemaUse::kCurrent); !r) return as(r.error(), what);
  auto integrity = (*s)->integrity_check();
  if (!integrity) return as(integrity.error(), what);
  if (*integrity != "ok") {
    return failure(Verdict::kTempFail, what, "integrity check: " + printable(*integrity));
  }
  // A trigger, view, table or index the schema does not define is someone else's code
  // in our file: the programs never run it, and the administrator must hear of it.
  auto unexpected = (*s)->unexpected_objects();
  if (!unexpected) return as(unexpected.error(), what);
  if (!unexpected->empty()) {
    std::string list;
    for (const std::string& o : *unexpected) list += (list.empty() ? "" : ", ") + printable(o);
    return failure(Verdict::kTempFail, what,
                   "the database holds objects the schema does not define: " + list +
                       (pg ? " (drop them with psql after finding who planted them)"
                           : " (drop them with sqlite3 after finding who planted them)"));
  }
  // Rows that are not what userdb-tool writes: the programs refuse them with 111.
  auto all = (*s)->list();
  if (!all) return as(all.error(), what);
  std::string bad;
  for (const Account& a : *all) {
    if (account_read_check(a)) continue;
    bad += (bad.empty() ? "" : ", ") + printable(a.name);
  }
  if (!bad.empty()) {
    return failure(Verdict::kTempFail, what,
                   "accounts whose rows userdb-tool would not write (logins to them fail with "
                   "111): " +
                       bad);
  }
  auto n = (*s)->count();
  if (!n) return as(n.error(), what);
  out("integrity: ok\n");
  out("schema: version " + std::to_string(*v) + " (current)\n");
  out("objects: ok (no trigger, view, table or index beyond the schema)\n");
  out("accounts: " + std::to_string(*n) + "\n");
  out("crypt(3) hashes waiting for a plaintext login to become Argon2id: " +
      std::to_string(legacy_hash_count(*all)) + "\n");
  out("rows: ok\n");
  out("permissions: " +
      (warnings->empty() ? std::string("ok") : std::to_string(warnings->size()) + " warning(s)") +
      "\n");
  return ok_status();
}

}  // namespace checkpw::tool
