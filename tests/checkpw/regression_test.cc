// Regressions found by review and attack, each against the real programs with
// a real fd 3 and a real SQLite file made by the real userdb-tool. Every case here failed
// before its fix.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "support/db.h"
#include "support/request.h"
#include "support/runner.h"
#include "support/util.h"

namespace checkpw {
namespace {

using test::checkpassword_request;
using test::RunOptions;
using test::RunResult;

// The tests' copies of the programs (Makefile: TEST_PROG_BINS).
const std::string kBin = std::string(CHECKPW_BUILD_DIR) + "/tests/bin/";
const std::string kCheckpw = kBin + "checkpw";
const std::string kCram = kBin + "cram-md5-checkpw";
const std::vector<std::string> kRan = {"/bin/sh", "-c", "echo ran"};

class Regression : public testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("users.db");
    test::make_test_database(db_, {{"alice", "alice-pw"}});
  }

  void tool(const std::vector<std::string>& args, const std::string& in = "") {
    const RunResult r = test::run_userdb_tool(db_, args, in);
    ASSERT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
  }

  RunResult login(const std::string& prog, const std::string& request,
                  std::vector<std::string> env = {}, std::vector<std::string> sub = kRan) {
    RunOptions o;
    o.argv = {prog};
    o.argv.insert(o.argv.end(), sub.begin(), sub.end());
    o.fd3_data = request;
    o.env = env;
    o.env.push_back("CHECKPW_DB=" + db_);
    for (const auto& e : test::base_env()) o.env.push_back(e);
    return test::run(o);
  }

  // The stored hash of `user`, read directly from the file.
  std::string hash_of(const std::string& user) {
    const std::string dump = test::db_dump(db_);
    const auto at = dump.find("accounts: ");
    for (std::size_t p = at; p != std::string::npos; p = dump.find("accounts: ", p + 1)) {
      const std::string line = dump.substr(p, dump.find('\n', p) - p);
      if (line.find("'" + user + "'") != std::string::npos) {
        const auto h = line.find("'$");
        return line.substr(h + 1, line.find('\'', h + 1) - h - 1);
      }
    }
    return "";
  }

  static bool ran(const RunResult& r) { return r.out.find("ran\n") != std::string::npos; }

  test::TempDir dir_;
  std::string db_;
};

// libsodium picks its fast Argon2 code in sodium_init(); without the call every hash ran
// the portable reference code (about 27 ms instead of 17 ms here). The breakpoint proves
// the call, and that it comes before the first Argon2id hash.
TEST_F(Regression, SodiumInitIsCalledBeforeAnyHash) {
  const std::string gdb = test::find_executable("gdb");
  ASSERT_FALSE(gdb.empty()) << "gdb is installed by make deps";
  const std::string req = dir_.file("req");
  test::write_file(req, checkpassword_request("alice", "alice-pw"));
  for (const std::string& prog : {kCheckpw, kCram}) {
    RunOptions o;
    o.argv = {gdb,
              "-batch",
              "-nx",
              "-ex",
              "set debuginfod enabled off",
              "-ex",
              "break sodium_init",
              "-ex",
              "break crypto_pwhash_argon2id",
              "-ex",
              "run /bin/true 3<" + req,
              "-ex",
              "continue",
              "-ex",
              "continue",
              "--args",
              prog};
    o.env = {"CHECKPW_DB=" + db_};
    for (const auto& e : test::base_env()) o.env.push_back(e);
    const RunResult r = test::run(o);
    const std::string all = r.out + r.err;
    const auto init = all.find("in sodium_init");
    const auto hash = all.find("in crypto_pwhash_argon2id");
    ASSERT_NE(init, std::string::npos) << prog << ": " << all;
    ASSERT_NE(hash, std::string::npos) << prog << ": " << all;
    EXPECT_LT(init, hash) << prog;
    EXPECT_NE(all.find("accept mech=plain"), std::string::npos) << all;
  }
}

