// cram-md5-checkpw behind a real qmail-smtpd (notqmail with Erwin Hoffmann's SMTP AUTH
// patch, built by `make notqmail`), run exactly as doc/deployment.md's run file runs it:
// `SMTPAUTH=+cram qmail-smtpd /path/cram-md5-checkpw /bin/true` (this patch takes no
// hostname argument), with a client that speaks SMTP AUTH PLAIN, LOGIN and CRAM-MD5 and
// computes the CRAM-MD5 response itself (Python's hmac). 235 for the right secret, 535 for
// a wrong one (after qmail-smtpd's own 5 s pause).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "support/db.h"
#include "support/jobs.h"
#include "support/runner.h"
#include "support/util.h"

namespace checkpw::test {
namespace {

// Scheduling hint for the parallel test run (support/jobs.h): about 15 s.
CHECKPW_TEST_WEIGHT(15);

const std::string kBuild = CHECKPW_BUILD_DIR;
const std::string kQmailSmtpd = kBuild + "/notqmail/qmail-smtpd";
const std::string kClient = std::string(CHECKPW_SOURCE_DIR) + "/tests/qmail/smtp_auth_client.py";

class QmailSmtpd : public testing::Test {
 protected:
  void SetUp() override {
    struct stat st {};
    if (stat(kQmailSmtpd.c_str(), &st) != 0 && !notqmail_given()) GTEST_SKIP() << kNoNotqmail;
    ASSERT_EQ(stat(kQmailSmtpd.c_str(), &st), 0)
        << kQmailSmtpd << " is missing although a notqmail tarball was given";
    db_ = dir_.file("users.db");
    make_test_database(db_, {{"alice@example.org", "alice-pw"}});
    ASSERT_EQ(
        run_userdb_tool(db_, {"add", "nocram", "--no-cram-md5", "--password-stdin"}, "nocram-pw\n")
            .exit_code,
        0);
  }

  // The client's exit: 0 for 235, 1 for 535, 2 for anything else.
  int auth(const std::string& mech, const std::string& user, const std::string& password) {
    const RunResult r = run(
        {.argv = {find_executable("python3"), kClient, mech, user, password, "--", kQmailSmtpd,
                  kBuild + "/tests/bin/cram-md5-checkpw", "/bin/true"},
         .fd3 = Fd3::kClosed,
         .env = {"PATH=/usr/bin:/bin", "CHECKPW_DB=" + db_, "SMTPAUTH=+cram",
                 "TCPREMOTEIP=127.0.0.1", "TCPLOCALIP=127.0.0.1", "TCPLOCALHOST=mail.example.org"},
         .new_session = true,
         .timeout_seconds = 60});
    EXPECT_FALSE(r.timed_out) << r.err;
    EXPECT_EQ(r.err.find(password + "\n"), std::string::npos);
    if (r.exit_code == 2) ADD_FAILURE() << mech << " " << user << ": " << r.out << r.err;
    return r.exit_code;
  }

  TempDir dir_;
  std::string db_;
};

TEST_F(QmailSmtpd, PlainLoginAndCramMd5AsTheDeploymentRunFileStartsIt) {
  EXPECT_EQ(auth("PLAIN", "alice@example.org", "alice-pw"), 0);
  EXPECT_EQ(auth("LOGIN", "alice@example.org", "alice-pw"), 0);
  EXPECT_EQ(auth("CRAM-MD5", "alice@example.org", "alice-pw"), 0);
  EXPECT_EQ(auth("PLAIN", "nocram", "nocram-pw"), 0);
  EXPECT_EQ(auth("PLAIN", "alice@example.org", "wrong-pw"), 1);
  EXPECT_EQ(auth("CRAM-MD5", "alice@example.org", "wrong-pw"), 1);
  EXPECT_EQ(auth("CRAM-MD5", "nocram", "nocram-pw"), 1) << "no CRAM-MD5 secret";
}

}  // namespace
}  // namespace checkpw::test
