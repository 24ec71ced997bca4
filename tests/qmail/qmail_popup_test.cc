// checkpw and cram-md5-checkpw behind a real qmail-popup (notqmail with Erwin Hoffmann's
// SMTP AUTH patch, built by `make notqmail` into build/notqmail), with a database made by
// the real userdb-tool. qmail-popup speaks POP3 on fds 0 and 1 and, for USER/PASS, hands
// the program `user\0password\0<pid.time@host>\0` on fd 3: when the password is 32 hex
// digits that is the shape of a CRAM-MD5 request, which cram-md5-checkpw once rejected
// (doc/design.md section 4: such a request is verified as CRAM-MD5, then as plaintext).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "support/db.h"
#include "support/request.h"
#include "support/runner.h"
#include "support/util.h"

namespace checkpw::test {
namespace {

const std::string kBuild = CHECKPW_BUILD_DIR;
const std::string kQmailPopup = kBuild + "/notqmail/qmail-popup";
const std::string kCheckpw = kBuild + "/tests/bin/checkpw";
const std::string kCram = kBuild + "/tests/bin/cram-md5-checkpw";

constexpr char kHostname[] = "checkpw.test";
// What the subprogram prints: the client sees it only when the program accepted the login.
constexpr char kAccepted[] = "+OK checkpw-accepted\r\n";
constexpr char kRejected[] = "-ERR authorization failed\r\n";

// `openssl rand -hex 16` passwords, and ordinary ones.
constexpr char kHexPassword[] = "3f9a1c7e5b2d4086a1e7c3b9d5f20864";
constexpr char kWrongHexPassword[] = "3f9a1c7e5b2d4086a1e7c3b9d5f20865";
constexpr char kUpperHexPassword[] = "C0FFEE00DEADBEEF0123456789ABCDEF";
constexpr char kAlicePassword[] = "correct horse battery";
constexpr char kWrongPassword[] = "wrong-password";

class QmailPopup : public testing::Test {
 protected:
  void SetUp() override {
    struct stat st {};
    if (stat(kQmailPopup.c_str(), &st) != 0 && !notqmail_given()) GTEST_SKIP() << kNoNotqmail;
    ASSERT_EQ(stat(kQmailPopup.c_str(), &st), 0)
        << kQmailPopup << " is missing although a notqmail tarball was given";
    db_ = dir_.file("users.db");
    tool({"init"});
    // Cheap hashes and no failure delay keep the suite fast; both are tested elsewhere.
    tool({"config", "argon2_opslimit", "1"});
    tool({"config", "argon2_memlimit", "8192"});
    tool({"config", "failure_delay_ms", "0"});
    tool({"add", "alice", "--password-stdin"}, std::string(kAlicePassword) + "\n");
    tool({"add", "hexa", "--password-stdin"}, std::string(kHexPassword) + "\n");
    tool({"add", "hexu", "--password-stdin"}, std::string(kUpperHexPassword) + "\n");
    // qmail-pop3d in real life; here a mark the client can see, then exit.
    subprogram_ = dir_.file("accepted.sh");
    write_file(subprogram_, "#!/bin/sh\nprintf '+OK checkpw-accepted\\r\\n'\n");
    ASSERT_EQ(chmod(subprogram_.c_str(), 0755), 0);
  }

  void tool(const std::vector<std::string>& args, const std::string& stdin_data = "") {
    const RunResult r = run_userdb_tool(db_, args, stdin_data);
    ASSERT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
  }

  // One POP3 session: `qmail-popup HOSTNAME PROGRAM SUBPROGRAM` with the client's lines on
  // stdin, as tcpserver would start it. qmail-popup ends after one PASS either way. A new
  // session, so the timeout kills qmail-popup and whatever it started.
  RunResult pop3_login(const std::string& program, const std::string& user,
                       const std::string& password) {
    RunResult r = run({.argv = {kQmailPopup, kHostname, program, subprogram_},
                       .fd3 = Fd3::kClosed,  // qmail-popup's own pipe must land on fd 3
                       .env = {"CHECKPW_DB=" + db_, "TCPREMOTEIP=127.0.0.1", base_env()[0]},
                       .stdin_data = "USER " + user + "\r\nPASS " + password + "\r\n",
                       .new_session = true,
                       .timeout_seconds = 30});
    EXPECT_FALSE(r.timed_out) << "qmail-popup timed out; stdout: " << r.out
                              << "\nstderr: " << r.err;
    // qmail-popup always leaves through die(), exit 1, once its child has ended; anything
    // else is a crash or a kill.
    EXPECT_EQ(r.exit_code, 1) << r.err;
    // "+OK <pid.time@HOSTNAME>\r\n", then "+OK \r\n" for USER.
    const std::string stamp_end = "@" + std::string(kHostname) + ">\r\n+OK \r\n";
    EXPECT_EQ(r.out.rfind("+OK <", 0), 0u) << r.out;
    EXPECT_NE(r.out.find(stamp_end), std::string::npos) << "no greeting and USER reply: " << r.out;
    expect_no_secrets(r.err, {password, kHexPassword, kWrongHexPassword, kUpperHexPassword,
                              kAlicePassword, kWrongPassword});
    // The timestamp stands where a CRAM-MD5 challenge would: no log may show it either.
    if (const std::size_t close = r.out.find('>'); r.out.size() > 4 && close != std::string::npos) {
      expect_no_secrets(r.err, {r.out.substr(4, close - 3)});
    }
    return r;
  }

