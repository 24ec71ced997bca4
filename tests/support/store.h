// The store a test runs against, SQLite or PostgreSQL, behind one interface, so that the
// same program and userdb-tool tests run on both (issue 13, item 3). An SQLite store is a
// file in the test's directory; a PostgreSQL store is a new database on one real
// PostgreSQL 15 server that the test process starts on first use (postgres.h) and stops
// at exit. On PostgreSQL, userdb-tool connects as the tables' owner and the programs as a
// separate login role with only the privileges `init --login-role` grants.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/util.h"

namespace checkpw::test {

enum class StoreKind { kSqlite, kPostgres };

// "Sqlite" or "Postgres", for parameterized test names (INSTANTIATE_TEST_SUITE_P's last
// argument: store_test_name).
std::string store_kind_name(StoreKind kind);
inline std::string store_test_name(const testing::TestParamInfo<StoreKind>& i) {
  return store_kind_name(i.param);
}

class PostgresServer;
// The process's shared server; started on first use. Throws when it cannot start.
PostgresServer& shared_postgres();

class TestStore {
 public:
  // A fresh, empty location (nothing created yet: userdb-tool init makes the schema).
  TestStore(StoreKind kind, const TempDir& dir);
  ~TestStore();  // PostgreSQL: drops the database (its sessions closed first)
  TestStore(const TestStore&) = delete;
  TestStore& operator=(const TestStore&) = delete;

  StoreKind kind() const { return kind_; }
  bool postgres() const { return kind_ == StoreKind::kPostgres; }
  // For userdb-tool --db: the file, or the owner's URI.
  const std::string& admin() const { return admin_; }
  // For the programs' CHECKPW_DB: the file, or the login role's URI.
  const std::string& login() const { return login_; }
  // The arguments of `userdb-tool init` that make this store usable by the programs.
  std::vector<std::string> init_args() const;

  // The first column of the first row of `query`, as text; "" for NULL or no row.
  // Booleans differ: SQLite's are 1 and 0, PostgreSQL's come out as t and f (and
  // `enabled + 0` is an error there); `CASE WHEN enabled THEN 1 ELSE 0 END` reads 1 and 0
  // on both.
  std::string value(const std::string& query) const;
  // Runs SQL as the owner (SQLite: on the file), throwing on error.
  void exec(const std::string& sql) const;
  // Every account row and setting as text, ordered: to prove a refused command changed
  // nothing. (SQLite: db_dump, the whole file's schema and rows.)
  std::string dump() const;
  // Writes a row that userdb-tool would refuse: uid and gid of `name` to `uid`, `gid`
  // (0 is root), past the schema's CHECK constraints (SQLite: ignore_check_constraints;
  // PostgreSQL: the constraints dropped).
  void plant_ids(const std::string& name, long uid, long gid) const;

 private:
  StoreKind kind_;
  std::string admin_, login_, database_;
};

}  // namespace checkpw::test
