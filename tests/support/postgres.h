// Private, real PostgreSQL 15 servers for the tests of the PostgreSQL store: a primary
// made by initdb, and hot standbys streaming from it. Each server lives in its own
// directory under /tmp (data, Unix socket, log), listens on no TCP address at all, and is
// stopped by the pid in its own postmaster.pid. It must never touch the system cluster
// (/var/lib/postgresql, /var/run/postgresql), never listen on a network address, and
// never outlive the object that started it.
//
// PostgreSQL refuses to run as root: when the tests run as root (CI), every server program
// and every superuser psql runs as the `postgres` system user, which owns the server's
// directories; otherwise they run as the test process's own user. The superuser
// (`postgres`) logs in only by peer authentication, as that OS user; every other role
// only with a SCRAM-SHA-256 password.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/runner.h"

namespace checkpw::test {

class PostgresServer {
 public:
  // initdb into a new directory, then starts the server and creates its replication role
  // (`replicator`, with a random password the object keeps for start_standby).
  // Throws std::runtime_error, with the failing command's stderr and the server log, when
  // any step fails (or when PostgreSQL 15 or, as root, the postgres user is missing).
  static std::unique_ptr<PostgresServer> start_primary();
  // pg_basebackup -R from `primary` (a running primary, as its replication role) into a
  // new directory, then starts that copy as a hot standby streaming from it, with its own
  // socket directory and port. Throws std::runtime_error as start_primary does.
  static std::unique_ptr<PostgresServer> start_standby(const PostgresServer& primary);

  // stop(), then removes the server's directory. If the current test has failed, the
  // server log is printed first, so that a CI failure can be read from the test output.
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Starts the server again after stop(): same data, same socket directory, same port.
  // Does nothing while it runs. Throws std::runtime_error when pg_ctl start fails.
  // Makes the test process a child subreaper (PR_SET_CHILD_SUBREAPER), so that the
  // postmaster, orphaned by pg_ctl, is our child and stop() can reap it.
  void start();
  // Fast shutdown of the postmaster whose pid start() read from postmaster.pid (and only
  // while that file still names it): SIGCONT (in case it is paused), SIGINT, up to 15 s
  // for the pid to be gone, then SIGKILL. Does nothing when it is not running.
  void stop();
  // SIGSTOP to the postmaster: running sessions go on, but new connections hang (the
  // kernel queues them and nothing accepts them) until resume() sends SIGCONT.
  void pause();
  void resume();

  bool running() const { return running_; }
  bool paused() const { return paused_; }
  // The postmaster's pid, read from postmaster.pid when it last started; it stays readable
  // after stop(), so a test can check that the process is gone.
  pid_t pid() const { return pid_; }
  // The directory holding this server's Unix socket (.s.PGSQL.<port>); mode 0755, so any
  // user may connect through it. Nothing listens on TCP: the port only names the socket.
  const std::string& socket_dir() const { return socket_dir_; }
  int port() const { return port_; }
  const std::string& data_dir() const { return data_dir_; }
  // The server log so far (what pg_ctl -l collects).
  std::string log() const;

  // psql -X -q -At -v ON_ERROR_STOP=1 in `db` as the superuser (peer, as the server's OS
  // user), with `sql` on stdin: one statement after another, each in its own transaction
  // unless the script says otherwise. Never throws for SQL errors: exit code 0 is success,
  // 3 an SQL error, 2 a failed connection. Rows come out as `a|b`, one per line.
  RunResult sql(const std::string& sql, const std::string& db = "postgres") const;
  // CREATE ROLE name [LOGIN] PASSWORD 'password' (stored as a SCRAM-SHA-256 verifier).
  // Throws std::runtime_error with psql's stderr when it fails.
  void create_role(const std::string& name, const std::string& password, bool login = true);
  // CREATE DATABASE name OWNER owner. Throws std::runtime_error when it fails.
  void create_database(const std::string& name, const std::string& owner);
  // "postgresql://USER:PASSWORD@/DB?host=SOCKETDIR&port=PORT", every part percent-encoded:
  // a libpq connection URI to this server's socket. More parameters may be appended with
  // "&name=value".
  std::string uri(const std::string& user, const std::string& password,
                  const std::string& db) const;
  // On a standby: waits up to 30 s until it has replayed all the WAL `primary` had
  // written when the call began. False on timeout; throws std::runtime_error when the
  // primary cannot be asked for its WAL position.
  bool wait_for_replay(const PostgresServer& primary) const;

 private:
  // Makes the server's directory (mode 0755, owned by the server's user) and picks its
  // port; runs nothing.
  PostgresServer();
  // Runs a PostgreSQL program as the server's user, in the server's directory, with PATH,
  // LC_ALL=C and `extra_env` only.
  RunResult run_as_server(std::vector<std::string> argv, const std::string& stdin_data = {},
                          const std::vector<std::string>& extra_env = {}) const;
  // Writes this server's settings (checkpw_harness.conf), pg_hba.conf and pg_ident.conf.
  void write_config() const;
  // Throws std::runtime_error naming `what`, with the command's output and the server log.
  [[noreturn]] void fail(const std::string& what, const RunResult& r) const;

  // The server programs' identity: the postgres user when we are root, else none (ours).
  std::optional<Credentials> as_;
  std::string os_user_;   // that identity's user name, mapped to the superuser for peer
  std::string base_dir_;  // /tmp/checkpw-pg-XXXXXX: data/, socket/, server.log
  std::string data_dir_;
  std::string socket_dir_;
  std::string log_path_;
  int port_ = 0;
  std::string replication_password_;  // of the role kReplicationRole, on a primary
  pid_t pid_ = -1;
  bool running_ = false;  // since start() succeeded, until stop()
  bool paused_ = false;   // since pause(), until resume() or stop()
};

// psql -X -q -At -w -v ON_ERROR_STOP=1 as the test process itself (as root, then, never
// the server's user: no peer login as the superuser), connecting with `conninfo` (a URI from
// PostgresServer::uri, say) and `sql` on stdin. -w: it fails rather than ask for a
// password; in a new session, without PG* variables from our environment.
RunResult psql_run(const std::string& conninfo, const std::string& sql, int timeout_seconds = 30);

}  // namespace checkpw::test
