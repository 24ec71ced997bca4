// The PostgreSQL harness itself (tests/support/postgres.h): real servers, passwords that
// are checked, a standby that streams and refuses writes, stop by pid, pause and resume.
#include "support/postgres.h"

#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>

namespace checkpw {
namespace {

using test::PostgresServer;
using test::psql_run;
using test::RunResult;

// Every character the URI must percent-encode, and both SQL quotes.
const std::string kPassword = "p@ss:w/rd %&?#='\"+";

bool process_gone(pid_t pid) {
  return kill(pid, 0) != 0 && errno == ESRCH;
}

TEST(PostgresHarness, PasswordsAreCheckedOverTheSocket) {
  const auto pg = PostgresServer::start_primary();
  ASSERT_TRUE(pg->running());
  ASSERT_GT(pg->pid(), 0);
  EXPECT_EQ(kill(pg->pid(), 0), 0);
  EXPECT_EQ(pg->sql("SHOW listen_addresses;\n").out, "\n");
  struct stat st {};
  ASSERT_EQ(stat((pg->socket_dir() + "/.s.PGSQL." + std::to_string(pg->port())).c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  if (geteuid() == 0) {
    const passwd* pw = getpwnam("postgres");
    ASSERT_NE(pw, nullptr);
    ASSERT_EQ(stat(pg->data_dir().c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, pw->pw_uid);
  }

  pg->create_role("alice", kPassword);
  pg->create_database("alice db", "alice");
  EXPECT_EQ(pg->sql("SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid "
                    "WHERE rolname = 'alice';\n")
                .out,
            "t\n");
  EXPECT_THROW(pg->create_role("alice", "again"), std::runtime_error);

  const RunResult right =
      psql_run(pg->uri("alice", kPassword, "alice db"), "SELECT current_user, current_database();");
  EXPECT_EQ(right.exit_code, 0) << right.err;
  EXPECT_EQ(right.out, "alice|alice db\n");

  const RunResult wrong = psql_run(pg->uri("alice", kPassword + "x", "alice db"), "SELECT 1;");
  EXPECT_EQ(wrong.exit_code, 2) << wrong.out;
  EXPECT_NE(wrong.err.find("password authentication failed for user \"alice\""), std::string::npos)
      << wrong.err;
  EXPECT_EQ(wrong.out, "");

  // Root is not the server's OS user: no peer login as the superuser, and no password one.
  if (geteuid() == 0) {
    const RunResult root = psql_run(pg->uri("postgres", "", "postgres"), "SELECT 1;");
    EXPECT_EQ(root.exit_code, 2);
    EXPECT_NE(root.err.find("Peer authentication failed for user \"postgres\""), std::string::npos)
        << root.err;
  }
}

TEST(PostgresHarness, StandbyStreamsRefusesWritesAndOutlivesItsPrimary) {
  const auto primary = PostgresServer::start_primary();
  const auto standby = PostgresServer::start_standby(*primary);
  EXPECT_NE(standby->port(), primary->port());
  EXPECT_NE(standby->socket_dir(), primary->socket_dir());
  EXPECT_NE(standby->pid(), primary->pid());
  EXPECT_EQ(primary->sql("SELECT pg_is_in_recovery();\n").out, "f\n");
  EXPECT_EQ(standby->sql("SELECT pg_is_in_recovery();\n").out, "t\n");

  // Written after the base backup: only streaming can bring it to the standby.
  const RunResult write =
      primary->sql("CREATE TABLE t (v text);\nINSERT INTO t VALUES ('replicated');\n");
  ASSERT_EQ(write.exit_code, 0) << write.err;
  ASSERT_TRUE(standby->wait_for_replay(*primary));
  EXPECT_EQ(standby->sql("SELECT v FROM t;\n").out, "replicated\n");
  EXPECT_EQ(standby->sql("SELECT status FROM pg_stat_wal_receiver;\n").out, "streaming\n");

  const RunResult insert = standby->sql("INSERT INTO t VALUES ('on the standby');\n");
  EXPECT_EQ(insert.exit_code, 3);  // psql: an SQL error under ON_ERROR_STOP
  EXPECT_NE(insert.err.find("cannot execute INSERT in a read-only transaction"), std::string::npos)
      << insert.err;

  const pid_t pid = primary->pid();
  primary->stop();
  EXPECT_FALSE(primary->running());
  EXPECT_TRUE(process_gone(pid));
  EXPECT_NE(access((primary->data_dir() + "/postmaster.pid").c_str(), F_OK), 0);
  primary->stop();  // idempotent
  const RunResult read = standby->sql("SELECT v FROM t;\n");
  EXPECT_EQ(read.exit_code, 0) << read.err;
  EXPECT_EQ(read.out, "replicated\n");

  // Started again in place: same data, same socket, and the standby streams from it again.
  primary->start();
  EXPECT_NE(primary->pid(), pid);
  ASSERT_EQ(primary->sql("INSERT INTO t VALUES ('after restart');\n").exit_code, 0);
  ASSERT_TRUE(standby->wait_for_replay(*primary));
  EXPECT_EQ(standby->sql("SELECT v FROM t ORDER BY v;\n").out, "after restart\nreplicated\n");
}

TEST(PostgresHarness, PausedServerTakesNoNewConnectionsAndIsRemovedAtTheEnd) {
  auto pg = PostgresServer::start_primary();
  pg->create_role("bob", kPassword);
  const std::string conninfo = pg->uri("bob", kPassword, "postgres") + "&connect_timeout=2";
  ASSERT_EQ(psql_run(conninfo, "SELECT 1;").exit_code, 0);

  pg->pause();
  const auto before = std::chrono::steady_clock::now();
  const RunResult paused = psql_run(conninfo, "SELECT 1;", 10);
  const auto waited = std::chrono::steady_clock::now() - before;
  EXPECT_FALSE(paused.timed_out);  // libpq gave up by itself
  EXPECT_EQ(paused.exit_code, 2);
  EXPECT_NE(paused.err.find("timeout expired"), std::string::npos) << paused.err;
  EXPECT_GE(waited, std::chrono::milliseconds(1500));

  pg->resume();
  const RunResult resumed = psql_run(conninfo, "SELECT 1;");
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(resumed.out, "1\n");

  // Destroyed while paused: stopped all the same, and its directory is gone.
  pg->pause();
  const pid_t pid = pg->pid();
  const std::string socket_dir = pg->socket_dir();
  pg.reset();
  EXPECT_TRUE(process_gone(pid));
  EXPECT_NE(access(socket_dir.c_str(), F_OK), 0);
}

}  // namespace
}  // namespace checkpw
