// checkpw and cram-md5-checkpw behind a real Dovecot 2.3 (doc/design.md sections 6 and
// 9), since only the real server shows what it sends and accepts: a private
// instance on 127.0.0.1 with `passdb { driver = checkpassword }`, and curl logging in over
// IMAP and POP3 with PLAIN, LOGIN and CRAM-MD5 (through Dovecot's credentials lookup).
// The programs, the database and userdb-tool are the real ones from the build.
#include "support/dovecot.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "support/runner.h"
#include "support/util.h"

namespace checkpw::test {
namespace {

const std::string kBuild = CHECKPW_BUILD_DIR;

// Dovecot's log line for exit 1 while authenticating; anything else but 0 reads
// "Child N exited with status N" and is a temporary failure, not a rejection.
constexpr const char* kRejected = "Login failed (status=1)";
constexpr const char* kInternalError = "exited with status";

struct Programs {
  std::string checkpw;
  std::string cram_md5_checkpw;
};

testing::AssertionResult run_ok(const std::vector<std::string>& argv, std::string_view input) {
  const RunResult r = run({.argv = argv,
                           .fd3 = Fd3::kClosed,
                           .env = inherited_env(),
                           .stdin_data = std::string(input),
                           .timeout_seconds = 60});
  if (r.exit_code == 0) return testing::AssertionSuccess();
  std::string cmd;
  for (const std::string& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
  return testing::AssertionFailure() << "`" << cmd << "` exited " << r.exit_code
                                     << "\nstdout: " << r.out << "\nstderr: " << r.err;
}

// alice (secret1) and bob (test; CRAM-MD5 secret of "test") in `db`, made by userdb-tool.
testing::AssertionResult make_accounts(const std::string& db, Programs& programs) {
  const std::string tool = kBuild + "/bin/userdb-tool";
  if (auto r = run_ok({tool, "--db", db, "init"}, {}); !r) return r;
  // Rejections would otherwise wait out the default one-second failure delay.
  if (auto r = run_ok({tool, "--db", db, "config", "failure_delay_ms", "0"}, {}); !r) return r;
  if (auto r = run_ok({tool, "--db", db, "add", "alice", "--password-stdin"}, "secret1\n"); !r) {
    return r;
  }
  if (auto r = run_ok({tool, "--db", db, "add", "bob", "--password-stdin"}, "test\n"); !r) {
    return r;
  }
  programs = {kBuild + "/tests/bin/checkpw", kBuild + "/tests/bin/cram-md5-checkpw"};
  return testing::AssertionSuccess();
}

// curl names the mechanism it used in its transcript: make sure it did not fall back.
std::string mech_command(const std::string& proto, const std::string& mech) {
  return (proto == "imap" ? "AUTHENTICATE " : "AUTH ") + mech;
}

void expect_login(const DovecotInstance& dovecot, const std::string& proto, const std::string& mech,
                  const std::string& user, const std::string& password, int expected_curl_exit) {
  SCOPED_TRACE(proto + " " + mech + " " + user);
  const CurlResult r = dovecot.login(proto, user, password, mech);
  EXPECT_EQ(r.exit_code, expected_curl_exit) << r.transcript;
  EXPECT_NE(r.transcript.find(mech_command(proto, mech)), std::string::npos) << r.transcript;
}

void expect_stopped_by_pid_file(DovecotInstance& dovecot) {
  const pid_t pid = dovecot.master_pid();
  ASSERT_GT(pid, 1);
  ASSERT_TRUE(dovecot.stop());
  EXPECT_EQ(kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

const std::vector<std::string> kProtos = {"imap", "pop3"};

TEST(Dovecot, CheckpwPlainAndLoginOverImapAndPop3) {
  TempDir dir;
  const std::string db = dir.file("users.db");
  Programs programs;
  ASSERT_TRUE(make_accounts(db, programs));
  DovecotOptions options;
  options.program = programs.checkpw;
  options.userdb = DovecotUserdb::kPrefetch;
  options.environment = {"CHECKPW_DB=" + db};
  DovecotInstance dovecot(dir, options);
  ASSERT_TRUE(dovecot.start());

  for (const std::string& proto : kProtos) {
    for (const std::string mech : {"PLAIN", "LOGIN"}) {
      expect_login(dovecot, proto, mech, "alice", "secret1", 0);
      expect_login(dovecot, proto, mech, "alice", "secret2", 67);
      expect_login(dovecot, proto, mech, "mallory", "secret1", 67);
    }
  }
  // Wrong password and unknown user were both rejections (exit 1), never internal errors.
  EXPECT_TRUE(dovecot.log_contains(kRejected, 8));
  EXPECT_EQ(dovecot.log_count(kInternalError), 0u);
  expect_stopped_by_pid_file(dovecot);
}

// cram-md5-checkpw serves every mechanism. The userdb is checkpassword alone, so every
// login also runs the program in lookup mode (AUTHORIZED=1).
TEST(Dovecot, CramMd5CheckpwThroughCredentialsLookup) {
  TempDir dir;
  const std::string db = dir.file("users.db");
  Programs programs;
  ASSERT_TRUE(make_accounts(db, programs));
  DovecotOptions options;
  options.program = programs.cram_md5_checkpw;
  options.userdb = DovecotUserdb::kCheckpassword;
  options.environment = {"CHECKPW_DB=" + db};
  DovecotInstance dovecot(dir, options);
  ASSERT_TRUE(dovecot.start());

  for (const std::string& proto : kProtos) {
    expect_login(dovecot, proto, "CRAM-MD5", "bob", "test", 0);
    expect_login(dovecot, proto, "CRAM-MD5", "bob", "tesT", 67);
  }
  expect_login(dovecot, "imap", "CRAM-MD5", "mallory", "test", 67);
  expect_login(dovecot, "imap", "PLAIN", "alice", "secret1", 0);
  expect_login(dovecot, "pop3", "LOGIN", "bob", "test", 0);
  expect_login(dovecot, "pop3", "PLAIN", "alice", "test", 67);
  // Dovecot compared the CRAM-MD5 responses itself; the unknown user was exit 3 of a lookup.
  EXPECT_TRUE(dovecot.log_contains("cram-md5(bob,127.0.0.1,", 2));
  EXPECT_TRUE(dovecot.log_contains("Password mismatch", 2));
  EXPECT_TRUE(dovecot.log_contains("User unknown", 1));
  EXPECT_TRUE(dovecot.log_contains(kRejected, 1));
  EXPECT_EQ(dovecot.log_count(kInternalError), 0u);
  expect_stopped_by_pid_file(dovecot);
}

}  // namespace
}  // namespace checkpw::test
