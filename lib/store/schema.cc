#include "store/schema.h"

#include <iterator>
#include <map>
#include <utility>

#include "store/settings.h"

namespace checkpw {
namespace {

// Migration i takes the schema from version i to i + 1.
constexpr const char* kMigrations[] = {
    // 0 -> 1: accounts and settings.
    "CREATE TABLE accounts ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE CHECK (length(CAST(name AS BLOB)) BETWEEN 1 AND 255),"
    "  hash TEXT NOT NULL CHECK (hash <> ''),"
    "  cram_md5 BLOB CHECK (cram_md5 IS NULL OR length(cram_md5) = 32),"
    "  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),"
    "  uid INTEGER CHECK (uid IS NULL OR uid BETWEEN 1 AND 4294967294),"
    "  gid INTEGER CHECK (gid IS NULL OR gid BETWEEN 1 AND 4294967294),"
    "  home TEXT,"
    "  shell TEXT,"
    "  created INTEGER NOT NULL,"
    "  changed INTEGER NOT NULL,"
    "  last_login INTEGER,"
    "  failures INTEGER NOT NULL DEFAULT 0,"
    "  total_failures INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT, WITHOUT ROWID;",
    // 1 -> 2: lockout (failures in the current window, and the lock).
    "ALTER TABLE accounts ADD COLUMN window_failures INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE accounts ADD COLUMN window_start INTEGER;"
    "ALTER TABLE accounts ADD COLUMN locked_until INTEGER;",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

using Objects = std::map<std::pair<std::string, std::string>, std::string>;  // (type, name)

Result<Objects> objects_of(SqliteDb& db) {
  auto st = SqliteStmt::prepare(db, "SELECT type, name, coalesce(sql, '') FROM sqlite_schema");
  if (!st) return st.error();
  Objects out;
  for (;;) {
    auto r = st->step();
    if (!r) return r.error();
    if (*r == SqliteStmt::Step::kDone) break;
    out[{st->column_text(0), st->column_text(1)}] = st->column_text(2);
  }
  return out;
}

}  // namespace

Result<int> schema_version(SqliteDb& db) {
  auto st = SqliteStmt::prepare(db, "PRAGMA user_version");
  if (!st) return st.error();
  auto r = st->step();
  if (!r) return r.error();
  if (*r != SqliteStmt::Step::kRow) return temp_error("no schema version");
  return static_cast<int>(st->column_int64(0));
}

Status schema_version_check(int version, SchemaUse use) {
  const std::string v = std::to_string(version), ours = std::to_string(kSchemaVersion);
  if (version > kSchemaVersion) {
    return temp_error("database schema version " + v + " is newer than this program's (" + ours +
                      "): upgrade checkpw");
  }
  if (version < 1) return temp_error("not a checkpw database (no schema)");
  if (use == SchemaUse::kCurrent && version < kSchemaVersion) {
    return temp_error("database schema version " + v + " is older than this program's (" + ours +
                      "): run userdb-tool init to migrate it");
  }
  return ok_status();
}

Result<int> schema_migrate(SqliteDb& db) {
  SqliteTransaction tx(db);
  if (auto r = tx.begin(); !r) return r.error();
  auto from = schema_version(db);
  if (!from) return from.error();
  if (*from > kSchemaVersion) {
    if (auto r = schema_version_check(*from, SchemaUse::kMigrate); !r) return r.error();
  }
  if (*from == kSchemaVersion) return from;
  for (int v = *from; v < kSchemaVersion; ++v) {
    if (auto r = db.exec(kMigrations[v]); !r) return r.error();
  }
  // Defaults are written out so `config` shows every value and programs need no guess.
  auto st = SqliteStmt::prepare(db, "INSERT OR IGNORE INTO settings (key, value) VALUES (?1, ?2)");
  if (!st) return st.error();
  for (const SettingKey& key : setting_keys()) {
    st->reset();
    st->bind_text(1, key.name);
    st->bind_text(2, key.default_value);
    if (auto r = st->step(); !r) return r.error();
  }
  const std::string pragma = "PRAGMA user_version = " + std::to_string(kSchemaVersion);
  if (auto r = db.exec(pragma.c_str()); !r) return r.error();
  if (auto r = tx.commit(); !r) return r.error();
  return from;
}

Result<std::vector<std::string>> schema_unexpected_objects(SqliteDb& db) {
  // What the migrations make, made again in memory: the one definition of "ours".
  auto fresh = SqliteDb::open(":memory:", SQLITE_OPEN_READWRITE);
  if (!fresh) return fresh.error();
  for (const char* m : kMigrations) {
    if (auto r = fresh->exec(m); !r) return r.error();
  }
  auto expected = objects_of(*fresh);
  if (!expected) return expected.error();
  auto actual = objects_of(db);
  if (!actual) return actual.error();
  std::vector<std::string> out;
  for (const auto& [key, sql] : *actual) {
    const auto it = expected->find(key);
    if (it == expected->end()) {
      out.push_back(key.first + " " + key.second);
    } else if (it->second != sql) {
      out.push_back(key.first + " " + key.second + " (altered)");
    }
  }
  return out;
}

}  // namespace checkpw
