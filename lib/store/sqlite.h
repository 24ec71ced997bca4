// SqliteDb and SqliteStmt: the one owner of each SQLite handle, and the few calls the
// user store needs, with errors as values. Statements take bound parameters only: no
// SQL text is ever built from data. Destructors never throw; a failed open still
// returns a handle, which is taken (and closed) before the result is checked.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"

namespace checkpw {

class SqliteDb {
 public:
  SqliteDb() noexcept = default;
  explicit SqliteDb(sqlite3* db) noexcept : db_(db) {}
  ~SqliteDb();
  SqliteDb(SqliteDb&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  SqliteDb& operator=(SqliteDb&& other) noexcept;
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // sqlite3_open_v2 with SQLITE_OPEN_NOFOLLOW and extended result codes; triggers and
  // views disabled, untrusted schema, defensive mode.
  [[nodiscard]] static Result<SqliteDb> open(const std::string& path, int flags);

  sqlite3* get() const noexcept { return db_; }
  // Runs SQL without parameters (schema, pragmas, BEGIN/COMMIT).
  [[nodiscard]] Status exec(const char* sql);
  // Rolls back an open transaction, if any (for destructors).
  void rollback_if_open() noexcept;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  int changes() const noexcept;
  // "what: sqlite message" for the last error on this connection.
  std::string error(std::string_view what) const;

 private:
  sqlite3* db_ = nullptr;
};

// Checkpoints the whole WAL into the database and truncates it, waiting for readers up
// to the connection's busy timeout (kTempFail when they kept it from completing); then
// starts the new WAL with one write that changes nothing (a setting changed and changed
// back), so that the header's flush is paid here and not by the next login's bookkeeping,
// which in synchronous = NORMAL flushes nothing else.
[[nodiscard]] Status wal_truncate(SqliteDb& db);

class SqliteStmt {
 public:
  SqliteStmt() noexcept = default;
  ~SqliteStmt();
  SqliteStmt(SqliteStmt&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  SqliteStmt& operator=(SqliteStmt&& other) noexcept;
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;

  [[nodiscard]] static Result<SqliteStmt> prepare(const SqliteDb& db, std::string_view sql);

  // Parameters are 1-based, as in SQLite. Text and blobs are copied (SQLITE_TRANSIENT).
  void bind_null(int i) noexcept;
  void bind_int64(int i, std::int64_t v) noexcept;
  void bind_text(int i, std::string_view v) noexcept;
  void bind_blob(int i, std::span<const unsigned char> v) noexcept;
  // Binding fails only for a bad index or out of memory; checked once by step().
  enum class Step { kRow, kDone };
  [[nodiscard]] Result<Step> step();
  void reset() noexcept;

  bool is_null(int col) const noexcept;
  std::int64_t column_int64(int col) const noexcept;
  std::string column_text(int col) const;
  std::span<const unsigned char> column_blob(int col) const noexcept;

  sqlite3_stmt* get() const noexcept { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int bind_rc_ = SQLITE_OK;
};

// An IMMEDIATE transaction that rolls back unless committed.
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteDb& db) noexcept : db_(db) {}
  ~SqliteTransaction() { db_.rollback_if_open(); }
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;
  [[nodiscard]] Status begin() { return db_.exec("BEGIN IMMEDIATE"); }
  [[nodiscard]] Status commit() { return db_.exec("COMMIT"); }

 private:
  SqliteDb& db_;
};

}  // namespace checkpw