// A login whose hash is upgraded must not undo a password change made meanwhile: the
// replacement is conditional on the hash that was verified. The rehash is made slow (a
// high cost), passwd starts first and writes while the login is still hashing.
TEST_F(Regression, RehashNeverUndoesAPasswordChangeMadeDuringTheLogin) {
  tool({"config", "argon2_opslimit", "6"});
  tool({"config", "argon2_memlimit", "256M"});
  const std::string weak = hash_of("alice");
  ASSERT_NE(weak.find("m=8,t=1"), std::string::npos) << weak;
  std::future<RunResult> passwd = std::async(std::launch::async, [&] {
    return test::run_userdb_tool(db_, {"passwd", "alice", "--password-stdin"}, "new-pw\n");
  });
  // passwd is hashing (about a second at this cost); the login verifies the old, cheap
  // hash at once, then hashes for as long, and writes after passwd did.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const RunResult old_login = login(kCheckpw, checkpassword_request("alice", "alice-pw"));
  const RunResult changed = passwd.get();
  ASSERT_EQ(changed.exit_code, 0) << changed.err;
  ASSERT_EQ(old_login.exit_code, 0) << "the old password was still stored: " << old_login.err;
  tool({"config", "argon2_opslimit", "1"});
  tool({"config", "argon2_memlimit", "8192"});
  EXPECT_EQ(login(kCheckpw, checkpassword_request("alice", "alice-pw")).exit_code, 1)
      << "the old password works again: the rehash undid the change";
  EXPECT_EQ(login(kCheckpw, checkpassword_request("alice", "new-pw")).exit_code, 0);
}

// A rehash replaces only weaker or legacy hashes: a stronger stored hash is kept.
TEST_F(Regression, StrongerStoredHashIsNeverWeakened) {
  tool({"config", "argon2_opslimit", "4"});
  tool({"config", "argon2_memlimit", "16M"});
  tool({"add", "strong", "--password-stdin"}, "strong-pw\n");
  tool({"config", "argon2_opslimit", "2"});
  tool({"config", "argon2_memlimit", "8M"});
  const std::string before = hash_of("strong");
  ASSERT_NE(before.find("m=16384,t=4"), std::string::npos) << before;
  ASSERT_EQ(login(kCheckpw, checkpassword_request("strong", "strong-pw")).exit_code, 0);
  EXPECT_EQ(hash_of("strong"), before) << "a login replaced a stronger hash";
  // The control: a weaker one is upgraded to the current cost.
  ASSERT_EQ(login(kCheckpw, checkpassword_request("alice", "alice-pw")).exit_code, 0);
  EXPECT_NE(hash_of("alice").find("m=8192,t=2"), std::string::npos) << hash_of("alice");
}

// No log says "accept" for a login whose subprogram never ran.
TEST_F(Regression, FailedExecIsLoggedAsTemporaryFailure) {
  const std::string plain = dir_.file("not-executable");
  test::write_file(plain, "#!/bin/sh\necho ran\n");
  ASSERT_EQ(chmod(plain.c_str(), 0644), 0);
  for (const std::string& sub : {dir_.file("no-such-program"), plain, std::string("no-such-cmd")}) {
    const RunResult r = login(kCheckpw, checkpassword_request("alice", "alice-pw"), {}, {sub});
    EXPECT_EQ(r.exit_code, 111) << sub << ": " << r.err;
    EXPECT_EQ(r.err.find("accept"), std::string::npos) << sub << ": " << r.err;
    EXPECT_NE(r.err.find("checkpw: tempfail mech=plain remote=- reason=exec-failed\n"),
              std::string::npos)
        << sub << ": " << r.err;
  }
}

