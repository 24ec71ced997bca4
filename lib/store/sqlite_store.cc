// Connections get the busy timeout, secure_delete and in-memory temporaries before their
// first statement, and persistent WAL files (SQLITE_FCNTL_PERSIST_WAL): a read-only group
// member cannot create -wal or -shm, so they must outlive every writer (doc/design.md
// section 7). Rows are checked on the way out (account_read_check) as on the way in.
#include "store/sqlite_store.h"

#include <cstring>
#include <ctime>

#include "store/built_in.h"
#include "store/db_file.h"
#include "store/schema.h"

namespace checkpw {
namespace {

constexpr const char* kAccountColumns =
    "id, name, hash, cram_md5, enabled, uid, gid, home, shell, created, changed, last_login, "
    "failures, total_failures, window_failures, window_start, locked_until";

// `path` as an SQLite URI that opens -shm read-only: every byte outside A-Z a-z 0-9 and
// "/._-~" percent-encoded, so that no '?', '#' or '%' in a path is read as URI syntax, and
// an absolute path after an empty authority ("file://" + "/etc/..."), so that "//x" is
// never read as a host name.
std::string read_only_shm_uri(const std::string& path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string uri = path.starts_with('/') ? "file://" : "file:";
  for (const char c : path) {
    const auto b = static_cast<unsigned char>(c);
    if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') ||
        std::strchr("/._-~", b) != nullptr) {
      uri += c;
    } else {
      uri += '%';
      uri += kHex[b >> 4];
      uri += kHex[b & 15];
    }
  }
  return uri + "?readonly_shm=1";
}

Error reject(std::string message) {
  return {Verdict::kReject, std::move(message)};
}

void bind_optional_id(SqliteStmt& st, int i, const std::optional<std::uint32_t>& v) {
  if (v) {
    st.bind_int64(i, *v);
  } else {
    st.bind_null(i);
  }
}

void bind_optional_text(SqliteStmt& st, int i, const std::optional<std::string>& v) {
  if (v) {
    st.bind_text(i, *v);
  } else {
    st.bind_null(i);
  }
}

void bind_cram(SqliteStmt& st, int i, const CramSecret* cram) {
  if (cram != nullptr) {
    st.bind_blob(i, *cram);
  } else {
    st.bind_null(i);
  }
}

// A row as an Account; with `checked`, only one userdb-tool would write (find(): what
// the programs and verify use). list() shows every row, so the administrator can see it.
Result<Account> account_from_row(const SqliteStmt& st, bool checked) {
  Account a;
  a.id = st.column_int64(0);
  a.name = st.column_text(1);
  a.hash = st.column_text(2);
  if (!st.is_null(3)) {
    const auto blob = st.column_blob(3);
    if (blob.size() != a.cram_md5.size()) return temp_error("corrupt CRAM-MD5 secret");
    std::memcpy(a.cram_md5.data(), blob.data(), blob.size());
    a.has_cram_md5 = true;
  }
  a.enabled = st.column_int64(4) != 0;
  for (int col : {5, 6}) {
    if (st.is_null(col)) continue;
    const std::int64_t v = st.column_int64(col);
    if (v < 0 || v > 4294967294) return temp_error("corrupt uid or gid");
    (col == 5 ? a.uid : a.gid) = static_cast<std::uint32_t>(v);
  }
  if (!st.is_null(7)) a.home = st.column_text(7);
  if (!st.is_null(8)) a.shell = st.column_text(8);
  a.created = st.column_int64(9);
  a.changed = st.column_int64(10);
  if (!st.is_null(11)) a.last_login = st.column_int64(11);
  a.failures = st.column_int64(12);
  a.total_failures = st.column_int64(13);
  a.window_failures = st.column_int64(14);
  if (!st.is_null(15)) a.window_start = st.column_int64(15);
  if (!st.is_null(16)) a.locked_until = st.column_int64(16);
  if (checked) {
    if (auto r = account_read_check(a); !r) return r.error();
  }
  return a;
}

// Runs one UPDATE or DELETE whose ?1 is the user name, in its own transaction;
// kReject when no row matched.
template <class Bind>
Status write_by_name(SqliteDb& db, std::string_view sql, std::string_view name, Bind bind) {
  SqliteTransaction tx(db);
  if (auto r = tx.begin(); !r) return r;
  auto st = SqliteStmt::prepare(db, sql);
  if (!st) return st.error();
  st->bind_text(1, name);
  bind(*st);
  auto r = st->step();
  if (!r) return r.error();
  if (db.changes() == 0) return reject("no such user");
  return tx.commit();
}

}  // namespace

