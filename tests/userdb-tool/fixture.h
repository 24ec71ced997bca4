// Shared by the userdb-tool tests: runs the real binary against a store in the test's own
// temporary directory, made cheap (minimum Argon2id cost) unless a test is about the cost.
// StoreToolTest runs a test on both stores (an SQLite file and a real PostgreSQL 15
// database, support/store.h) and reads the store only through userdb-tool's own
// AdminStore; ToolTest is for the tests that are about SQLite files (modes, WAL files,
// bytes on disk) and opens the file directly.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/password.h"
#include "store/admin_store.h"
#include "store/schema.h"
#include "store/sqlite_store.h"
#include "support/db.h"
#include "support/runner.h"
#include "support/store.h"
#include "support/util.h"

namespace checkpw::test {

inline const std::string kTool = CHECKPW_BUILD_DIR "/bin/userdb-tool";

// How an administrator runs a program: this process's environment with `extra_env`
// ("NAME=value") replacing NAME, no fd 3, and a new session without a terminal.
inline RunResult run_admin(std::vector<std::string> argv, std::string_view in = "",
                           const std::vector<std::string>& extra_env = {},
                           std::optional<Credentials> as = std::nullopt) {
  return run({.argv = std::move(argv),
              .fd3 = Fd3::kClosed,
              .env = inherited_env(extra_env),
              .stdin_data = std::string(in),
              .as = as,
              .new_session = true});
}

// What both fixtures share: the tool run with `--db db`, accounts added, and refusals
// checked against a dump of the store. `Base` is testing::Test or TestWithParam.
template <typename Base>
class ToolFixture : public Base {
 protected:
  TempDir dir;
  std::string db;  // for userdb-tool --db: the file, or the owner's URI

  // Every row and setting as text, to prove a refused command changed nothing.
  virtual std::string dump() = 0;
  // The arguments of the `init` that makes the store usable by the programs.
  virtual std::vector<std::string> init_args() { return {"init"}; }

  // userdb-tool --db DB ARGS..., with `in` on standard input.
  RunResult tool(const std::vector<std::string>& args, std::string_view in = "",
                 std::optional<Credentials> as = std::nullopt) {
    // Another user runs a copy in the test's directory: the build tree may be out of reach.
    std::vector<std::string> argv{as ? reachable_copy(dir, kTool) : kTool, "--db", db};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_admin(std::move(argv), in, {}, as);
  }

  void init_fast() {
    const RunResult r = tool(init_args());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_EQ(tool({"config", "argon2_opslimit", "1"}).exit_code, 0);
    ASSERT_EQ(tool({"config", "argon2_memlimit", "8192"}).exit_code, 0);
  }

  void add(const std::string& name, const std::string& password,
           std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"add", name, "--password-stdin"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = tool(args, password + "\n");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_EQ(r.err, "");
  }

  // Runs a command that must be refused with `code` and must leave the store as it was,
  // row for row in its dump; returns the result for message checks.
  RunResult refused(int code, const std::vector<std::string>& args, std::string_view in = "",
                    std::optional<Credentials> as = std::nullopt) {
    const std::string before = dump();
    RunResult r = tool(args, in, as);
    EXPECT_EQ(r.exit_code, code) << "args: " << testing::PrintToString(args) << "\n" << r.err;
    EXPECT_EQ(dump(), before) << testing::PrintToString(args);
    EXPECT_NE(r.err.find("userdb-tool: fatal: unable to "), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
    return r;
  }
};

// An SQLite file, `db`, opened directly where a test needs it.
class ToolTest : public ToolFixture<testing::Test> {
 protected:
  ToolTest() { db = dir.file("users.db"); }

  std::string dump() override { return db_dump(db); }

  std::optional<Account> find(const std::string& name) {
    auto u = SqliteStore::open(db, SqliteStore::Mode::kDecide);
    if (!u) throw std::runtime_error(u.error().message);
    auto a = u->find(name);
    if (!a) throw std::runtime_error(a.error().message);
    return std::move(a.value());
  }
};

// Both stores, the parameter of an INSTANTIATE_TEST_SUITE_P with test::store_test_name.
inline auto all_stores() {
  return testing::Values(StoreKind::kSqlite, StoreKind::kPostgres);
}

// The same test on an SQLite file and on a PostgreSQL database: `store` for what a test
// must check beside the tool (SQL that both stores take), `store.login()` for the programs.
class StoreToolTest : public ToolFixture<testing::TestWithParam<StoreKind>> {
 protected:
  TestStore store{GetParam(), dir};

  StoreToolTest() { db = store.admin(); }

  std::string dump() override { return store.dump(); }
  std::vector<std::string> init_args() override { return store.init_args(); }

  // Through userdb-tool's own AdminStore, as `show` reads it.
  std::optional<Account> find(const std::string& name) {
    auto s = admin_store_open(db, AdminAccess::kRead);
    if (!s) throw std::runtime_error(s.error().message);
    auto a = (*s)->find(name);
    if (!a) throw std::runtime_error(a.error().message);
    return std::move(a.value());
  }

  // A location of this kind that names no store: a file that does not exist, or a database
  // that the server does not have (same server, role and password).
  std::string missing_location() const {
    if (!store.postgres()) return dir.file("missing.db");
    const std::string& uri = store.admin();  // postgresql://USER:PASSWORD@/DB?host=...
    const std::size_t db_at = uri.find("@/") + 2;
    return uri.substr(0, db_at) + "no_such_database" + uri.substr(uri.find('?', db_at));
  }

  // SQL for the lower-case hex of a bytea/BLOB column (SQLite's hex() is upper-case).
  std::string hex_sql(const std::string& column) const {
    return store.postgres() ? "encode(" + column + ", 'hex')" : "lower(hex(" + column + "))";
  }
};

}  // namespace checkpw::test
