// Database helpers for the tests: a canonical dump (schema, every row, user_version)
// made through the SQLite C API, to prove a refused command changed nothing, and the
// real userdb-tool to make a database the way an administrator does.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "support/runner.h"

struct sqlite3;

namespace checkpw::test {

// "user_version N", each schema entry, then every row of every table in rowid order,
// values typed (integers, 'text', X'blob', NULL). Throws if the file cannot be read.
std::string db_dump(const std::string& path);

// A raw connection (persistent WAL, 5 s busy timeout) for fixtures that must hold a
// transaction open across other work. Triggers run here: it stands for a foreign client.
class DbConnection {
 public:
  explicit DbConnection(const std::string& path);  // throws if it cannot open
  ~DbConnection();
  DbConnection(const DbConnection&) = delete;
  DbConnection& operator=(const DbConnection&) = delete;
  void exec(const std::string& sql);  // throws on error

 private:
  sqlite3* db_ = nullptr;
};

// Runs SQL on the file (read-write, created if missing, persistent WAL), throwing on
// error. For fixtures only.
void db_exec(const std::string& path, const std::string& sql);

// The first column of the first row of `query`, as text, read-only; "" for NULL, no row
// or a file that cannot be read.
std::string db_value(const std::string& path, const std::string& query);

// A database made by the real userdb-tool the way the program tests need it: init, the
// cheapest Argon2id, no failure delay, then `settings` (key, value) and `accounts`
// (name, password), in order. Throws with the tool's message if a step fails.
void make_test_database(const std::string& db,
                        const std::vector<std::pair<std::string, std::string>>& accounts,
                        const std::vector<std::pair<std::string, std::string>>& settings = {});

// The built userdb-tool --db DB ARGS..., with `stdin_data` on standard input, the PATH-only
// base_env() and no fd 3.
RunResult run_userdb_tool(const std::string& db, std::vector<std::string> args,
                          const std::string& stdin_data = "");

}  // namespace checkpw::test