// A Dovecot lookup verifies nothing; one that carries a secret is not a lookup.
TEST_F(Regression, LookupCarryingAPasswordIsRejected) {
  for (const std::string& prog : {kCheckpw, kCram}) {
    for (const char* pw : {"wrong-password", "alice-pw"}) {
      const RunResult r =
          login(prog, checkpassword_request("alice", pw), {"AUTHORIZED=1", "ORIG_UID=0"});
      EXPECT_EQ(r.exit_code, 1) << prog << " " << pw << ": " << r.err;
      EXPECT_FALSE(ran(r)) << prog << " " << pw;
      // The reason (lookup-with-secret) is a decision row in tests/auth/decision_test.cc;
      // under Dovecot the line goes to syslog, not to this stderr.
      EXPECT_EQ(r.err.find("accept"), std::string::npos) << r.err;
    }
  }
  // The real lookup still works.
  const RunResult ok = login(kCheckpw, checkpassword_request("alice", ""), {"AUTHORIZED=1"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

// qmail-popup sends user\0password\0<timestamp>\0 for USER/PASS: a password of exactly 32
// hex digits looks like a CRAM-MD5 response and used to be rejected.
TEST_F(Regression, HexPasswordUnderQmailPopupIsTriedAsPlaintext) {
  const std::string hex_pw = "3f9a1c0b7e2d4a5f8c6b1e0d9a7f3c2b";  // openssl rand -hex 16
  tool({"add", "hexer", "--password-stdin"}, hex_pw + "\n");
  const std::string stamp = "<4242.1700000000@pop.example.org>";
  for (const std::string& prog : {kCram, kCheckpw}) {
    RunResult r = login(prog, checkpassword_request("hexer", hex_pw, stamp));
    EXPECT_EQ(r.exit_code, 0) << prog << ": " << r.err;
    EXPECT_TRUE(ran(r));
    EXPECT_NE(r.err.find("accept mech=plain"), std::string::npos) << r.err;
    test::expect_no_secrets(r.err, {hex_pw});
    std::string wrong = hex_pw;
    wrong[0] = '4';
    r = login(prog, checkpassword_request("hexer", wrong, stamp));
    EXPECT_EQ(r.exit_code, 1) << prog << ": " << r.err;
    r = login(prog, checkpassword_request("nobody-here", hex_pw, stamp));
    EXPECT_EQ(r.exit_code, 1) << prog << ": " << r.err;
  }
}

// A trigger planted in the file must not run inside the programs' bookkeeping (it
// re-enabled a disabled account and rewrote a setting on a failed login).
TEST_F(Regression, PlantedTriggerNeverRunsAndCheckReportsIt) {
  tool({"add", "carol", "--password-stdin"}, "carol-pw\n");
  tool({"disable", "carol"});
  test::db_exec(db_,
                "CREATE TRIGGER planted AFTER UPDATE OF failures ON accounts BEGIN "
                "UPDATE accounts SET enabled = 1 WHERE name = 'carol'; "
                "UPDATE settings SET value = '0' WHERE key = 'argon2_opslimit'; END;"
                "CREATE VIEW peek AS SELECT name FROM accounts");
  EXPECT_EQ(login(kCheckpw, checkpassword_request("alice", "wrong-password")).exit_code, 1);
  EXPECT_EQ(login(kCheckpw, checkpassword_request("carol", "carol-pw")).exit_code, 1)
      << "carol was re-enabled by the planted trigger";
  const std::string after = test::db_dump(db_);
  EXPECT_NE(after.find("settings: 'argon2_opslimit' '1'"), std::string::npos) << after;
  EXPECT_NE(after.find("accounts: 1 'alice'"), std::string::npos) << after;
  // userdb-tool's own writes do not run it either.
  tool({"disable", "alice"});
  tool({"enable", "alice"});
  EXPECT_EQ(login(kCheckpw, checkpassword_request("carol", "carol-pw")).exit_code, 1);
  const RunResult check = test::run_userdb_tool(db_, {"check"});
  EXPECT_EQ(check.exit_code, 111) << check.out;
  EXPECT_NE(check.err.find("trigger planted"), std::string::npos) << check.err;
  EXPECT_NE(check.err.find("view peek"), std::string::npos) << check.err;
  EXPECT_EQ(check.out.find("integrity: ok"), std::string::npos) << check.out;
}

// A row that userdb-tool would not write (here a home with an embedded NUL, which the
// environment and chdir would truncate) is refused with 111, never used.
TEST_F(Regression, HandEditedRowIsTemporaryFailure) {
  const std::string home = dir_.file("home");
  ASSERT_EQ(mkdir(home.c_str(), 0755), 0);
  tool({"add", "dora", "--home", home, "--password-stdin"}, "dora-pw\n");
  test::db_exec(db_, "UPDATE accounts SET home = '" + home +
                         "' || char(0) || '/../../etc' WHERE name = 'dora'");
  for (const std::string& prog : {kCheckpw, kCram}) {
    for (const char* pw : {"dora-pw", "wrong-password"}) {
      const RunResult r = login(prog, checkpassword_request("dora", pw));
      EXPECT_EQ(r.exit_code, 111) << prog << ": " << r.err;
      EXPECT_FALSE(ran(r));
      EXPECT_NE(r.err.find("not one userdb-tool would write"), std::string::npos) << r.err;
    }
  }
  const RunResult check = test::run_userdb_tool(db_, {"check"});
  EXPECT_EQ(check.exit_code, 111);
  EXPECT_NE(check.err.find("dora"), std::string::npos) << check.err;
  // Other accounts are unaffected.
  EXPECT_EQ(login(kCheckpw, checkpassword_request("alice", "alice-pw")).exit_code, 0);
}

}  // namespace
}  // namespace checkpw
