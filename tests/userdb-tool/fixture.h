// Shared by the userdb-tool tests: runs the real binary against a database in the
// test's own temporary directory, made cheap (minimum Argon2id cost) unless a test
// is about the cost.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/password.h"
#include "store/schema.h"
#include "store/sqlite_store.h"
#include "support/db.h"
#include "support/runner.h"
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

class ToolTest : public ::testing::Test {
 protected:
  TempDir dir;
  std::string db = dir.file("users.db");

  // userdb-tool --db DB ARGS..., with `in` on standard input.
  RunResult tool(const std::vector<std::string>& args, std::string_view in = "",
                 std::optional<Credentials> as = std::nullopt) {
    // Another user runs a copy in the test's directory: the build tree may be out of reach.
    std::vector<std::string> argv{as ? reachable_copy(dir, kTool) : kTool, "--db", db};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_admin(std::move(argv), in, {}, as);
  }

  void init_fast() {
    ASSERT_EQ(tool({"init"}).exit_code, 0);
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

  std::optional<Account> find(const std::string& name) {
    auto u = SqliteStore::open(db, SqliteStore::Mode::kDecide);
    if (!u) throw std::runtime_error(u.error().message);
    auto a = u->find(name);
    if (!a) throw std::runtime_error(a.error().message);
    return std::move(a.value());
  }

  // Runs a command that must be refused with `code` and must leave the database as it
  // was, byte for byte in its dump; returns the result for message checks.
  RunResult refused(int code, const std::vector<std::string>& args, std::string_view in = "",
                    std::optional<Credentials> as = std::nullopt) {
    const std::string before = db_dump(db);
    RunResult r = tool(args, in, as);
    EXPECT_EQ(r.exit_code, code) << "args: " << testing::PrintToString(args) << "\n" << r.err;
    EXPECT_EQ(db_dump(db), before) << testing::PrintToString(args);
    EXPECT_NE(r.err.find("userdb-tool: fatal: unable to "), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
    return r;
  }
};

}  // namespace checkpw::test
