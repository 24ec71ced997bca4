// Shared by the userdb-tool tests: runs the real binary against a database in the
// test's own temporary directory, made cheap (minimum Argon2id cost) unless a test
// is about the cost.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "checkpw/userdb.h"
#include "support/db.h"
#include "support/process.h"
#include "support/util.h"

namespace checkpw::test {

inline const std::string kTool = CHECKPW_BUILD_DIR "/bin/userdb-tool";

class ToolTest : public ::testing::Test {
 protected:
  TempDir dir;
  std::string db = dir.file("users.db");

  // userdb-tool --db DB ARGS..., with `in` on standard input.
  ProcessResult tool(const std::vector<std::string>& args, std::string_view in = "",
                     std::optional<Credentials> as = std::nullopt) {
    std::vector<std::string> argv{kTool, "--db", db};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, in, {}, as);
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
    auto u = Userdb::open_readonly(db);
    if (!u) throw std::runtime_error(u.error().message);
    auto a = u->find(name);
    if (!a) throw std::runtime_error(a.error().message);
    return std::move(a.value());
  }

  // Runs a command that must be refused with `code` and must leave the database as it
  // was, byte for byte in its dump; returns the result for message checks.
  ProcessResult refused(int code, const std::vector<std::string>& args, std::string_view in = "",
                        std::optional<Credentials> as = std::nullopt) {
    const std::string before = db_dump(db);
    ProcessResult r = tool(args, in, as);
    EXPECT_EQ(r.exit_code, code) << "args: " << testing::PrintToString(args) << "\n" << r.err;
    EXPECT_EQ(db_dump(db), before) << testing::PrintToString(args);
    EXPECT_NE(r.err.find("userdb-tool: fatal: unable to "), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
    return r;
  }
};

}  // namespace checkpw::test
