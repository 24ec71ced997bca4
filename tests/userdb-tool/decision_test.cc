// userdb-tool's verify runs the very decision the programs run (on an SQLite file and on
// PostgreSQL, where the programs log in as the least-privileged role), and the tool
// refuses to run setuid or setgid (a setuid copy would let any local user rewrite
// accounts).
#include <sys/stat.h>
#include <unistd.h>

#include "support/request.h"
#include "userdb-tool/fixture.h"

namespace checkpw::test {
namespace {

using VerifyTest = StoreToolTest;
INSTANTIATE_TEST_SUITE_P(Stores, VerifyTest, all_stores(), store_test_name);
// About files: a setuid copy must neither read nor create one.
using SetuidToolTest = ToolTest;

RunResult checkpw_login(const std::string& db, const std::string& user, const std::string& pw) {
  return run({.argv = {CHECKPW_BUILD_DIR "/tests/bin/checkpw", "/bin/true"},
              .fd3_data = checkpassword_request(user, pw),
              .env = {"CHECKPW_DB=" + db, "PATH=/usr/bin:/bin"}});
}

// With default_domain set, `checkpw` accepts "bob" for bob@example.org; verify agrees.
// And the uid/gid 0 rule, disabled accounts and unknown users give the programs' answer.
TEST_P(VerifyTest, VerifyDecidesAsTheProgramsDo) {
  init_fast();
  ASSERT_EQ(tool({"config", "failure_delay_ms", "0"}).exit_code, 0);
  add("bob@example.org", "bob-pw");
  add("zero", "zero-pw", {"--uid", "4000", "--gid", "4000"});
  store.plant_ids("zero", 0, 4000);  // past the schema's CHECK: userdb-tool refuses uid 0
  add("rootgrp", "rootgrp-pw", {"--uid", "4001", "--gid", "4001"});
  store.plant_ids("rootgrp", 4001, 0);
  add("off", "off-pw");
  ASSERT_EQ(tool({"disable", "off"}).exit_code, 0);
  ASSERT_EQ(tool({"config", "default_domain", "example.org"}).exit_code, 0);
  struct Row {
    std::string user, pw;
    int expected;
    const char* says;
  };
  for (const Row& row :
       {Row{"bob", "bob-pw", 0, "password correct (account bob@example.org)"},
        Row{"bob@example.org", "bob-pw", 0, "password correct"},
        Row{"bob", "Zq9-typo", 1, "wrong password"}, Row{"zero", "zero-pw", 1, "uid is 0"},
        Row{"rootgrp", "rootgrp-pw", 1, "gid is 0"}, Row{"off", "off-pw", 1, "account disabled"},
        Row{"nobody-here", "nobody-pw-77", 1, "no such user"}}) {
    SCOPED_TRACE(row.user);
    const RunResult v = tool({"verify", row.user, "--password-stdin"}, row.pw + "\n");
    EXPECT_EQ(v.exit_code, row.expected) << v.err;
    EXPECT_NE((v.out + v.err).find(row.says), std::string::npos) << v.out << v.err;
    EXPECT_EQ(checkpw_login(store.login(), row.user, row.pw).exit_code, row.expected)
        << "verify and checkpw disagree";
    expect_no_secrets(v.err, {row.pw});
  }
}

// Installed setuid root, the tool obeyed --db for any caller: it listed a root-only
// database and created files in a 0700 root directory.
TEST_F(SetuidToolTest, RefusesToRunSetuidOrSetgid) {
  if (geteuid() != 0) GTEST_SKIP() << "installing setuid root needs root";
  init_fast();
  add("alice", "alice-pw");
  ASSERT_EQ(chmod(dir.path().c_str(), 0755), 0);
  const std::string secret_dir = dir.file("root-only");
  ASSERT_EQ(mkdir(secret_dir.c_str(), 0700), 0);
  for (mode_t mode : {mode_t{04755}, mode_t{02755}}) {
    SCOPED_TRACE(mode);
    const std::string copy = reachable_copy(dir, kTool);
    ASSERT_EQ(chmod(copy.c_str(), mode), 0);
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"--db", db, "list"}, {"--db", secret_dir + "/new.db", "init"}, {"--help"}}) {
      std::vector<std::string> argv{copy};
      argv.insert(argv.end(), args.begin(), args.end());
      const RunResult r = run_admin(argv, "", {}, kNobody);
#ifdef __SANITIZE_ADDRESS__
      // make san: LeakSanitizer cannot stop the world in this setuid child and ends it with
      // its own exit status 1 after our refusal; the refusal and its effects still count.
      if (r.err.find("LeakSanitizer has encountered a fatal error") != std::string::npos) {
        EXPECT_EQ(r.exit_code, 1) << r.err;
      } else {
        EXPECT_EQ(r.exit_code, 2) << r.err;
      }
#else
      EXPECT_EQ(r.exit_code, 2) << r.err;
#endif
      EXPECT_NE(r.err.find("refusing to run setuid or setgid"), std::string::npos) << r.err;
      EXPECT_EQ(r.out, "") << "nothing listed";
    }
    EXPECT_NE(access((secret_dir + "/new.db").c_str(), F_OK), 0) << "nothing created";
    ASSERT_EQ(unlink(copy.c_str()), 0);
  }
}

}  // namespace
}  // namespace checkpw::test
