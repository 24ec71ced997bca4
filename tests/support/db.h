// Database helpers for the tests: a canonical dump (schema, every row, user_version)
// made through the SQLite C API, to prove a refused command changed nothing.
#pragma once

#include <string>

namespace checkpw::test {

// "user_version N", each schema entry, then every row of every table in rowid order,
// values typed (integers, 'text', X'blob', NULL). Throws if the file cannot be read.
std::string db_dump(const std::string& path);

// Runs SQL on the file (read-write, created if missing, persistent WAL), throwing on
// error. For fixtures only.
void db_exec(const std::string& path, const std::string& sql);

}  // namespace checkpw::test