  static void expect_accepted(const RunResult& r, const std::string& log_line) {
    EXPECT_NE(r.out.find(kAccepted), std::string::npos) << r.out << "\nstderr: " << r.err;
    EXPECT_EQ(r.out.find("-ERR"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find(log_line), std::string::npos) << r.err;
  }

  // A rejection (exit 1, told apart from a temporary failure by the decision log), which
  // qmail-popup answers with -ERR; the subprogram never ran.
  static void expect_rejected(const RunResult& r, const std::string& log_line) {
    EXPECT_NE(r.out.find(kRejected), std::string::npos) << r.out << "\nstderr: " << r.err;
    EXPECT_EQ(r.out.find(kAccepted), std::string::npos) << r.out;
    EXPECT_NE(r.err.find(log_line), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("tempfail"), std::string::npos) << r.err;
  }

  TempDir dir_;
  std::string db_;
  std::string subprogram_;
};

// The regression: a USER/PASS password of 32 lower-case hex digits looks like a CRAM-MD5
// response beside qmail-popup's timestamp; CRAM-MD5 fails, the plaintext check accepts.
TEST_F(QmailPopup, CramMd5CheckpwAcceptsHexPasswordOverUserPass) {
  expect_accepted(pop3_login(kCram, "hexa", kHexPassword),
                  "cram-md5-checkpw: accept mech=plain remote=127.0.0.1 user=hexa reason=ok");
}

TEST_F(QmailPopup, CramMd5CheckpwAcceptsUpperCaseHexPassword) {
  expect_accepted(pop3_login(kCram, "hexu", kUpperHexPassword),
                  "cram-md5-checkpw: accept mech=plain remote=127.0.0.1 user=hexu reason=ok");
}

TEST_F(QmailPopup, CramMd5CheckpwRejectsWrongHexPassword) {
  expect_rejected(pop3_login(kCram, "hexa", kWrongHexPassword),
                  "cram-md5-checkpw: reject mech=cram-md5 remote=127.0.0.1 reason=bad-password");
}

TEST_F(QmailPopup, CheckpwAcceptsHexPassword) {
  expect_accepted(pop3_login(kCheckpw, "hexa", kHexPassword),
                  "checkpw: accept mech=plain remote=127.0.0.1 user=hexa reason=ok");
}

TEST_F(QmailPopup, NormalPasswordAcceptedByBothPrograms) {
  expect_accepted(pop3_login(kCram, "alice", kAlicePassword),
                  "cram-md5-checkpw: accept mech=plain remote=127.0.0.1 user=alice reason=ok");
  expect_accepted(pop3_login(kCheckpw, "alice", kAlicePassword),
                  "checkpw: accept mech=plain remote=127.0.0.1 user=alice reason=ok");
}

TEST_F(QmailPopup, WrongPasswordRejectedByBothPrograms) {
  expect_rejected(pop3_login(kCram, "alice", kWrongPassword),
                  "cram-md5-checkpw: reject mech=plain remote=127.0.0.1 reason=bad-password");
  expect_rejected(pop3_login(kCheckpw, "alice", kWrongPassword),
                  "checkpw: reject mech=plain remote=127.0.0.1 reason=bad-password");
}

TEST_F(QmailPopup, UnknownUserRejectedByBothPrograms) {
  expect_rejected(pop3_login(kCram, "mallory", kAlicePassword),
                  "cram-md5-checkpw: reject mech=plain remote=127.0.0.1 reason=unknown-user");
  expect_rejected(pop3_login(kCram, "mallory", kHexPassword),
                  "cram-md5-checkpw: reject mech=cram-md5 remote=127.0.0.1 reason=unknown-user");
  expect_rejected(pop3_login(kCheckpw, "mallory", kAlicePassword),
                  "checkpw: reject mech=plain remote=127.0.0.1 reason=unknown-user");
}

}  // namespace
}  // namespace checkpw::test
