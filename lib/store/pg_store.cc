#include "store/pg_store.h"

#include <cstring>
#include <ctime>
#include <iterator>

#include "core/hex.h"
#include "store/schema.h"

namespace checkpw {
namespace {

// Migration i takes the schema from version i to i + 1, as for SQLite (schema.cc); each
// is a list of statements, run in one transaction. checkpw_schema holds the version.
const std::vector<std::vector<const char*>> kPgMigrations = {
    {
        "CREATE TABLE checkpw_schema (version integer NOT NULL)",
        "INSERT INTO checkpw_schema (version) VALUES (0)",
        "CREATE TABLE accounts ("
        "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
        "  name text NOT NULL UNIQUE CHECK (octet_length(name) BETWEEN 1 AND 255),"
        "  hash text NOT NULL CHECK (hash <> ''),"
        "  cram_md5 bytea CHECK (cram_md5 IS NULL OR length(cram_md5) = 32),"
        "  enabled boolean NOT NULL DEFAULT true,"
        "  uid bigint CHECK (uid IS NULL OR uid BETWEEN 1 AND 4294967294),"
        "  gid bigint CHECK (gid IS NULL OR gid BETWEEN 1 AND 4294967294),"
        "  home text,"
        "  shell text,"
        "  created bigint NOT NULL,"
        "  changed bigint NOT NULL,"
        "  last_login bigint,"
        "  failures bigint NOT NULL DEFAULT 0,"
        "  total_failures bigint NOT NULL DEFAULT 0)",
        "CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL)",
    },
    {
        "ALTER TABLE accounts ADD COLUMN window_failures bigint NOT NULL DEFAULT 0,"
        "  ADD COLUMN window_start bigint, ADD COLUMN locked_until bigint",
    },
};

constexpr const char* kAccountColumns =
    "id, name, hash, encode(cram_md5, 'hex'), enabled::int, uid, gid, home, shell, created, "
    "changed, last_login, failures, total_failures, window_failures, window_start, locked_until";

// The columns a checkpassword program's role may update (grant_login_role).
constexpr const char* kLoginColumns =
    "last_login, failures, total_failures, window_failures, window_start, locked_until, hash, "
    "cram_md5, changed";

Error reject(std::string message) {
  return {Verdict::kReject, std::move(message)};
}

std::int64_t now_s() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

PgParam id_param(const std::optional<std::uint32_t>& v) {
  return v ? PgParam::of(static_cast<std::int64_t>(*v)) : PgParam::null();
}

PgParam text_param(const std::optional<std::string>& v) {
  return v ? PgParam::of(*v) : PgParam::null();
}

PgParam cram_param(const CramSecret* cram) {
  return cram != nullptr ? PgParam::bytes(*cram) : PgParam::null();
}

Result<Account> account_from_row(const PgResult& r, int row, bool checked) {
  Account a;
  auto num = [&](int col, std::int64_t& out) -> bool {
    auto v = r.int64(row, col);
    if (!v) return false;
    out = *v;
    return true;
  };
  auto opt = [&](int col, std::optional<std::int64_t>& out) -> bool {
    if (r.is_null(row, col)) return true;
    std::int64_t v = 0;
    if (!num(col, v)) return false;
    out = v;
    return true;
  };
  std::int64_t enabled = 0;
  bool ok = num(0, a.id) && num(4, enabled) && num(9, a.created) && num(10, a.changed) &&
            opt(11, a.last_login) && num(12, a.failures) && num(13, a.total_failures) &&
            num(14, a.window_failures) && opt(15, a.window_start) && opt(16, a.locked_until);
  if (!ok) return temp_error("corrupt account row");
  a.enabled = enabled != 0;
  a.name = r.text(row, 1);
  a.hash = r.text(row, 2);
  if (!r.is_null(row, 3)) {
    std::string hex = r.text(row, 3);
    const auto digits = std::span(reinterpret_cast<const unsigned char*>(hex.data()), hex.size());
    const bool decoded = hex_decode(a.cram_md5, digits);
    wipe_string(hex);
    if (!decoded) return temp_error("corrupt CRAM-MD5 secret");
    a.has_cram_md5 = true;
  }
  for (int col : {5, 6}) {
    std::optional<std::int64_t> v;
    if (!opt(col, v)) return temp_error("corrupt uid or gid");
    if (!v) continue;
    if (*v < 0 || *v > 4294967294) return temp_error("corrupt uid or gid");
    (col == 5 ? a.uid : a.gid) = static_cast<std::uint32_t>(*v);
  }
  if (!r.is_null(row, 7)) a.home = r.text(row, 7);
  if (!r.is_null(row, 8)) a.shell = r.text(row, 8);
  if (checked) {
    if (auto c = account_read_check(a); !c) return c.error();
  }
  return a;
}

}  // namespace

// --- opening ----------------------------------------------------------------------

Result<PgStore> PgStore::open(const std::string& location, Mode mode) {
  PgConn::Options o;
  if (mode == Mode::kBookkeep) {
    // The bookkeeping must reach a server that can write it (the primary), and must not
    // hold a login up for long when it cannot: then it is skipped.
    o.connect_timeout_s = 2;
    o.session_force = "read-write";
  } else if (mode == Mode::kAdmin) {
    o.session_force = "read-write";
  }
  auto c = PgConn::connect(location, o);
  if (!c) return c.error();
  PgStore s(std::move(c.value()));
  s.mode_ = mode;
  if (auto r = s.load(mode); !r) return r.error();
  return s;
}

// The schema version and (when it is current) the settings, in one round trip: a login
// pays for each one.
Status PgStore::load(Mode mode) {
  PgFailure why = PgFailure::kOther;
  auto r = c_.exec("SELECT '', version::text FROM checkpw_schema", {}, &why);
  if (!r && why == PgFailure::kNoTable) {
    version_ = 0;
  } else if (!r) {
    return r.error();
  } else {
    if (r->rows() != 1) return temp_error("corrupt schema version");
    auto v = r->int64(0, 1);
    if (!v) return temp_error("corrupt schema version");
    version_ = static_cast<int>(*v);
  }
  if (mode == Mode::kInspect) return ok_status();
  const SchemaUse use = mode == Mode::kAdmin ? SchemaUse::kMigrate : SchemaUse::kCurrent;
  if (auto ok = schema_version_check(version_, use); !ok) return ok;
  if (version_ != kSchemaVersion) return ok_status();
  auto s = settings();
  if (!s) return s.error();
  settings_ = std::move(s.value());
  return ok_status();
}

Result<int> PgStore::schema_version() {
  return version_;
}

Result<int> PgStore::migrate() {
  PgTransaction tx(c_);
  if (auto r = tx.begin(); !r) return r.error();
  // Two inits at once: the second waits here, then finds the work done.
  if (auto r = c_.exec("SELECT pg_advisory_xact_lock(2195)"); !r) return r.error();
  PgFailure why = PgFailure::kOther;
  int from = 0;
  {
    auto v = c_.exec("SELECT version FROM checkpw_schema", {}, &why);
    if (!v && why != PgFailure::kNoTable) return v.error();
    if (!v) {
      // The failed statement aborted the transaction; start it again.
      if (auto r = c_.exec("ROLLBACK"); !r) return r.error();
      if (auto r = c_.exec("BEGIN"); !r) return r.error();
      if (auto r = c_.exec("SELECT pg_advisory_xact_lock(2195)"); !r) return r.error();
    } else {
      if (v->rows() != 1) return temp_error("corrupt schema version");
      auto n = v->int64(0, 0);
      if (!n) return n.error();
      from = static_cast<int>(*n);
    }
  }
  if (from > kSchemaVersion) {
    if (auto r = schema_version_check(from, SchemaUse::kMigrate); !r) return r.error();
  }
  if (from == kSchemaVersion) {
    version_ = from;
    return from;
  }
  static_assert(kSchemaVersion == 2);
  for (int v = from; v < kSchemaVersion; ++v) {
    for (const char* sql : kPgMigrations[static_cast<std::size_t>(v)]) {
      if (auto r = c_.exec(sql); !r) return r.error();
    }
  }
  for (const SettingKey& key : setting_keys()) {
    auto r = c_.exec("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                     {PgParam::of(key.name), PgParam::of(key.default_value)});
    if (!r) return r.error();
  }
  if (auto r = c_.exec("UPDATE checkpw_schema SET version = $1",
                       {PgParam::of(std::int64_t{kSchemaVersion})});
      !r) {
    return r.error();
  }
  if (auto r = tx.commit(); !r) return r.error();
  version_ = kSchemaVersion;
  return from;
}

Status PgStore::grant_login_role(std::string_view role) {
  if (role.empty() || role.size() > 63) return Error{Verdict::kMisuse, "invalid role name"};
  for (char ch : role) {
    const bool plain = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
    if (!plain) return Error{Verdict::kMisuse, "a role name is lower-case letters, digits and _"};
  }
  // Identifiers cannot be bound: format's %I quotes them on the server.
  auto sql = c_.exec(
      "SELECT format('GRANT SELECT ON accounts, settings, checkpw_schema TO %I', $1::text), "
      "format('GRANT UPDATE (" +
          std::string(kLoginColumns) + ") ON accounts TO %I', $1::text)",
      {PgParam::of(role)});
  if (!sql) return sql.error();
  PgTransaction tx(c_);
  if (auto r = tx.begin(); !r) return r;
  for (int col : {0, 1}) {
    if (auto r = c_.exec(sql->text(0, col)); !r) return r.error();
  }
  return tx.commit();
}

// --- settings ---------------------------------------------------------------------

Result<Settings> PgStore::settings() {
  if (settings_) return *settings_;
  auto r = c_.exec("SELECT key, value FROM settings");
  if (!r) return r.error();
  Settings s;
  for (int i = 0; i < r->rows(); ++i) {
    const SettingKey* key = setting_find(r->text(i, 0));
    if (key == nullptr) continue;
    if (auto p = key->parse(s, r->text(i, 1)); !p) {
      return temp_error("invalid setting in database: " + p.error().message);
    }
  }
  return s;
}

Status PgStore::set_setting(std::string_view key, std::string_view value) {
  Settings s;
  if (auto r = setting_parse(s, key, value); !r) return r;
  auto r = c_.exec(
      "INSERT INTO settings (key, value) VALUES ($1, $2) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      {PgParam::of(key), PgParam::of(*setting_get(s, key))});
  if (!r) return r.error();
  settings_.reset();
  return ok_status();
}

// --- accounts ---------------------------------------------------------------------

Result<std::optional<Account>> PgStore::find(std::string_view name) {
  // A name no account can have (invalid UTF-8, control bytes, too long) is not there;
  // PostgreSQL would refuse the invalid UTF-8 as an error, which is not a verdict.
  if (!user_name_check(name)) return std::optional<Account>();
  auto r = c_.exec(std::string("SELECT ") + kAccountColumns + " FROM accounts WHERE name = $1",
                   {PgParam::of(name)});
  if (!r) return r.error();
  if (r->rows() == 0) return std::optional<Account>();
  auto a = account_from_row(*r, 0, true);
  if (!a) return a.error();
  return std::optional<Account>(std::move(a.value()));
}

Result<std::vector<Account>> PgStore::list() {
  auto r = c_.exec(std::string("SELECT ") + kAccountColumns +
                   " FROM accounts ORDER BY name COLLATE \"C\"");
  if (!r) return r.error();
  std::vector<Account> out;
  for (int i = 0; i < r->rows(); ++i) {
    auto a = account_from_row(*r, i, false);
    if (!a) return a.error();
    out.push_back(std::move(a.value()));
  }
  return out;
}

Result<std::int64_t> PgStore::count() {
  auto r = c_.exec("SELECT count(*) FROM accounts");
  if (!r) return r.error();
  return r->int64(0, 0);
}

Status PgStore::write_by_name(std::string_view sql, std::vector<PgParam> params) {
  if (!params.empty() && params[0].text && !user_name_check(*params[0].text)) {
    return reject("no such user");
  }
  PgFailure why = PgFailure::kOther;
  auto r = c_.exec(sql, params, &why);
  if (!r) {
    const bool bookkeeping = mode_ == Mode::kBookkeep || mode_ == Mode::kDecide;
    if (why == PgFailure::kReadOnly && bookkeeping) return ok_status();  // a standby
    return r.error();
  }
  if (r->changed() == 0) return reject("no such user");
  return ok_status();
}

Status PgStore::record_success(std::string_view name, std::int64_t now) {
  return write_by_name(
      "UPDATE accounts SET last_login = $2::bigint, failures = 0, window_failures = 0, "
      "window_start = NULL, locked_until = NULL WHERE name = $1",
      {PgParam::of(name), PgParam::of(now)});
}

// account_count_failure as one UPDATE, as the SQLite store runs it: $2 now, $3 window,
// $4 failures that lock (0: off), $5 duration. Parallel failures are each counted: the
// row lock serialises the UPDATEs and each sees the one before.
Status PgStore::record_failure(std::string_view name, std::int64_t now, const Lockout& policy) {
  return write_by_name(
      "UPDATE accounts SET failures = failures + 1, total_failures = total_failures + 1, "
      "window_failures = CASE WHEN window_start IS NULL OR $2::bigint - window_start >= "
      "  $3::bigint THEN 1 ELSE window_failures + 1 END, "
      "window_start = CASE WHEN window_start IS NULL OR $2::bigint - window_start >= $3::bigint "
      "  THEN $2::bigint ELSE window_start END, "
      "locked_until = CASE WHEN $4::bigint > 0 AND (CASE WHEN window_start IS NULL OR "
      "  $2::bigint - window_start >= $3::bigint THEN 1 ELSE window_failures + 1 END) >= "
      "  $4::bigint THEN $2::bigint + $5::bigint ELSE locked_until END "
      "WHERE name = $1",
      {PgParam::of(name), PgParam::of(now), PgParam::of(std::int64_t{policy.window_s}),
       PgParam::of(std::int64_t{policy.failures}), PgParam::of(std::int64_t{policy.duration_s})});
}

Status PgStore::unlock(std::string_view name) {
  return write_by_name(
      "UPDATE accounts SET window_failures = 0, window_start = NULL, locked_until = NULL "
      "WHERE name = $1",
      {PgParam::of(name)});
}

Status PgStore::replace_hash(std::string_view name, std::string_view verified,
                             std::string_view fresh, const CramSecret* cram, std::int64_t now) {
  if (fresh.empty()) return Error{Verdict::kMisuse, "empty password hash"};
  return write_by_name(
      "UPDATE accounts SET hash = $3, cram_md5 = $4::bytea, changed = $5::bigint "
      "WHERE name = $1 AND hash = $2",
      {PgParam::of(name), PgParam::of(verified), PgParam::of(fresh), cram_param(cram),
       PgParam::of(now)});
}

Status PgStore::set_password(std::string_view name, std::string_view hash, const CramSecret* cram) {
  if (hash.empty()) return Error{Verdict::kMisuse, "empty password hash"};
  return write_by_name(
      "UPDATE accounts SET hash = $2, cram_md5 = $3::bytea, changed = $4::bigint WHERE name = $1",
      {PgParam::of(name), PgParam::of(hash), cram_param(cram), PgParam::of(now_s())});
}

Status PgStore::add(const Account& a) {
  return add_all(std::span(&a, 1));
}

Status PgStore::add_all(std::span<const Account> accounts) {
  PgTransaction tx(c_);
  if (auto r = tx.begin(); !r) return r;
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    const Account& a = accounts[i];
    auto fail = [&](const Error& e) -> Status {
      if (accounts.size() == 1) return e;
      return Error{e.verdict, "account " + std::to_string(i + 1) + " of " +
                                  std::to_string(accounts.size()) + ": " + e.message};
    };
    if (auto r = account_write_check(a); !r) return fail(r.error());
    auto r = c_.exec(
        "INSERT INTO accounts (name, hash, cram_md5, enabled, uid, gid, home, shell, created, "
        "changed, last_login, failures, total_failures) VALUES ($1, $2, $3::bytea, $4::boolean, "
        "$5::bigint, $6::bigint, $7, $8, $9::bigint, $9::bigint, NULL, 0, 0) "
        "ON CONFLICT (name) DO NOTHING",
        {PgParam::of(a.name), PgParam::of(a.hash),
         cram_param(a.has_cram_md5 ? &a.cram_md5 : nullptr),
         PgParam::of(a.enabled ? "true" : "false"), id_param(a.uid), id_param(a.gid),
         text_param(a.home), text_param(a.shell),
         PgParam::of(a.created != 0 ? a.created : now_s())});
    if (!r) return fail(r.error());
    if (r->changed() == 0) return fail(reject("user exists"));
  }
  return tx.commit();
}

Status PgStore::restore_all(std::span<const Account> accounts,
                            std::span<const std::pair<std::string, std::string>> settings) {
  PgTransaction tx(c_);
  if (auto r = tx.begin(); !r) return r;
  if (auto r = c_.exec("LOCK TABLE accounts IN EXCLUSIVE MODE"); !r) return r.error();
  auto n = count();
  if (!n) return n.error();
  if (*n > 0) return reject("the store holds " + std::to_string(*n) + " account(s) already");
  auto opt = [](const std::optional<std::int64_t>& v) {
    return v ? PgParam::of(*v) : PgParam::null();
  };
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    const Account& a = accounts[i];
    if (auto r = account_write_check(a); !r) {
      return Error{r.error().verdict, "account " + std::to_string(i + 1) + " of " +
                                          std::to_string(accounts.size()) + ": " +
                                          r.error().message};
    }
    auto r = c_.exec(
        "INSERT INTO accounts (name, hash, cram_md5, enabled, uid, gid, home, shell, created, "
        "changed, last_login, failures, total_failures, window_failures, window_start, "
        "locked_until) VALUES ($1, $2, $3::bytea, $4::boolean, $5::bigint, $6::bigint, $7, $8, "
        "$9::bigint, $10::bigint, $11::bigint, $12::bigint, $13::bigint, $14::bigint, "
        "$15::bigint, $16::bigint)",
        {PgParam::of(a.name), PgParam::of(a.hash),
         cram_param(a.has_cram_md5 ? &a.cram_md5 : nullptr),
         PgParam::of(a.enabled ? "true" : "false"), id_param(a.uid), id_param(a.gid),
         text_param(a.home), text_param(a.shell), PgParam::of(a.created), PgParam::of(a.changed),
         opt(a.last_login), PgParam::of(a.failures), PgParam::of(a.total_failures),
         PgParam::of(a.window_failures), opt(a.window_start), opt(a.locked_until)});
    if (!r) return r.error();
  }
  for (const auto& [key, value] : settings) {
    Settings probe;
    if (auto r = setting_parse(probe, key, value); !r) return r;
    auto r = c_.exec(
        "INSERT INTO settings (key, value) VALUES ($1, $2) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        {PgParam::of(key), PgParam::of(*setting_get(probe, key))});
    if (!r) return r.error();
  }
  if (auto r = tx.commit(); !r) return r;
  settings_.reset();
  return ok_status();
}

Status PgStore::remove(std::string_view name) {
  return write_by_name("DELETE FROM accounts WHERE name = $1", {PgParam::of(name)});
}

Status PgStore::set_enabled(std::string_view name, bool enabled) {
  return write_by_name(
      "UPDATE accounts SET enabled = $2::boolean, changed = $3::bigint WHERE name = $1",
      {PgParam::of(name), PgParam::of(enabled ? "true" : "false"), PgParam::of(now_s())});
}

Status PgStore::change(std::string_view name, const AccountChanges& c) {
  for (const auto* id : {&c.uid, &c.gid}) {
    if (*id) {
      if (auto r = user_id_check(**id, id == &c.uid ? "uid" : "gid"); !r) return r;
    }
  }
  for (const auto* path : {&c.home, &c.shell}) {
    if (*path) {
      if (auto r = user_path_check(**path, path == &c.home ? "home" : "shell"); !r) return r;
    }
  }
  auto flag = [](bool set) { return PgParam::of(std::int64_t{set ? 1 : 0}); };
  // A change of the ids ($11) applies only if it leaves both or neither (SqliteStore::change).
  Status s = write_by_name(
      "UPDATE accounts SET "
      "uid = CASE $2::int WHEN 1 THEN $3::bigint ELSE uid END, "
      "gid = CASE $4::int WHEN 1 THEN $5::bigint ELSE gid END, "
      "home = CASE $6::int WHEN 1 THEN $7::text ELSE home END, "
      "shell = CASE $8::int WHEN 1 THEN $9::text ELSE shell END, "
      "changed = $10::bigint WHERE name = $1 AND ($11::int = 0 OR "
      "((CASE $2::int WHEN 1 THEN $3::bigint ELSE uid END) IS NULL) = "
      "((CASE $4::int WHEN 1 THEN $5::bigint ELSE gid END) IS NULL))",
      {PgParam::of(name), flag(c.uid || c.clear_uid), id_param(c.clear_uid ? std::nullopt : c.uid),
       flag(c.gid || c.clear_gid), id_param(c.clear_gid ? std::nullopt : c.gid),
       flag(c.home || c.clear_home), text_param(c.clear_home ? std::nullopt : c.home),
       flag(c.shell || c.clear_shell), text_param(c.clear_shell ? std::nullopt : c.shell),
       PgParam::of(now_s()), flag(changes_identity(c))});
  if (s || s.error().verdict != Verdict::kReject) return s;
  return change_refused(std::move(s), find(name));
}

// --- checks -----------------------------------------------------------------------

Result<std::string> PgStore::integrity_check() {
  // The CHECK constraints the migrations made must all be there and validated; and no
  // table of ours may be readable by PUBLIC (the hashes).
  auto r = c_.exec(
      "SELECT (SELECT count(*) FROM pg_constraint WHERE conrelid = to_regclass('accounts') "
      "  AND contype = 'c' AND convalidated), "
      " (SELECT count(*) FROM information_schema.role_table_grants WHERE grantee = 'PUBLIC' "
      "  AND table_name IN ('accounts', 'settings', 'checkpw_schema') "
      "  AND table_schema = current_schema())");
  if (!r) return r.error();
  auto checks = r->int64(0, 0), public_grants = r->int64(0, 1);
  if (!checks || !public_grants) return temp_error("unexpected catalog answer");
  std::string problems;
  if (*checks < 5) problems = "accounts has lost some of its CHECK constraints";
  if (*public_grants > 0) {
    problems += std::string(problems.empty() ? "" : "; ") + "a table is granted to PUBLIC";
  }
  return problems.empty() ? std::string("ok") : problems;
}

Result<std::vector<std::string>> PgStore::unexpected_objects() {
  auto r = c_.exec(
      "SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN "
      "  (to_regclass('accounts'), to_regclass('settings'), to_regclass('checkpw_schema')) "
      "UNION ALL SELECT 'rule ' || rulename FROM pg_rules WHERE schemaname = current_schema() "
      "  AND tablename IN ('accounts', 'settings', 'checkpw_schema') "
      "UNION ALL SELECT 'policy ' || policyname FROM pg_policies "
      "  WHERE schemaname = current_schema() "
      "UNION ALL SELECT CASE c.relkind WHEN 'v' THEN 'view ' WHEN 'm' THEN 'view ' "
      "  ELSE 'table ' END || c.relname FROM pg_class c "
      "  WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN "
      "  ('r', 'v', 'm', 'p', 'f') AND c.relname NOT IN ('accounts', 'settings', "
      "  'checkpw_schema') ORDER BY 1");
  if (!r) return r.error();
  std::vector<std::string> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(r->text(i, 0));
  return out;
}

}  // namespace checkpw
