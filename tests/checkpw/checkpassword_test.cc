// Runs the real checkpw and cram-md5-checkpw binaries the way qmail and Dovecot do:
// a real pipe on fd 3, a real store made by the real userdb-tool, and a subprogram that
// reports who it ran as. Every case scans stderr for secrets. Every test runs twice: on
// an SQLite file and on a real PostgreSQL 15 (support/store.h), where the programs
// connect as the least-privileged login role; the few that are about one store say so.
#include <crypt.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <ctime>
#include <string>
#include <vector>

#include "core/cram_md5.h"
#include "support/db.h"
#include "support/jobs.h"
#include "support/request.h"
#include "support/runner.h"
#include "support/store.h"
#include "support/util.h"

namespace checkpw {
namespace {

// Scheduling hint for the parallel test run (support/jobs.h): about 25 s.
CHECKPW_TEST_WEIGHT(25);

using test::checkpassword_request;
using test::Fd3;
using test::RunOptions;
using test::RunResult;

// The tests' copies of the programs (Makefile: TEST_PROG_BINS).
const std::string kBin = std::string(CHECKPW_BUILD_DIR) + "/tests/bin/";
const std::string kCheckpw = kBin + "checkpw";
const std::string kCram = kBin + "cram-md5-checkpw";

constexpr char kRfcChallenge[] = "<1896.697170952@postoffice.reston.mci.net>";
constexpr char kRfcResponse[] = "b913a602c7eda7a495b4e6e7334d3890";
constexpr char kAlicePassword[] = "correct horse battery";
constexpr char kBobPassword[] = "tanstaaftanstaaf";  // RFC 2195's example secret

// The subprogram: prints its identity, directory and environment, one per line.
const std::vector<std::string> kReport = {
    "/bin/sh", "-c",
    "echo uid=$(id -u) gid=$(id -g) groups=$(id -G); echo cwd=$(pwd); "
    "echo USER=$USER; echo HOME=$HOME; echo SHELL=$SHELL; echo EXTRA=$EXTRA; "
    "echo userdb_uid=$userdb_uid; echo AUTHORIZED=$AUTHORIZED; echo password=$password; "
    "echo ran"};

class Checkpassword : public testing::TestWithParam<test::StoreKind> {
 protected:
  void SetUp() override {
    db_ = store_.admin();
    tool(store_.init_args());
    // Cheap hashes keep the suite fast; the cost itself is tested in lib.
    tool({"config", "argon2_opslimit", "1"});
    tool({"config", "argon2_memlimit", "8192"});
    tool({"config", "failure_delay_ms", "0"});
    tool({"add", "alice", "--password-stdin"}, std::string(kAlicePassword) + "\n");
    tool({"add", "bob", "--password-stdin"}, std::string(kBobPassword) + "\n");
    tool({"add", "carol", "--password-stdin"}, "carol-pw\n");
    tool({"disable", "carol"});
    tool({"add", "dave", "--no-cram-md5", "--password-stdin"}, "dave-pw\n");
    home_ = dir_.file("home-erin");
    ASSERT_EQ(mkdir(home_.c_str(), 0755), 0);
    tool({"add", "erin", "--uid", "4242", "--gid", "4343", "--home", home_, "--shell", "/bin/false",
          "--password-stdin"},
         "erin-pw\n");
    tool({"add", "zero", "--uid", "4000", "--gid", "4000", "--password-stdin"}, "zero-pw\n");
    // userdb-tool refuses uid 0; a hostile or hand-edited row must still be refused.
    store_.plant_ids("zero", 0, 0);
    tool({"add", "rootgrp", "--uid", "4001", "--gid", "4001", "--password-stdin"}, "rootgrp-pw\n");
    store_.plant_ids("rootgrp", 4001, 0);
  }

  void tool(const std::vector<std::string>& args, const std::string& stdin_data = "") {
    const RunResult r = test::run_userdb_tool(db_, args, stdin_data);
    ASSERT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
  }

