// The PostgreSQL store's own cases (doc/design.md section 7), with servers these tests start
// themselves (support/postgres.h): a server that is down, paused or refusing the password
// gives 111 and never a verdict; the programs' role can keep the books and nothing more;
// and a hot standby decides logins while its primary is gone.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/db.h"
#include "support/jobs.h"
#include "support/postgres.h"
#include "support/request.h"
#include "support/runner.h"
#include "support/util.h"

namespace checkpw {
namespace {

// Scheduling hint for the parallel test run (support/jobs.h): about 18 s.
CHECKPW_TEST_WEIGHT(18);

using test::checkpassword_request;
using test::PostgresServer;
using test::RunResult;

const std::string kCheckpw = CHECKPW_BUILD_DIR "/tests/bin/checkpw";
const std::string kCram = CHECKPW_BUILD_DIR "/tests/bin/cram-md5-checkpw";
constexpr char kRfcChallenge[] = "<1896.697170952@postoffice.reston.mci.net>";
constexpr char kRfcResponse[] = "b913a602c7eda7a495b4e6e7334d3890";

// One server with the owner and login roles and a database `mail` holding alice and bob
// (RFC 2195's tanstaaftanstaaf).
struct Site {
  std::unique_ptr<PostgresServer> pg = PostgresServer::start_primary();
  std::string owner, login;

