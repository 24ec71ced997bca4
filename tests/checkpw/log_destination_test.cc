// Where decision lines go (doc/design.md section 8): log_destination stderr, syslog (LOG_AUTH)
// or none; under Dovecot, which logs every stderr line of the program as an error, a
// normal decision never goes to stderr. The syslog side is a real syslog(3) call of the
// real binary, received on a socket that the program sees as /dev/log.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "support/db.h"
#include "support/request.h"
#include "support/runner.h"
#include "support/syslog_sink.h"
#include "support/util.h"

namespace checkpw {
namespace {

using test::checkpassword_request;

// The tests' copies of the programs (Makefile: TEST_PROG_BINS).
const std::string kBin = std::string(CHECKPW_BUILD_DIR) + "/tests/bin/";

class LogDestination : public testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "a private /dev/log needs a mount namespace (root)";
    db_ = dir_.file("users.db");
    test::make_test_database(db_, {{"alice", "alice-pw"}});
  }

  void set(const std::string& where) {
    ASSERT_EQ(test::run_userdb_tool(db_, {"config", "log_destination", where}).exit_code, 0);
  }

  test::RunResult login(const std::string& pw, std::vector<std::string> env = {},
                        std::vector<std::string> sub = {"/bin/true"}) {
    std::vector<std::string> argv = {kBin + "checkpw"};
    argv.insert(argv.end(), sub.begin(), sub.end());
    test::RunOptions o;
    o.argv = sink_.wrap(argv);
    o.fd3_data = checkpassword_request("alice", pw);
    o.env = env;
    o.env.push_back("CHECKPW_DB=" + db_);
    o.env.push_back("TCPREMOTEIP=192.0.2.9");
    o.env.push_back("PATH=/usr/bin:/bin");
    test::RunResult r = test::run(o);
    test::expect_no_secrets(r.err, {"alice-pw", "wrong-pw"});
    return r;
  }

  std::string syslog_text() {
    std::string all;
    for (const std::string& m : sink_.messages()) all += m + "\n";
    return all;
  }

  test::TempDir dir_;
  std::string db_;
  test::SyslogSink sink_;
};

TEST_F(LogDestination, StderrIsTheDefault) {
  const test::RunResult r = login("wrong-pw");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("checkpw: reject mech=plain remote=192.0.2.9 reason=bad-password\n"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(syslog_text(), "");
}

TEST_F(LogDestination, SyslogGetsTheLineWithAuthFacility) {
  set("syslog");
  test::RunResult r = login("wrong-pw");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "") << "nothing on stderr";
  r = login("alice-pw");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> m = sink_.messages();
  ASSERT_EQ(m.size(), 2u) << syslog_text();
  // LOG_AUTH (4) * 8 + LOG_NOTICE (5) = 37; + LOG_INFO (6) = 38.
  EXPECT_EQ(m[0].rfind("<37>", 0), 0u) << m[0];
  EXPECT_NE(m[0].find(" checkpw["), std::string::npos) << m[0];
  EXPECT_NE(m[0].find("]: reject mech=plain remote=192.0.2.9 reason=bad-password"),
            std::string::npos)
      << m[0];
  EXPECT_EQ(m[1].rfind("<38>", 0), 0u) << m[1];
  EXPECT_NE(m[1].find("]: accept mech=plain remote=192.0.2.9 user=alice reason=ok"),
            std::string::npos)
      << m[1];
  test::expect_no_secrets(syslog_text(), {"alice-pw", "wrong-pw"});
}

TEST_F(LogDestination, NoneWritesNoDecisionButStillTheErrors) {
  set("none");
  test::RunResult r = login("wrong-pw");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "");
  r = login("alice-pw", {}, {dir_.file("no-such-program")});
  EXPECT_EQ(r.exit_code, 111);
  EXPECT_NE(r.err.find("tempfail mech=plain remote=192.0.2.9 reason=exec-failed"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(syslog_text(), "");
}

// Before: a real Dovecot logged "Error: cram-md5-checkpw: accept ..." for every login.
TEST_F(LogDestination, UnderDovecotNormalDecisionsNeverGoToStderr) {
  for (const char* pw : {"alice-pw", "wrong-pw"}) {
    const test::RunResult r = login(pw, {"ORIG_UID=0"});
    EXPECT_EQ(r.err, "") << pw;
  }
  const std::string text = syslog_text();
  EXPECT_NE(text.find("]: accept mech=plain"), std::string::npos) << text;
  EXPECT_NE(text.find("]: reject mech=plain"), std::string::npos) << text;
  // A temporary failure is an error: it still goes to stderr.
  const test::RunResult r = login("alice-pw", {"ORIG_UID=0"}, {dir_.file("no-such-program")});
  EXPECT_NE(r.err.find("tempfail"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace checkpw