// --- opening ----------------------------------------------------------------------

// The read-only and the bookkeeping connections never checkpoint, not even on close: a
// checkpoint is writes and flushes that no login should wait for (store_tidy() starts
// one elsewhere). Their writes are the bookkeeping, statistics: synchronous = NORMAL, which in
// WAL mode flushes nothing at commit yet keeps the file consistent through a crash or a
// power loss (the last bookkeeping may be lost, never an administrator's write, which is
// made with the default FULL).
Status SqliteStore::prepare_connection(Mode mode) {
  sqlite3* raw = db_.get();
  sqlite3_busy_timeout(raw, start_busy_timeout_ms());
  int persist = 1;
  sqlite3_file_control(raw, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
  if (auto r = db_.exec("PRAGMA secure_delete = ON; PRAGMA temp_store = MEMORY"); !r) return r;
  if (mode == Mode::kDecide || mode == Mode::kLogin || mode == Mode::kBookkeep) {
    int on = 0;
    if (sqlite3_db_config(raw, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, &on) != SQLITE_OK || on != 1) {
      return temp_error("unable to turn off the checkpoint on close");
    }
  }
  if (mode == Mode::kBookkeep) {
    if (auto r = db_.exec("PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0"); !r) {
      return r;
    }
  }
  const bool writable = mode == Mode::kBookkeep || mode == Mode::kAdmin;
  if (writable && sqlite3_db_readonly(raw, "main") == 1) {
    return temp_error("database is not writable");
  }
  return ok_status();
}

// kLogin writes nothing, not even -shm: it maps -shm read-only, as a group member without
// write permission must (doc/design.md section 7). When no other connection has it open,
// SQLite builds the WAL's index in its own memory instead of truncating and rebuilding the
// shared one, so a login no longer dirties -shm's pages (measured 3% of a CRAM-MD5 login).
// Two cases need the ordinary open, which can write -shm: a missing -shm (it creates it),
// and an index that a writer has just reset but not yet rebuilt (SQLITE_READONLY_RECOVERY:
// it rebuilds it, or waits for the writer). A group member, whose ordinary open is
// read-only too, tries again for the busy timeout before it fails.
//
// kDecide (userdb-tool's reads) opens the ordinary way from the start: its connection
// stays open while writers come and go, and one that mapped -shm read-only would meet a
// reset index at any later statement, not only at the open, with nothing to fall back on
// (SqliteStore.ReaderKeptOpenRebuildsTheIndex). It still writes nothing to the database.
Result<SqliteStore> SqliteStore::open(const std::string& path, Mode mode) {
  if (mode != Mode::kDecide && mode != Mode::kLogin) return open_with(path, mode, false, nullptr);
  timespec start{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  bool shm_read_only = mode == Mode::kLogin;
  for (;;) {
    ShmTrouble why = ShmTrouble::kNone;
    auto s = open_with(path, mode, shm_read_only, &why);
    if (s || why == ShmTrouble::kNone) return s;
    if (!shm_read_only) {
      timespec now{};
      clock_gettime(CLOCK_MONOTONIC, &now);
      const long long waited_ms =
          (now.tv_sec - start.tv_sec) * 1000LL + (now.tv_nsec - start.tv_nsec) / 1000000;
      if (why == ShmTrouble::kMissing || waited_ms >= start_busy_timeout_ms()) return s;
      const timespec pause{0, 1000000};  // 1 ms: a writer's rebuild takes about that
      nanosleep(&pause, nullptr);
    }
    shm_read_only = false;
  }
}

Result<SqliteStore> SqliteStore::open_with(const std::string& path, Mode mode, bool shm_read_only,
                                           ShmTrouble* why) {
  const bool writable = mode == Mode::kBookkeep || mode == Mode::kAdmin;
  auto opened =
      shm_read_only
          ? SqliteDb::open(read_only_shm_uri(path), SQLITE_OPEN_READONLY | SQLITE_OPEN_URI)
          : SqliteDb::open(path, writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY);
  if (!opened) return opened.error();
  SqliteStore s(std::move(opened.value()), path);
  if (auto r = s.prepare_connection(mode); !r) return r.error();
  // A login reads in one snapshot: schema version, settings and the account from one read
  // transaction, not one each (the read locks on -shm and the header checks once; measured
  // 3% of a CRAM-MD5 login). It ends when the connection closes, right after the lookup
  // (store_read in auth/login.h), so it never keeps a checkpoint waiting.
  if (mode == Mode::kLogin) {
    if (auto r = s.db_.exec("BEGIN"); !r) return r.error();
  }
  auto version = checkpw::schema_version(s.db_);
  if (!version && why != nullptr) {
    const int rc = sqlite3_extended_errcode(s.db_.get());
    if ((rc & 0xff) == SQLITE_CANTOPEN) *why = ShmTrouble::kMissing;
    if (rc == SQLITE_READONLY_RECOVERY) *why = ShmTrouble::kRecovering;
  }
  if (!version) return version.error();
  if (mode == Mode::kInspect) return s;
  const SchemaUse use = mode == Mode::kAdmin ? SchemaUse::kMigrate : SchemaUse::kCurrent;
  if (auto r = schema_version_check(*version, use); !r) return r.error();
  if (writable) {
    // Already WAL for databases made by create(); this converts older files.
    auto st = SqliteStmt::prepare(s.db_, "PRAGMA journal_mode = WAL");
    if (!st) return st.error();
    if (auto r = st->step(); !r) return r.error();
  }
  if (*version == kSchemaVersion) {
    auto settings = s.settings();
    if (!settings) return settings.error();
    sqlite3_busy_timeout(s.db_.get(),
                         mode == Mode::kBookkeep ? kBookkeepingBusyMs : settings->busy_timeout_ms);
  }
  return s;
}

Result<SqliteStore> SqliteStore::create(const std::string& path, std::optional<gid_t> group) {
  // Mode and group are set on the empty file before SQLite writes a byte; SQLite then
  // gives -wal and -shm the database's mode (and owner, when run as root).
  if (auto r = db_file_create(path, group); !r) return r.error();
  auto fail = [&](const Error& e) -> Result<SqliteStore> {
    db_file_remove(path);
    return e;
  };
  auto opened = SqliteDb::open(path, SQLITE_OPEN_READWRITE);
  if (!opened) return fail(opened.error());
  SqliteStore s(std::move(opened.value()), path);
  if (auto r = s.prepare_connection(Mode::kAdmin); !r) return fail(r.error());
  if (auto r = s.db_.exec("PRAGMA journal_mode = WAL"); !r) return fail(r.error());
  if (auto r = s.migrate(); !r) return fail(r.error());
  if (auto r = s.ensure_wal_files(); !r) return fail(r.error());
  return s;
}

Result<int> SqliteStore::schema_version() {
  return checkpw::schema_version(db_);
}

Result<int> SqliteStore::migrate() {
  return schema_migrate(db_);
}

Status SqliteStore::wal_truncate() {
  return checkpw::wal_truncate(db_);
}

Status SqliteStore::ensure_wal_files() {
  // A read transaction makes SQLite open (and create, if missing) -wal and -shm.
  if (auto r = db_.exec("SELECT count(*) FROM sqlite_schema"); !r) return r;
  return db_file_match_wal(path_);
}

// --- settings ---------------------------------------------------------------------

Result<Settings> SqliteStore::settings() {
  auto st = SqliteStmt::prepare(db_, "SELECT key, value FROM settings");
  if (!st) return st.error();
  Settings s;
  for (;;) {
    auto r = st->step();
    if (!r) return r.error();
    if (*r == SqliteStmt::Step::kDone) break;
    const SettingKey* key = setting_find(st->column_text(0));
    if (key == nullptr) continue;  // a key this build does not know
    if (auto p = key->parse(s, st->column_text(1)); !p) {
      return temp_error("invalid setting in database: " + p.error().message);
    }
  }
  return s;
}

Status SqliteStore::set_setting(std::string_view key, std::string_view value) {
  Settings s;
  if (auto r = setting_parse(s, key, value); !r) return r;
  SqliteTransaction tx(db_);
  if (auto r = tx.begin(); !r) return r;
  auto st = SqliteStmt::prepare(db_,
                                "INSERT INTO settings (key, value) VALUES (?1, ?2) "
                                "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  if (!st) return st.error();
  st->bind_text(1, key);
  st->bind_text(2, *setting_get(s, key));  // canonical form: "19M" is stored as bytes
  if (auto r = st->step(); !r) return r.error();
  return tx.commit();
}

// --- accounts ---------------------------------------------------------------------

Result<std::optional<Account>> SqliteStore::find(std::string_view name) {
  auto st = SqliteStmt::prepare(
      db_, std::string("SELECT ") + kAccountColumns + " FROM accounts WHERE name = ?1");
  if (!st) return st.error();
  st->bind_text(1, name);
  auto r = st->step();
  if (!r) return r.error();
  if (*r == SqliteStmt::Step::kDone) return std::optional<Account>();
  auto a = account_from_row(*st, true);
  if (!a) return a.error();
  return std::optional<Account>(std::move(a.value()));
}

Result<std::vector<Account>> SqliteStore::list() {
  auto st = SqliteStmt::prepare(
      db_, std::string("SELECT ") + kAccountColumns + " FROM accounts ORDER BY name");
  if (!st) return st.error();
  std::vector<Account> out;
  for (;;) {
    auto r = st->step();
    if (!r) return r.error();
    if (*r == SqliteStmt::Step::kDone) break;
    auto a = account_from_row(*st, false);
    if (!a) return a.error();
    out.push_back(std::move(a.value()));
  }
  return out;
}

Result<std::int64_t> SqliteStore::count() {
  auto st = SqliteStmt::prepare(db_, "SELECT count(*) FROM accounts");
  if (!st) return st.error();
  auto r = st->step();
  if (!r) return r.error();
  return st->column_int64(0);
}

Status SqliteStore::record_success(std::string_view name, std::int64_t now) {
  return write_by_name(db_,
                       "UPDATE accounts SET last_login = ?2, failures = 0, window_failures = 0, "
                       "window_start = NULL, locked_until = NULL WHERE name = ?1",
                       name, [&](SqliteStmt& st) { st.bind_int64(2, now); });
}

// account_count_failure as one UPDATE (every right-hand side sees the old row): ?2 now,
// ?3 window, ?4 failures that lock (0: off), ?5 duration.
Status SqliteStore::record_failure(std::string_view name, std::int64_t now, const Lockout& policy) {
  return write_by_name(
      db_,
      "UPDATE accounts SET failures = failures + 1, total_failures = total_failures + 1, "
      "window_failures = CASE WHEN window_start IS NULL OR ?2 - window_start >= ?3 THEN 1 "
      "  ELSE window_failures + 1 END, "
      "window_start = CASE WHEN window_start IS NULL OR ?2 - window_start >= ?3 THEN ?2 "
      "  ELSE window_start END, "
      "locked_until = CASE WHEN ?4 > 0 AND (CASE WHEN window_start IS NULL OR "
      "  ?2 - window_start >= ?3 THEN 1 ELSE window_failures + 1 END) >= ?4 THEN ?2 + ?5 "
      "  ELSE locked_until END "
      "WHERE name = ?1",
      name, [&](SqliteStmt& st) {
        st.bind_int64(2, now);
        st.bind_int64(3, policy.window_s);
        st.bind_int64(4, policy.failures);
        st.bind_int64(5, policy.duration_s);
      });
}

Status SqliteStore::unlock(std::string_view name) {
  return write_by_name(db_,
                       "UPDATE accounts SET window_failures = 0, window_start = NULL, "
                       "locked_until = NULL WHERE name = ?1",
                       name, [](SqliteStmt&) {});
}

Status SqliteStore::replace_hash(std::string_view name, std::string_view verified,
                                 std::string_view fresh, const CramSecret* cram, std::int64_t now) {
  if (fresh.empty()) return Error{Verdict::kMisuse, "empty password hash"};
  return write_by_name(
      db_,
      "UPDATE accounts SET hash = ?3, cram_md5 = ?4, changed = ?5 WHERE name = ?1 AND hash = ?2",
      name, [&](SqliteStmt& st) {
        st.bind_text(2, verified);
        st.bind_text(3, fresh);
        bind_cram(st, 4, cram);
        st.bind_int64(5, now);
      });
}

Status SqliteStore::set_password(std::string_view name, std::string_view hash,
                                 const CramSecret* cram) {
  if (hash.empty()) return Error{Verdict::kMisuse, "empty password hash"};
  return write_by_name(db_,
                       "UPDATE accounts SET hash = ?2, cram_md5 = ?3, changed = ?4 WHERE name = ?1",
                       name, [&](SqliteStmt& st) {
                         st.bind_text(2, hash);
                         bind_cram(st, 3, cram);
                         st.bind_int64(4, static_cast<std::int64_t>(std::time(nullptr)));
                       });
}

namespace {

// One INSERT inside the caller's transaction; kReject when the name exists.
Status insert_account(SqliteDb& db, const Account& a) {
  if (auto r = account_write_check(a); !r) return r;
  auto st = SqliteStmt::prepare(
      db,
      "INSERT INTO accounts (name, hash, cram_md5, enabled, uid, gid, home, shell, created, "
      "changed, last_login, failures, total_failures) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, NULL, 0, 0) "
      "ON CONFLICT (name) DO NOTHING");
  if (!st) return st.error();
  st->bind_text(1, a.name);
  st->bind_text(2, a.hash);
  bind_cram(*st, 3, a.has_cram_md5 ? &a.cram_md5 : nullptr);
  st->bind_int64(4, a.enabled ? 1 : 0);
  bind_optional_id(*st, 5, a.uid);
  bind_optional_id(*st, 6, a.gid);
  bind_optional_text(*st, 7, a.home);
  bind_optional_text(*st, 8, a.shell);
  st->bind_int64(9, a.created != 0 ? a.created : static_cast<std::int64_t>(std::time(nullptr)));
  if (auto r = st->step(); !r) return r.error();
  if (db.changes() == 0) return reject("user exists");
  return ok_status();
}

}  // namespace

Status SqliteStore::add(const Account& a) {
  return add_all(std::span(&a, 1));
}

Status SqliteStore::add_all(std::span<const Account> accounts) {
  SqliteTransaction tx(db_);
  if (auto r = tx.begin(); !r) return r;
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    if (auto r = insert_account(db_, accounts[i]); !r) {
      if (accounts.size() == 1) return r;
      return Error{r.error().verdict, "account " + std::to_string(i + 1) + " of " +
                                          std::to_string(accounts.size()) + ": " +
                                          r.error().message};
    }
  }
  return tx.commit();
}

Status SqliteStore::restore_all(std::span<const Account> accounts,
                                std::span<const std::pair<std::string, std::string>> settings) {
  SqliteTransaction tx(db_);
  if (auto r = tx.begin(); !r) return r;
  auto n = count();
  if (!n) return n.error();
  if (*n > 0) return reject("the store holds " + std::to_string(*n) + " account(s) already");
  auto st = SqliteStmt::prepare(
      db_,
      "INSERT INTO accounts (name, hash, cram_md5, enabled, uid, gid, home, shell, created, "
      "changed, last_login, failures, total_failures, window_failures, window_start, "
      "locked_until) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
      "?16)");
  if (!st) return st.error();
  auto opt_int = [&](int i, const std::optional<std::int64_t>& v) {
    if (v) {
      st->bind_int64(i, *v);
    } else {
      st->bind_null(i);
    }
  };
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    const Account& a = accounts[i];
    if (auto r = account_write_check(a); !r) {
      return Error{r.error().verdict, "account " + std::to_string(i + 1) + " of " +
                                          std::to_string(accounts.size()) + ": " +
                                          r.error().message};
    }
    st->reset();
    st->bind_text(1, a.name);
    st->bind_text(2, a.hash);
    bind_cram(*st, 3, a.has_cram_md5 ? &a.cram_md5 : nullptr);
    st->bind_int64(4, a.enabled ? 1 : 0);
    bind_optional_id(*st, 5, a.uid);
    bind_optional_id(*st, 6, a.gid);
    bind_optional_text(*st, 7, a.home);
    bind_optional_text(*st, 8, a.shell);
    st->bind_int64(9, a.created);
    st->bind_int64(10, a.changed);
    opt_int(11, a.last_login);
    st->bind_int64(12, a.failures);
    st->bind_int64(13, a.total_failures);
    st->bind_int64(14, a.window_failures);
    opt_int(15, a.window_start);
    opt_int(16, a.locked_until);
    if (auto r = st->step(); !r) return r.error();
  }
  for (const auto& [key, value] : settings) {
    Settings probe;
    if (auto r = setting_parse(probe, key, value); !r) return r;
    auto set = SqliteStmt::prepare(db_,
                                   "INSERT INTO settings (key, value) VALUES (?1, ?2) "
                                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    if (!set) return set.error();
    set->bind_text(1, key);
    set->bind_text(2, *setting_get(probe, key));
    if (auto r = set->step(); !r) return r.error();
  }
  return tx.commit();
}

Status SqliteStore::remove(std::string_view name) {
  return write_by_name(db_, "DELETE FROM accounts WHERE name = ?1", name, [](SqliteStmt&) {});
}

Status SqliteStore::set_enabled(std::string_view name, bool enabled) {
  return write_by_name(db_, "UPDATE accounts SET enabled = ?2, changed = ?3 WHERE name = ?1", name,
                       [&](SqliteStmt& st) {
                         st.bind_int64(2, enabled ? 1 : 0);
                         st.bind_int64(3, static_cast<std::int64_t>(std::time(nullptr)));
                       });
}

Status SqliteStore::change(std::string_view name, const AccountChanges& c) {
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
  // Fixed SQL: each field is "set to ?n" (which may be NULL) or "keep", by a flag. A
  // change of the ids (?11) applies only if it leaves both or neither, in the same statement.
  Status s = write_by_name(db_,
                           "UPDATE accounts SET "
                           "uid = CASE ?2 WHEN 1 THEN ?3 ELSE uid END, "
                           "gid = CASE ?4 WHEN 1 THEN ?5 ELSE gid END, "
                           "home = CASE ?6 WHEN 1 THEN ?7 ELSE home END, "
                           "shell = CASE ?8 WHEN 1 THEN ?9 ELSE shell END, "
                           "changed = ?10 WHERE name = ?1 AND (?11 = 0 OR "
                           "((CASE ?2 WHEN 1 THEN ?3 ELSE uid END) IS NULL) = "
                           "((CASE ?4 WHEN 1 THEN ?5 ELSE gid END) IS NULL))",
                           name, [&](SqliteStmt& st) {
                             st.bind_int64(2, c.uid || c.clear_uid ? 1 : 0);
                             bind_optional_id(st, 3, c.clear_uid ? std::nullopt : c.uid);
                             st.bind_int64(4, c.gid || c.clear_gid ? 1 : 0);
                             bind_optional_id(st, 5, c.clear_gid ? std::nullopt : c.gid);
                             st.bind_int64(6, c.home || c.clear_home ? 1 : 0);
                             bind_optional_text(st, 7, c.clear_home ? std::nullopt : c.home);
                             st.bind_int64(8, c.shell || c.clear_shell ? 1 : 0);
                             bind_optional_text(st, 9, c.clear_shell ? std::nullopt : c.shell);
                             st.bind_int64(10, static_cast<std::int64_t>(std::time(nullptr)));
                             st.bind_int64(11, changes_identity(c) ? 1 : 0);
                           });
  if (s || s.error().verdict != Verdict::kReject) return s;
  return change_refused(std::move(s), find(name));
}

Result<std::string> SqliteStore::integrity_check() {
  auto st = SqliteStmt::prepare(db_, "PRAGMA integrity_check");
  if (!st) return st.error();
  std::string out;
  for (;;) {
    auto r = st->step();
    if (!r) return r.error();
    if (*r == SqliteStmt::Step::kDone) break;
    if (!out.empty()) out += '\n';
    out += st->column_text(0);
  }
  return out;
}

Result<std::vector<std::string>> SqliteStore::unexpected_objects() {
  return schema_unexpected_objects(db_);
}

std::vector<std::string> SqliteStore::after_write() {
  std::vector<std::string> warnings;
  if (auto r = wal_truncate(); !r) warnings.push_back(r.error().message);
  if (auto r = ensure_wal_files(); !r) warnings.push_back(r.error().message);
  return warnings;
}

}  // namespace checkpw