  Site() {
    pg->create_role("mailowner", "owner-pw");
    pg->create_role("maillogin", "login-pw");
    pg->create_database("mail", "mailowner");
    owner = pg->uri("mailowner", "owner-pw", "mail");
    login = pg->uri("maillogin", "login-pw", "mail");
    tool({"init", "--login-role", "maillogin"});
    for (auto [k, v] : {std::pair{"argon2_opslimit", "1"},
                        {"argon2_memlimit", "8192"},
                        {"failure_delay_ms", "0"}}) {
      tool({"config", k, v});
    }
    tool({"add", "alice", "--password-stdin"}, "alice-pw\n");
    tool({"add", "bob", "--password-stdin"}, "tanstaaftanstaaf\n");
  }
  void tool(const std::vector<std::string>& args, const std::string& in = "") const {
    const RunResult r = test::run_userdb_tool(owner, args, in);
    if (r.exit_code != 0) throw std::runtime_error(args[0] + ": " + r.err);
  }
  std::string value(const std::string& query) const {
    const RunResult r = pg->sql(query, "mail");
    return r.out.substr(0, r.out.find('\n'));
  }
};

RunResult login(const std::string& location, const std::string& program, const std::string& fd3) {
  test::RunOptions o;
  o.argv = {program, "/bin/sh", "-c", "echo ran"};
  o.fd3_data = fd3;
  o.env = test::base_env();
  o.env.push_back("CHECKPW_DB=" + location);
  RunResult r = test::run(o);
  test::expect_no_secrets(r.err, {"alice-pw", "login-pw", "owner-pw", "tanstaaftanstaaf"});
  return r;
}

bool ran(const RunResult& r) {
  return r.out.find("ran\n") != std::string::npos;
}

TEST(PgLogin, DownRefusedOrPausedIsTemporaryFailureNeverAVerdict) {
  Site site;
  const std::string right = checkpassword_request("alice", "alice-pw");
  const std::string wrong = checkpassword_request("alice", "wrong-password");
  ASSERT_EQ(login(site.login, kCheckpw, right).exit_code, 0);

  // The server refuses the role's password: both a right and a wrong login get 111.
  const std::string bad_password = site.pg->uri("maillogin", "not-the-password", "mail");
  for (const std::string& req : {right, wrong}) {
    const RunResult r = login(bad_password, kCheckpw, req);
    EXPECT_EQ(r.exit_code, 111) << r.err;
    EXPECT_FALSE(ran(r));
    EXPECT_NE(r.err.find("password authentication failed"), std::string::npos) << r.err;
  }
  // A database that is not there, and a role that may not read the tables.
  EXPECT_EQ(login(site.pg->uri("maillogin", "login-pw", "nomail"), kCheckpw, right).exit_code, 111);
  site.pg->create_role("stranger", "stranger-pw");
  EXPECT_EQ(login(site.pg->uri("stranger", "stranger-pw", "mail"), kCheckpw, right).exit_code, 111);

  // Paused: the connection hangs until connect_timeout, then 111.
  site.pg->pause();
  const auto start = std::chrono::steady_clock::now();
  RunResult r = login(site.login + "&connect_timeout=2", kCram,
                      checkpassword_request("bob", kRfcResponse, kRfcChallenge));
  const auto took = std::chrono::steady_clock::now() - start;
  site.pg->resume();
  EXPECT_EQ(r.exit_code, 111) << r.err;
  EXPECT_FALSE(ran(r));
  EXPECT_LT(took, std::chrono::seconds(8)) << "well before the 10 s deadline";
  EXPECT_EQ(
      login(site.login, kCram, checkpassword_request("bob", kRfcResponse, kRfcChallenge)).exit_code,
      0);

  // Down: 111 for every kind of request.
  site.pg->stop();
  for (const std::string& req : {right, wrong, checkpassword_request("nobody-here", "x")}) {
    r = login(site.login, kCheckpw, req);
    EXPECT_EQ(r.exit_code, 111) << r.err;
    EXPECT_FALSE(ran(r));
  }
}

// A server slower than the run deadline: with a connect timeout longer than it, the
// deadline that holds until the settings are read (10 s; 2 s in the tests' copies of the
// programs) ends the run with 111, reason=deadline.
TEST(PgLogin, AServerSlowerThanTheDeadlineIsTemporaryFailure) {
  Site site;
  site.pg->pause();
  const auto start = std::chrono::steady_clock::now();
  const RunResult r = login(site.login + "&connect_timeout=60", kCheckpw,
                            checkpassword_request("alice", "alice-pw"));
  const auto took = std::chrono::steady_clock::now() - start;
  site.pg->resume();
  EXPECT_EQ(r.exit_code, 111) << r.err;
  EXPECT_FALSE(ran(r));
  EXPECT_NE(r.err.find("reason=deadline"), std::string::npos) << r.err;
  EXPECT_GE(took, std::chrono::milliseconds(1900));
  EXPECT_LT(took, std::chrono::seconds(9));
}

// init --login-role grants the programs' role SELECT and the bookkeeping columns only;
// the programs work with exactly that (the Checkpassword suite runs on it too).
TEST(PgLogin, TheLoginRoleKeepsTheBooksAndCannotChangeAnAccount) {
  Site site;
  auto as_login = [&](const std::string& sql) { return test::psql_run(site.login, sql); };
  EXPECT_EQ(as_login("SELECT count(*) FROM accounts").exit_code, 0);
  EXPECT_EQ(as_login("UPDATE accounts SET failures = failures WHERE name = 'alice'").exit_code, 0);
  for (const char* forbidden : {
           "INSERT INTO accounts (name, hash, created, changed) VALUES ('eve', 'x', 0, 0)",
           "DELETE FROM accounts",
           "UPDATE accounts SET enabled = true",
           "UPDATE accounts SET uid = 1000",
           "UPDATE accounts SET name = 'eve' WHERE name = 'alice'",
           "UPDATE accounts SET home = '/root'",
           "UPDATE settings SET value = '0' WHERE key = 'lockout_failures'",
           "DELETE FROM settings",
           "UPDATE checkpw_schema SET version = 1",
           "CREATE TABLE planted (x int)",
           "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
       }) {
    const RunResult r = as_login(forbidden);
    EXPECT_NE(r.exit_code, 0) << forbidden;
    EXPECT_NE(r.err.find("permission denied"), std::string::npos) << forbidden << ": " << r.err;
  }
  // The owner sees the store as userdb-tool wrote it.
  const RunResult check = test::run_userdb_tool(site.owner, {"check"});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_NE(check.out.find("accounts: 2"), std::string::npos) << check.out;
  EXPECT_EQ((check.out + check.err).find("owner-pw"), std::string::npos);
  // A table granted to PUBLIC, or a trigger, is reported and fails the check.
  EXPECT_EQ(site.pg->sql("GRANT SELECT ON accounts TO PUBLIC", "mail").exit_code, 0);
  EXPECT_EQ(test::run_userdb_tool(site.owner, {"check"}).exit_code, 111);
  EXPECT_EQ(site.pg->sql("REVOKE SELECT ON accounts FROM PUBLIC", "mail").exit_code, 0);
  EXPECT_EQ(site.pg
                ->sql("CREATE FUNCTION t() RETURNS trigger LANGUAGE plpgsql AS "
                      "'BEGIN RETURN NEW; END'; CREATE TRIGGER spy BEFORE UPDATE ON accounts "
                      "FOR EACH ROW EXECUTE FUNCTION t()",
                      "mail")
                .exit_code,
            0);
  const RunResult planted = test::run_userdb_tool(site.owner, {"check"});
  EXPECT_EQ(planted.exit_code, 111);
  EXPECT_NE(planted.err.find("trigger spy"), std::string::npos) << planted.err;
}

// Several mail hosts, the reason for PostgreSQL at all: each reads a local hot standby first
// (target_session_attrs=prefer-standby) and names the primary too, where the bookkeeping
// goes. An account added on the primary logs in on the standby; with the primary gone,
// logins are still decided and the books are skipped; lockout counts, written to the
// primary while it is up, lock the account on every host.
TEST(PgLogin, AHotStandbyDecidesLoginsWhileItsPrimaryIsGone) {
  Site site;
  site.tool({"config", "lockout_failures", "3"});
  auto standby = PostgresServer::start_standby(*site.pg);
  const std::string both =
      "postgresql://maillogin:login-pw@/mail?host=" + standby->socket_dir() + "," +
      site.pg->socket_dir() + "&port=" + std::to_string(standby->port()) + "," +
      std::to_string(site.pg->port()) + "&target_session_attrs=prefer-standby&connect_timeout=2";
  site.tool({"add", "carol", "--password-stdin"}, "carol-pw\n");
  ASSERT_TRUE(standby->wait_for_replay(*site.pg));
  EXPECT_EQ(standby->sql("SELECT pg_is_in_recovery()", "mail").out, "t\n");
  EXPECT_EQ(login(both, kCheckpw, checkpassword_request("carol", "carol-pw")).exit_code, 0);

  // The books reach the primary, and through it every standby.
  EXPECT_EQ(login(both, kCheckpw, checkpassword_request("alice", "wrong-1")).exit_code, 1);
  EXPECT_EQ(login(both, kCheckpw, checkpassword_request("alice", "wrong-2")).exit_code, 1);
  EXPECT_EQ(site.value("SELECT failures FROM accounts WHERE name = 'alice'"), "2");
  ASSERT_TRUE(standby->wait_for_replay(*site.pg));
  EXPECT_EQ(standby->sql("SELECT failures FROM accounts WHERE name = 'alice'", "mail").out, "2\n");

  // The primary stops: logins are decided on the standby, nothing is written.
  site.pg->stop();
  RunResult r = login(both, kCheckpw, checkpassword_request("carol", "carol-pw"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(ran(r));
  EXPECT_EQ(login(both, kCram, checkpassword_request("bob", kRfcResponse, kRfcChallenge)).exit_code,
            0);
  EXPECT_EQ(login(both, kCheckpw, checkpassword_request("carol", "wrong-3")).exit_code, 1);
  EXPECT_EQ(login(both, kCheckpw, checkpassword_request("nobody-here", "x")).exit_code, 1);
  EXPECT_EQ(standby->sql("SELECT failures FROM accounts WHERE name = 'carol'", "mail").out, "0\n")
      << "a read-only session keeps no books";
  EXPECT_EQ(login(both, kCheckpw, checkpassword_request("alice", "alice-pw")).exit_code, 0)
      << "two failures lock nothing";

  // Back up: the third failure is counted on the primary and locks alice everywhere.
  site.pg->start();
  EXPECT_EQ(login(both, kCheckpw, checkpassword_request("alice", "wrong-3")).exit_code, 1);
  EXPECT_EQ(site.value("SELECT failures FROM accounts WHERE name = 'alice'"), "3");
  ASSERT_TRUE(standby->wait_for_replay(*site.pg));
  r = login(both, kCheckpw, checkpassword_request("alice", "alice-pw"));
  EXPECT_EQ(r.exit_code, 1) << "locked: " << r.err;
  EXPECT_FALSE(ran(r));
}

}  // namespace
}  // namespace checkpw
