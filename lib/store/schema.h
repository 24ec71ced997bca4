// The SQLite schema as a list of forward migrations; PRAGMA user_version counts how many
// have run. This is the one place that judges a file's schema version, and the one
// place that knows which tables, indexes, views and triggers belong to the schema.
// Migrations run only from userdb-tool (doc/design.md section 7).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "store/sqlite.h"

namespace checkpw {

inline constexpr int kSchemaVersion = 2;

enum class SchemaUse {
  kCurrent,  // the checkpassword programs and reading commands: exactly kSchemaVersion
  kMigrate,  // userdb-tool's writes: any version up to kSchemaVersion (migrate first)
};

[[nodiscard]] Result<int> schema_version(SqliteDb& db);
// kTempFail, saying what to do, when `version` does not suit `use`.
[[nodiscard]] Status schema_version_check(int version, SchemaUse use);

// Runs pending migrations and writes missing default settings in one IMMEDIATE
// transaction; returns the version it started from. kTempFail for a newer schema.
[[nodiscard]] Result<int> schema_migrate(SqliteDb& db);

// Every object in sqlite_schema that the migrations did not create, or whose definition
// differs from theirs ("trigger t", "table x"...). Empty for an untouched database.
[[nodiscard]] Result<std::vector<std::string>> schema_unexpected_objects(SqliteDb& db);

}  // namespace checkpw