  RunResult check(const std::string& program, const std::string& fd3_data,
                  std::vector<std::string> extra_env = {}, std::vector<std::string> sub = kReport) {
    RunOptions o;
    o.argv = {program};
    o.argv.insert(o.argv.end(), sub.begin(), sub.end());
    o.fd3_data = fd3_data;
    // getenv() takes the first match: the test's own variables come first.
    o.env = extra_env;
    o.env.push_back("CHECKPW_DB=" + store_.login());
    o.env.push_back("TCPREMOTEIP=192.0.2.1");
    for (const auto& e : test::base_env()) o.env.push_back(e);
    RunResult r = test::run(o);
    expect_no_secrets(r.err);
    return r;
  }

  // No password, response, challenge or hash may ever reach a log.
  static void expect_no_secrets(const std::string& err) {
    test::expect_no_secrets(
        err, {kAlicePassword, kBobPassword, kRfcResponse, kRfcChallenge, "carol-pw", "dave-pw",
              "erin-pw", "zero-pw", "rootgrp-pw", "wrong-password"});
  }

  static bool ran(const RunResult& r) { return r.out.find("ran\n") != std::string::npos; }

  // The CRAM-MD5 secret of `name` in lower-case hex, "" when there is none.
  std::string cram_hex(const std::string& name) const {
    const std::string col = store_.postgres() ? "encode(cram_md5, 'hex')" : "lower(hex(cram_md5))";
    return store_.value("SELECT " + col + " FROM accounts WHERE name = '" + name + "'");
  }

