#include "store/sqlite.h"

namespace checkpw {
namespace {

// Process-wide settings, made once before SQLite's first use (sqlite3_config refuses
// them later, which costs only speed). A connection's first page read would otherwise
// allocate and touch a 20-page cache in bulk (SQLITE_DEFAULT_PCACHE_INITSZ, about 86 KB,
// for a login that reads five pages: 10 page faults more per login, measured); and the
// memory statistics, which nothing here reads, take a mutex on every allocation.
void configure_sqlite() noexcept {
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_PAGECACHE, nullptr, 0, 0);
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
}

}  // namespace

SqliteDb::~SqliteDb() {
  // sqlite3_close_v2 defers the close until every statement is finalized.
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

SqliteDb& SqliteDb::operator=(SqliteDb&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) sqlite3_close_v2(db_);
    db_ = other.db_;
    other.db_ = nullptr;
  }
  return *this;
}

Result<SqliteDb> SqliteDb::open(const std::string& path, int flags) {
  configure_sqlite();
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOFOLLOW, nullptr);
  SqliteDb db(raw);  // owns the handle even when the open failed
  if (rc != SQLITE_OK) {
    if (raw == nullptr) return temp_error("out of memory");
    return temp_error(sqlite3_errmsg(raw));
  }
  sqlite3_extended_result_codes(raw, 1);
  // A planted trigger or view must never run in our connections (doc/design.md section 7):
  // SQL in the file is data, not code. Defensive mode also closes writable_schema.
  int off = 1;
  const bool hardened =
      sqlite3_db_config(raw, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, &off) == SQLITE_OK && off == 0 &&
      sqlite3_db_config(raw, SQLITE_DBCONFIG_ENABLE_VIEW, 0, &off) == SQLITE_OK && off == 0 &&
      sqlite3_db_config(raw, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, &off) == SQLITE_OK && off == 0 &&
      sqlite3_db_config(raw, SQLITE_DBCONFIG_DEFENSIVE, 1, &off) == SQLITE_OK && off == 1;
  if (!hardened) return temp_error("unable to disable triggers and views");
  return db;
}

void SqliteDb::rollback_if_open() noexcept {
  if (db_ != nullptr && !sqlite3_get_autocommit(db_)) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

int SqliteDb::changes() const noexcept {
  return sqlite3_changes(db_);
}

Status SqliteDb::exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return temp_error(sqlite3_errmsg(db_));
  }
  return ok_status();
}

std::string SqliteDb::error(std::string_view what) const {
  std::string s(what);
  s += ": ";
  s += db_ != nullptr ? sqlite3_errmsg(db_) : "no database";
  return s;
}

SqliteStmt::~SqliteStmt() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

SqliteStmt& SqliteStmt::operator=(SqliteStmt&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    stmt_ = other.stmt_;
    bind_rc_ = other.bind_rc_;
    other.stmt_ = nullptr;
  }
  return *this;
}

Result<SqliteStmt> SqliteStmt::prepare(const SqliteDb& db, std::string_view sql) {
  SqliteStmt s;
  const int rc =
      sqlite3_prepare_v2(db.get(), sql.data(), static_cast<int>(sql.size()), &s.stmt_, nullptr);
  if (rc != SQLITE_OK) return temp_error(sqlite3_errmsg(db.get()));
  return s;
}

namespace {
void keep_first_error(int& slot, int rc) noexcept {
  if (slot == SQLITE_OK) slot = rc;
}
}  // namespace

void SqliteStmt::bind_null(int i) noexcept {
  keep_first_error(bind_rc_, sqlite3_bind_null(stmt_, i));
}

void SqliteStmt::bind_int64(int i, std::int64_t v) noexcept {
  keep_first_error(bind_rc_, sqlite3_bind_int64(stmt_, i, v));
}

void SqliteStmt::bind_text(int i, std::string_view v) noexcept {
  keep_first_error(
      bind_rc_, sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
}

void SqliteStmt::bind_blob(int i, std::span<const unsigned char> v) noexcept {
  // A zero-length blob still binds as a blob, not as NULL.
  static const unsigned char empty = 0;
  keep_first_error(bind_rc_, sqlite3_bind_blob64(stmt_, i, v.empty() ? &empty : v.data(), v.size(),
                                                 SQLITE_TRANSIENT));
}

Result<SqliteStmt::Step> SqliteStmt::step() {
  if (bind_rc_ != SQLITE_OK) {
    return temp_error(std::string("unable to bind parameter: ") + sqlite3_errstr(bind_rc_));
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return Step::kRow;
  if (rc == SQLITE_DONE) return Step::kDone;
  Error e = temp_error(sqlite3_errmsg(sqlite3_db_handle(stmt_)));
  // Constraint violations are the caller's business (duplicate name, bad value).
  if ((rc & 0xff) == SQLITE_CONSTRAINT) e.verdict = Verdict::kReject;
  return e;
}

void SqliteStmt::reset() noexcept {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
}

bool SqliteStmt::is_null(int col) const noexcept {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

std::int64_t SqliteStmt::column_int64(int col) const noexcept {
  return sqlite3_column_int64(stmt_, col);
}

std::string SqliteStmt::column_text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

std::span<const unsigned char> SqliteStmt::column_blob(int col) const noexcept {
  const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(stmt_, col));
  const int n = sqlite3_column_bytes(stmt_, col);
  if (p == nullptr || n <= 0) return {};
  return {p, static_cast<std::size_t>(n)};
}

Status wal_truncate(SqliteDb& db) {
  {
    auto st = SqliteStmt::prepare(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    if (!st) return st.error();
    auto r = st->step();
    if (!r) return r.error();
    // One row: busy, frames in the WAL, frames checkpointed.
    if (*r != SqliteStmt::Step::kRow || st->column_int64(0) != 0) {
      return temp_error("the WAL could not be checkpointed: readers held it past the timeout");
    }
  }  // finalized: a statement still open would keep the write below from starting
  // A row rewritten as it is would write nothing (SQLite compares the cell): change the
  // first setting and change it back, in one transaction that no reader sees halfway.
  constexpr const char* kRestart =
      "BEGIN IMMEDIATE;"
      "UPDATE settings SET value = value || '.' WHERE key = (SELECT min(key) FROM settings);"
      "UPDATE settings SET value = substr(value, 1, length(value) - 1) "
      "  WHERE key = (SELECT min(key) FROM settings);"
      "COMMIT";
  if (auto w = db.exec(kRestart); !w) {
    db.rollback_if_open();
    return w;
  }
  return ok_status();
}

}  // namespace checkpw
