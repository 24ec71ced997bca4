// Lockout (doc/design.md section 7) with the real programs and the real userdb-tool: failures
// of one account are counted by both programs and both mechanisms; a locked account is
// rejected whatever the secret; a success resets the count; unlock clears a lock; an
// expired lock is gone.
#include <gtest/gtest.h>

#include <ctime>
#include <string>
#include <vector>

#include "support/db.h"
#include "support/json.h"
#include "support/request.h"
#include "support/runner.h"
#include "support/util.h"

namespace checkpw {
namespace {

using test::checkpassword_request;

// The tests' copies of the programs (Makefile: TEST_PROG_BINS).
const std::string kBin = std::string(CHECKPW_BUILD_DIR) + "/tests/bin/";
constexpr char kChallenge[] = "<1896.697170952@postoffice.reston.mci.net>";
constexpr char kResponse[] = "b913a602c7eda7a495b4e6e7334d3890";  // RFC 2195, tanstaaftanstaaf

class Lockout : public testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("users.db");
    test::make_test_database(db_, {{"tim", "tanstaaftanstaaf"}, {"other", "other-pw"}},
                             {{"lockout_failures", "3"}});
  }

  void tool(const std::vector<std::string>& args, const std::string& in = "") {
    const test::RunResult r = test::run_userdb_tool(db_, args, in);
    ASSERT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
  }

  test::RunResult login(const std::string& prog, const std::string& request) {
    test::RunOptions o;
    o.argv = {kBin + prog, "/bin/sh", "-c", "echo ran"};
    o.fd3_data = request;
    o.env = {"CHECKPW_DB=" + db_, "PATH=/usr/bin:/bin", "TCPREMOTEIP=192.0.2.7"};
    test::RunResult r = test::run(o);
    test::expect_no_secrets(r.err, {"tanstaaftanstaaf", kResponse, "wrong-pw"});
    return r;
  }
  test::RunResult right_plain(const char* prog = "checkpw") {
    return login(prog, checkpassword_request("tim", "tanstaaftanstaaf"));
  }
  test::RunResult right_cram() {
    return login("cram-md5-checkpw", checkpassword_request("tim", kResponse, kChallenge));
  }
  test::Json show() {
    return test::json_parse(test::run_userdb_tool(db_, {"show", "tim", "--json"}).out);
  }

  // Three failures, one per program and mechanism.
  void fail_three_times() {
    EXPECT_EQ(login("checkpw", checkpassword_request("tim", "wrong-pw")).exit_code, 1);
    EXPECT_EQ(login("cram-md5-checkpw", checkpassword_request("tim", "wrong-pw")).exit_code, 1);
    EXPECT_EQ(login("cram-md5-checkpw",
                    checkpassword_request("tim", "00000000000000000000000000000000", kChallenge))
                  .exit_code,
              1);
  }

  test::TempDir dir_;
  std::string db_;
};

TEST_F(Lockout, LockedAccountIsRejectedWhateverTheSecret) {
  fail_three_times();
  EXPECT_FALSE(show()["locked_until"].is_null());
  for (const test::RunResult& r : {right_plain(), right_plain("cram-md5-checkpw"), right_cram()}) {
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("reject mech="), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("remote=192.0.2.7 reason=locked\n"), std::string::npos) << r.err;
  }
  // The right password during the lock neither clears nor extends it.
  EXPECT_EQ(show()["window_failures"].integer(), 3);
  // Another account is not affected.
  EXPECT_EQ(login("checkpw", checkpassword_request("other", "other-pw")).exit_code, 0);
}

TEST_F(Lockout, ExpiredLockIsGone) {
  fail_three_times();
  ASSERT_EQ(right_plain().exit_code, 1);
  // The lock's end in the past, as after lockout_duration_s.
  const auto past = static_cast<long long>(std::time(nullptr)) - 1;
  test::db_exec(
      db_, "UPDATE accounts SET locked_until = " + std::to_string(past) + " WHERE name = 'tim'");
  const test::RunResult r = right_cram();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(show()["locked_until"].is_null());
  EXPECT_EQ(show()["failures"].integer(), 0);
}

TEST_F(Lockout, UnlockClearsALock) {
  fail_three_times();
  ASSERT_EQ(right_plain().exit_code, 1);
  tool({"unlock", "tim"});
  EXPECT_EQ(right_plain().exit_code, 0);
  EXPECT_EQ(test::run_userdb_tool(db_, {"unlock", "nobody-here"}).exit_code, 1);
}

TEST_F(Lockout, SuccessResetsTheCount) {
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(login("checkpw", checkpassword_request("tim", "wrong-pw")).exit_code, 1);
    EXPECT_EQ(login("checkpw", checkpassword_request("tim", "wrong-pw")).exit_code, 1);
    EXPECT_EQ(right_plain().exit_code, 0) << "round " << round;
  }
  EXPECT_TRUE(show()["locked_until"].is_null());
}

TEST_F(Lockout, FailuresOutsideTheWindowDoNotAddUp) {
  EXPECT_EQ(login("checkpw", checkpassword_request("tim", "wrong-pw")).exit_code, 1);
  EXPECT_EQ(login("checkpw", checkpassword_request("tim", "wrong-pw")).exit_code, 1);
  // The window opened 900 s ago and has passed.
  test::db_exec(db_, "UPDATE accounts SET window_start = window_start - 900 WHERE name = 'tim'");
  EXPECT_EQ(login("checkpw", checkpassword_request("tim", "wrong-pw")).exit_code, 1);
  EXPECT_EQ(show()["window_failures"].integer(), 1);
  EXPECT_EQ(right_plain().exit_code, 0);
}

TEST_F(Lockout, OffByDefault) {
  tool({"config", "lockout_failures", "0"});
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(login("checkpw", checkpassword_request("tim", "wrong-pw")).exit_code, 1);
  }
  EXPECT_EQ(right_plain().exit_code, 0);
  EXPECT_EQ(test::run_userdb_tool(dir_.file("fresh.db"), {"init"}).exit_code, 0);
  EXPECT_EQ(test::run_userdb_tool(dir_.file("fresh.db"), {"config", "lockout_failures"}).out,
            "0\n");
}

}  // namespace
}  // namespace checkpw