  test::TempDir dir_;
  test::TestStore store_{GetParam(), dir_};
  std::string db_;  // for userdb-tool: the file, or the owner's URI
  std::string home_;
};

INSTANTIATE_TEST_SUITE_P(Stores, Checkpassword,
                         testing::Values(test::StoreKind::kSqlite, test::StoreKind::kPostgres),
                         test::store_test_name);

// ---- accepted requests -------------------------------------------------------------

TEST_P(Checkpassword, PlaintextAcceptedExecsSubprogramWithUser) {
  for (const std::string& prog : {kCheckpw, kCram}) {
    RunResult r = check(prog, checkpassword_request("alice", kAlicePassword));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(ran(r));
    EXPECT_NE(r.out.find("USER=alice\n"), std::string::npos);
    EXPECT_NE(r.err.find("accept mech=plain remote=192.0.2.1 user=alice"), std::string::npos)
        << r.err;
  }
}

TEST_P(Checkpassword, Rfc2195ExampleInBothFieldOrders) {
  RunResult a = check(kCram, checkpassword_request("bob", kRfcResponse, kRfcChallenge));
  EXPECT_EQ(a.exit_code, 0) << a.err;
  EXPECT_TRUE(ran(a));
  EXPECT_NE(a.err.find("accept mech=cram-md5"), std::string::npos) << a.err;
  RunResult b = check(kCram, checkpassword_request("bob", kRfcChallenge, kRfcResponse));
  EXPECT_EQ(b.exit_code, 0) << b.err;
  EXPECT_TRUE(ran(b));
  // Upper-case hex is the same response.
  RunResult c =
      check(kCram, checkpassword_request("bob", "B913A602C7EDA7A495B4E6E7334D3890", kRfcChallenge));
  EXPECT_EQ(c.exit_code, 0) << c.err;
}

TEST_P(Checkpassword, QmailPopupUserPassWithTimestamp) {
  const std::string stamp = "<12345.1700000000@pop.example.org>";
  for (const std::string& prog : {kCheckpw, kCram}) {
    RunResult r = check(prog, checkpassword_request("alice", kAlicePassword, stamp));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(ran(r));
  }
}

TEST_P(Checkpassword, RequestOfExactly512BytesIsAccepted) {
  std::string data = checkpassword_request("alice", kAlicePassword, "<");
  data.pop_back();
  data += std::string(512 - data.size() - 2, '1');
  data += ">";
  data += '\0';
  ASSERT_EQ(data.size(), 512u);
  RunResult r = check(kCheckpw, data);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(ran(r));
}

TEST_P(Checkpassword, ExitStatusIsTheSubprograms) {
  RunResult r = check(kCheckpw, checkpassword_request("alice", kAlicePassword), {},
                      {"/bin/sh", "-c", "exit 7"});
  EXPECT_EQ(r.exit_code, 7);
}

// ---- the bad-input table: never exec, never exit 0 ---------------------------------

struct BadCase {
  const char* name;
  std::string program;
  Fd3 fd3;
  std::string data;
  int expected;
};

std::vector<BadCase> bad_cases() {
  const std::string r31 = std::string(kRfcResponse).substr(1);
  const std::string r33 = std::string(kRfcResponse) + "0";
  std::string nonhex = kRfcResponse;
  nonhex[7] = 'g';
  const std::string hex_b = "0123456789abcdef0123456789ABCDEF";
  return {
      {"fd3-closed", kCheckpw, Fd3::kClosed, "", 2},
      {"fd3-empty", kCheckpw, Fd3::kPipe, "", 2},
      {"fd3-write-only", kCheckpw, Fd3::kWriteOnly, "", 2},
      {"no-nul", kCheckpw, Fd3::kPipe, "alice", 2},
      {"one-nul", kCheckpw, Fd3::kPipe, std::string("alice\0", 6), 2},
      {"one-nul-cram", kCram, Fd3::kPipe, std::string("bob\0", 4), 2},
      {"513-bytes", kCheckpw, Fd3::kPipe, std::string(513, 'a'), 1},
      {"513-bytes-valid-prefix", kCheckpw, Fd3::kPipe,
       checkpassword_request("alice", kAlicePassword, std::string(513, '1')), 1},
      {"empty-user", kCheckpw, Fd3::kPipe, checkpassword_request("", kAlicePassword), 1},
      {"empty-password", kCheckpw, Fd3::kPipe, checkpassword_request("alice", ""), 1},
      {"empty-password-cram", kCram, Fd3::kPipe, checkpassword_request("alice", ""), 1},
      {"511-byte-password", kCheckpw, Fd3::kPipe,
       checkpassword_request("alice", std::string(511, 'p')), 1},
      {"control-char-user", kCheckpw, Fd3::kPipe,
       checkpassword_request("ali\x01"
                             "ce",
                             kAlicePassword),
       1},
      {"tab-user", kCheckpw, Fd3::kPipe, checkpassword_request("alice\t", kAlicePassword), 1},
      {"newline-user", kCheckpw, Fd3::kPipe, checkpassword_request("alice\nreject", kAlicePassword),
       1},
      {"invalid-utf8-user", kCheckpw, Fd3::kPipe,
       checkpassword_request("\xff\xfe"
                             "alice",
                             kAlicePassword),
       1},
      {"sql-injection-user", kCheckpw, Fd3::kPipe,
       checkpassword_request("' OR 1=1 --", kAlicePassword), 1},
      {"sql-injection-quote", kCheckpw, Fd3::kPipe,
       checkpassword_request("alice' --", kAlicePassword), 1},
      {"percent-user", kCheckpw, Fd3::kPipe, checkpassword_request("%", kAlicePassword), 1},
      {"underscore-user", kCheckpw, Fd3::kPipe, checkpassword_request("alic_", kAlicePassword), 1},
      {"like-pattern-user", kCheckpw, Fd3::kPipe, checkpassword_request("a%", kAlicePassword), 1},
      {"case-differs", kCheckpw, Fd3::kPipe, checkpassword_request("Alice", kAlicePassword), 1},
      {"trailing-space", kCheckpw, Fd3::kPipe, checkpassword_request("alice ", kAlicePassword), 1},
      {"wrong-password", kCheckpw, Fd3::kPipe, checkpassword_request("alice", "wrong-password"), 1},
      {"unknown-user", kCheckpw, Fd3::kPipe, checkpassword_request("nobody-here", "wrong-password"),
       1},
      {"response-31-hex", kCram, Fd3::kPipe, checkpassword_request("bob", r31, kRfcChallenge), 1},
      {"response-33-hex", kCram, Fd3::kPipe, checkpassword_request("bob", r33, kRfcChallenge), 1},
      {"response-non-hex", kCram, Fd3::kPipe, checkpassword_request("bob", nonhex, kRfcChallenge),
       1},
      {"both-fields-32-hex", kCram, Fd3::kPipe, checkpassword_request("bob", hex_b, kRfcResponse),
       1},
      {"wrong-response", kCram, Fd3::kPipe,
       checkpassword_request("bob", "00000000000000000000000000000000", kRfcChallenge), 1},
      {"response-wrong-challenge", kCram, Fd3::kPipe,
       checkpassword_request("bob", kRfcResponse, "<1.2@host>"), 1},
      {"cram-unknown-user", kCram, Fd3::kPipe,
       checkpassword_request("nobody-here", kRfcResponse, kRfcChallenge), 1},
      {"cram-without-secret", kCram, Fd3::kPipe,
       checkpassword_request("dave", kRfcResponse, kRfcChallenge), 1},
      {"cram-response-to-checkpw", kCheckpw, Fd3::kPipe,
       checkpassword_request("bob", kRfcResponse, kRfcChallenge), 1},
      {"disabled-account", kCheckpw, Fd3::kPipe, checkpassword_request("carol", "carol-pw"), 1},
      {"uid-zero-account", kCheckpw, Fd3::kPipe, checkpassword_request("zero", "zero-pw"), 1},
      {"gid-zero-account", kCheckpw, Fd3::kPipe, checkpassword_request("rootgrp", "rootgrp-pw"), 1},
  };
}

TEST_P(Checkpassword, BadInputTableNeverExecsNorExitsZero) {
  const auto cases = bad_cases();
  ASSERT_GE(cases.size(), 30u);
  for (const BadCase& c : cases) {
    RunOptions o;
    o.argv = {c.program};
    o.argv.insert(o.argv.end(), kReport.begin(), kReport.end());
    o.fd3 = c.fd3;
    o.fd3_data = c.data;
    o.env = test::base_env();
    o.env.push_back("CHECKPW_DB=" + store_.login());
    const RunResult r = test::run(o);
    EXPECT_EQ(r.exit_code, c.expected) << c.name << ": " << r.err;
    EXPECT_FALSE(ran(r)) << c.name;
    expect_no_secrets(r.err);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n') >= 1, true) << c.name;
  }
}

TEST_P(Checkpassword, RejectionDoesNotNameTheUserUnlessAsked) {
  RunResult r = check(kCheckpw, checkpassword_request("alice", "wrong-password"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("checkpw: reject mech=plain remote=192.0.2.1 reason="), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("alice"), std::string::npos) << r.err;
  tool({"config", "log_failed_names", "yes"});
  r = check(kCheckpw, checkpassword_request("alice", "wrong-password"));
  EXPECT_NE(r.err.find("user=alice"), std::string::npos) << r.err;
}

// ---- misuse and temporary failures ---------------------------------------------------

TEST_P(Checkpassword, NoSubprogramIsMisuse) {
  RunResult r = check(kCheckpw, checkpassword_request("alice", kAlicePassword), {}, {});
  EXPECT_EQ(r.exit_code, 2);
}

TEST_P(Checkpassword, MissingOrNonExecutableSubprogramIsTempFail) {
  RunResult r = check(kCheckpw, checkpassword_request("alice", kAlicePassword), {},
                      {dir_.file("no-such-program")});
  EXPECT_EQ(r.exit_code, 111) << r.err;
  const std::string plain = dir_.file("not-executable");
  test::write_file(plain, "#!/bin/sh\necho ran\n");
  ASSERT_EQ(chmod(plain.c_str(), 0644), 0);
  r = check(kCheckpw, checkpassword_request("alice", kAlicePassword), {}, {plain});
  EXPECT_EQ(r.exit_code, 111) << r.err;
  EXPECT_FALSE(ran(r));
}

TEST_P(Checkpassword, DatabaseMissingIsTempFail) {
  const std::string none = store_.postgres() ? store_.login() + "x" : dir_.file("none.db");
  RunResult r =
      check(kCheckpw, checkpassword_request("alice", kAlicePassword), {"CHECKPW_DB=" + none});
  EXPECT_EQ(r.exit_code, 111) << r.err;
  EXPECT_FALSE(ran(r));
}

TEST_P(Checkpassword, DatabaseNotSqliteIsTempFail) {
  if (store_.postgres()) GTEST_SKIP() << "an SQLite file case (pg_login_test.cc has PostgreSQL's)";
  const std::string junk = dir_.file("junk.db");
  test::write_file(junk, std::string(4096, 'x'));
  RunResult r =
      check(kCheckpw, checkpassword_request("alice", kAlicePassword), {"CHECKPW_DB=" + junk});
  EXPECT_EQ(r.exit_code, 111) << r.err;
  EXPECT_FALSE(ran(r));
}

TEST_P(Checkpassword, DatabaseOfNewerSchemaIsTempFail) {
  store_.exec(store_.postgres() ? "UPDATE checkpw_schema SET version = 999"
                                : "PRAGMA user_version = 999");
  RunResult r = check(kCheckpw, checkpassword_request("alice", kAlicePassword));
  EXPECT_EQ(r.exit_code, 111) << r.err;
  EXPECT_NE(r.err.find("schema"), std::string::npos) << r.err;
}

TEST_P(Checkpassword, DatabaseUnreadableIsTempFail) {
  if (store_.postgres()) GTEST_SKIP() << "an SQLite file case (pg_login_test.cc has PostgreSQL's)";
  // As an unprivileged caller the 0600 root-owned file cannot be read.
  ASSERT_EQ(chmod(dir_.path().c_str(), 0755), 0);
  RunOptions o;
  o.argv = {kCheckpw};
  o.argv.insert(o.argv.end(), kReport.begin(), kReport.end());
  o.fd3_data = checkpassword_request("alice", kAlicePassword);
  o.env = test::base_env();
  o.env.push_back("CHECKPW_DB=" + store_.login());
  o.as = test::kNobody;
  if (geteuid() != 0) GTEST_SKIP() << "needs root to run as another user";
  o.argv[0] = test::reachable_copy(dir_, kCheckpw);
  const RunResult r = test::run(o);
  EXPECT_EQ(r.exit_code, 111) << r.err;
  EXPECT_FALSE(ran(r));
}

TEST_P(Checkpassword, DatabaseLockedPastBusyTimeoutIsTempFail) {
  if (store_.postgres()) GTEST_SKIP() << "an SQLite file case (pg_login_test.cc has PostgreSQL's)";
  // The settings live in the locked file, so this read waits the busy timeout that holds
  // until they are read (5 s; 1 s in the tests' copies of the programs).
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db_.c_str(), &h), SQLITE_OK);
  // An exclusive-locking writer keeps every other connection out, even in WAL mode.
  ASSERT_EQ(sqlite3_exec(h,
                         "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; "
                         "UPDATE accounts SET enabled = enabled;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  RunResult r = check(kCheckpw, checkpassword_request("alice", kAlicePassword));
  sqlite3_exec(h, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(h);
  EXPECT_EQ(r.exit_code, 111) << r.err;
  EXPECT_FALSE(ran(r));
  // With the writer gone the same request succeeds.
  r = check(kCheckpw, checkpassword_request("alice", kAlicePassword));
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// ---- Dovecot mode (not setuid) -----------------------------------------------------

TEST_P(Checkpassword, DovecotLookupOfUnknownUserExitsThree) {
  RunResult r =
      check(kCheckpw, checkpassword_request("nobody-here", ""), {"AUTHORIZED=1", "ORIG_UID=0"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_FALSE(ran(r));
}

TEST_P(Checkpassword, DovecotLookupOfKnownUserSetsAuthorizedAndUserdbFields) {
  RunResult r = check(kCheckpw, checkpassword_request("erin", ""), {"AUTHORIZED=1", "ORIG_UID=0"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("AUTHORIZED=2\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("userdb_uid=4242\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("userdb_uid"), std::string::npos);
  EXPECT_EQ(r.out.find("password={"), std::string::npos) << "no credentials unless asked";
}

TEST_P(Checkpassword, DovecotCredentialsLookupHandsBackCramMd5Secret) {
  RunResult r = check(kCram, checkpassword_request("bob", ""),
                      {"AUTHORIZED=1", "ORIG_UID=0", "CREDENTIALS_LOOKUP=1", "SCHEME=CRAM-MD5"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::array<unsigned char, kCramMd5SecretSize> secret;
  cram_md5_secret(test::bytes_of(kBobPassword), secret);
  EXPECT_NE(r.out.find("password={CRAM-MD5}" + test::to_hex(secret.data(), secret.size())),
            std::string::npos)
      << r.out;
  // The secret is handed to Dovecot on its pipe, never logged.
  EXPECT_EQ(r.err.find(test::to_hex(secret.data(), secret.size())), std::string::npos);
}

TEST_P(Checkpassword, DovecotAuthenticationDoesNotSwitchIdentity) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  RunResult r = check(kCheckpw, checkpassword_request("erin", "erin-pw"), {"ORIG_UID=0"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("uid=0 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("userdb_uid=4242\n"), std::string::npos) << r.out;
}

// ---- identity switch as root ------------------------------------------------------------

TEST_P(Checkpassword, RootSwitchesToTheAccountsIdentity) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  ASSERT_EQ(chmod(dir_.path().c_str(), 0755), 0);  // uid 4242 must reach its home
  RunResult r = check(kCheckpw, checkpassword_request("erin", "erin-pw"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("uid=4242 gid=4343 groups=4343\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cwd=" + home_ + "\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("USER=erin\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("HOME=" + home_ + "\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("SHELL=/bin/false\n"), std::string::npos) << r.out;
}

TEST_P(Checkpassword, MissingHomeIsTempFail) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  ASSERT_EQ(rmdir(home_.c_str()), 0);
  RunResult r = check(kCheckpw, checkpassword_request("erin", "erin-pw"));
  EXPECT_EQ(r.exit_code, 111) << r.err;
  EXPECT_FALSE(ran(r));
}

}  // namespace
}  // namespace checkpw

namespace checkpw {
namespace {

// ---- bookkeeping after the verdict ------------------------------------------------

TEST_P(Checkpassword, RecordsLastLoginAndFailures) {
  EXPECT_EQ(store_.value("SELECT last_login FROM accounts WHERE name = 'alice'"), "");
  EXPECT_EQ(check(kCheckpw, checkpassword_request("alice", "wrong-password")).exit_code, 1);
  EXPECT_EQ(check(kCram,
                  checkpassword_request("alice", "00000000000000000000000000000000", kRfcChallenge))
                .exit_code,
            1);
  EXPECT_EQ(store_.value("SELECT failures FROM accounts WHERE name = 'alice'"), "2");
  EXPECT_EQ(store_.value("SELECT total_failures FROM accounts WHERE name = 'alice'"), "2");
  EXPECT_EQ(check(kCheckpw, checkpassword_request("alice", kAlicePassword)).exit_code, 0);
  EXPECT_NE(store_.value("SELECT last_login FROM accounts WHERE name = 'alice'"), "");
  EXPECT_EQ(store_.value("SELECT failures FROM accounts WHERE name = 'alice'"), "0");
  EXPECT_EQ(store_.value("SELECT total_failures FROM accounts WHERE name = 'alice'"), "2");
}

// A mail client that polls every minute costs no write (a write per poll would be a
// write per minute per client). A success writes only
// when last_login is older than last_login_interval_s (or missing, or in the future), or
// when there are failures to clear.
TEST_P(Checkpassword, LastLoginIsWrittenAtMostOncePerInterval) {
  auto last_login = [&] {
    return store_.value("SELECT last_login FROM accounts WHERE name = 'alice'");
  };
  auto ago = [](long s) { return std::to_string(static_cast<long>(std::time(nullptr)) - s); };
  auto set_last_login = [&](const std::string& v) {
    store_.exec("UPDATE accounts SET last_login = " + v + " WHERE name = 'alice'");
  };
  auto login = [&] {
    return check(kCheckpw, checkpassword_request("alice", kAlicePassword)).exit_code;
  };
  ASSERT_EQ(login(), 0);
  ASSERT_NE(last_login(), "");
  set_last_login(ago(100));
  const std::string recent = last_login();
  EXPECT_EQ(login(), 0);
  EXPECT_EQ(last_login(), recent) << "written within the 300 s interval";
  set_last_login(ago(400));
  const std::string old = last_login();
  EXPECT_EQ(login(), 0);
  EXPECT_GT(std::stoll(last_login()), std::stoll(old) + 300);
  set_last_login(ago(-100000));  // a clock that went back: rewritten
  EXPECT_EQ(login(), 0);
  EXPECT_LT(std::stoll(last_login()), std::stoll(old) + 1000);
  // A failure in between is cleared at the next success, whatever the interval.
  set_last_login(ago(10));
  EXPECT_EQ(check(kCheckpw, checkpassword_request("alice", "wrong-password")).exit_code, 1);
  EXPECT_EQ(store_.value("SELECT failures FROM accounts WHERE name = 'alice'"), "1");
  EXPECT_EQ(login(), 0);
  EXPECT_EQ(store_.value("SELECT failures FROM accounts WHERE name = 'alice'"), "0");
  // 0: every success is written.
  tool({"config", "last_login_interval_s", "0"});
  set_last_login(ago(10));
  const std::string ten_ago = last_login();
  EXPECT_EQ(login(), 0);
  EXPECT_NE(last_login(), ten_ago);
}

TEST_P(Checkpassword, WeakerHashIsUpgradedAtLogin) {
  const std::string before = store_.value("SELECT hash FROM accounts WHERE name = 'alice'");
  ASSERT_NE(before.find("t=1"), std::string::npos) << "fixture cost changed";
  tool({"config", "argon2_opslimit", "2"});
  EXPECT_EQ(check(kCheckpw, checkpassword_request("alice", "wrong-password")).exit_code, 1);
  EXPECT_EQ(store_.value("SELECT hash FROM accounts WHERE name = 'alice'"), before);
  EXPECT_EQ(check(kCheckpw, checkpassword_request("alice", kAlicePassword)).exit_code, 0);
  const std::string after = store_.value("SELECT hash FROM accounts WHERE name = 'alice'");
  EXPECT_NE(after.find("$argon2id$"), std::string::npos);
  EXPECT_NE(after.find("t=2"), std::string::npos) << after;
  EXPECT_EQ(check(kCheckpw, checkpassword_request("alice", kAlicePassword)).exit_code, 0);
  // dave chose no CRAM-MD5 secret; the upgrade keeps that choice.
  EXPECT_EQ(check(kCheckpw, checkpassword_request("dave", "dave-pw")).exit_code, 0);
  EXPECT_EQ(cram_hex("dave"), "");
}

TEST_P(Checkpassword, LegacyCryptHashIsReplacedByArgon2idAndCramSecret) {
  // An account imported with a SHA-512 crypt(3) string and no CRAM-MD5 secret.
  const char* legacy = crypt("carol-pw", "$6$saltsalt$");
  ASSERT_NE(legacy, nullptr);
  ASSERT_EQ(std::string(legacy).rfind("$6$", 0), 0u);
  store_.exec(std::string("UPDATE accounts SET cram_md5 = NULL, hash = '") + legacy +
              "' WHERE name = 'carol'");
  tool({"enable", "carol"});
  EXPECT_EQ(check(kCheckpw, checkpassword_request("carol", "wrong-password")).exit_code, 1);
  EXPECT_EQ(store_.value("SELECT hash FROM accounts WHERE name = 'carol'"), legacy);
  RunResult r = check(kCheckpw, checkpassword_request("carol", "carol-pw"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string after = store_.value("SELECT hash FROM accounts WHERE name = 'carol'");
  EXPECT_EQ(after.rfind("$argon2id$", 0), 0u) << after;
  std::array<unsigned char, kCramMd5SecretSize> secret;
  cram_md5_secret(test::bytes_of("carol-pw"), secret);
  EXPECT_EQ(cram_hex("carol"), test::to_hex(secret.data(), secret.size()));
  EXPECT_EQ(check(kCheckpw, checkpassword_request("carol", "carol-pw")).exit_code, 0);
}

}  // namespace
}  // namespace checkpw

namespace checkpw {
namespace {

TEST_P(Checkpassword, DefaultDomainCompletesABareName) {
  tool({"add", "frank@example.org", "--password-stdin"}, "frank-pw\n");
  RunResult r = check(kCheckpw, checkpassword_request("frank", "frank-pw"));
  EXPECT_EQ(r.exit_code, 1) << "no default domain yet: " << r.err;
  tool({"config", "default_domain", "example.org"});
  r = check(kCheckpw, checkpassword_request("frank", "frank-pw"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("USER=frank@example.org\n"), std::string::npos) << r.out;
  r = check(kCheckpw, checkpassword_request("frank@example.org", "frank-pw"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = check(kCheckpw, checkpassword_request("frank@other.example", "frank-pw"));
  EXPECT_EQ(r.exit_code, 1) << "a name with a domain is taken as it is: " << r.err;
  r = check(kCheckpw,
            checkpassword_request("alice", kAlicePassword));  // exact names still come first
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace checkpw

namespace checkpw {
namespace {

// doc/design.md section 5: closed fds 0-2 are reopened on /dev/null without disturbing fd 3
// (the request) or any descriptor above it (Dovecot's reply pipe on fd 4).
TEST_P(Checkpassword, ClosedStandardDescriptorsAndFd4AreHandled) {
  RunOptions o;
  // The shell opens fd 4 on a file, closes 0-2 and execs checkpw; the subprogram
  // reports through fd 4 what it found.
  o.argv = {"/bin/sh", "-c",
            "exec 4>\"" + dir_.file("fd4") +
                "\"; exec 0<&- 1>&- 2>&- \"$0\" /bin/sh -c "
                "'echo USER=$USER >&4; read x; echo read=$? >&4; echo out && echo stdout-open >&4'",
            kCheckpw};
  o.fd3_data = checkpassword_request("alice", kAlicePassword);
  o.env = test::base_env();
  o.env.push_back("CHECKPW_DB=" + store_.login());
  const RunResult r = test::run(o);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string fd4 = test::read_file(dir_.file("fd4"));
  EXPECT_NE(fd4.find("USER=alice\n"), std::string::npos) << fd4;
  EXPECT_NE(fd4.find("read=1\n"), std::string::npos) << "stdin is /dev/null: " << fd4;
  EXPECT_NE(fd4.find("stdout-open\n"), std::string::npos) << fd4;
}

}  // namespace
}  // namespace checkpw

namespace checkpw {
namespace {

// The decision reads past a writer (WAL); the best-effort bookkeeping after it gives up
// quickly instead of holding the login for the 5 s busy timeout.
TEST_P(Checkpassword, WriterMidTransactionDelaysNeitherVerdictNorLogin) {
  if (store_.postgres()) GTEST_SKIP() << "an SQLite file case (pg_login_test.cc has PostgreSQL's)";
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db_.c_str(), &h), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(h, "BEGIN IMMEDIATE; UPDATE accounts SET total_failures = 7;", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  const auto start = std::chrono::steady_clock::now();
  const RunResult ok = check(kCheckpw, checkpassword_request("alice", kAlicePassword));
  const RunResult bad = check(kCheckpw, checkpassword_request("alice", "wrong-password"));
  const auto took = std::chrono::steady_clock::now() - start;
  sqlite3_exec(h, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(h);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(bad.exit_code, 1) << bad.err;
  EXPECT_LT(took, std::chrono::seconds(4)) << "bookkeeping waited out the busy timeout";
  // The counters were skipped, not half-written.
  EXPECT_EQ(store_.value("SELECT failures FROM accounts WHERE name = 'alice'"), "0");
}

}  // namespace
}  // namespace checkpw
