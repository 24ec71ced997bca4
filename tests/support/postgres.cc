#include "support/postgres.h"

#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sodium.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "support/util.h"

namespace checkpw::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kBinDir = "/usr/lib/postgresql/15/bin";
// Not Debian's /usr/bin/psql: that is pg_wrapper, which picks a cluster from
// /etc/postgresql and ~/.postgresqlrc; we name our server ourselves.
constexpr const char* kPsql = "/usr/lib/postgresql/15/bin/psql";
constexpr const char* kEnv = "/usr/bin/env";
constexpr const char* kSuperuser = "postgres";
constexpr const char* kReplicationRole = "replicator";
constexpr auto kStopTimeout = std::chrono::seconds(15);
constexpr auto kKillTimeout = std::chrono::seconds(5);
constexpr auto kReplayTimeout = std::chrono::seconds(30);
constexpr int kStartTimeoutSeconds = 30;

std::string bin(const char* name) {
  return std::string(kBinDir) + "/" + name;
}

// Only the socket file's name comes from the port (nothing listens on TCP), and every
// server has its own socket directory; distinct ports still keep the names, and a
// standby's primary_conninfo, unambiguous. Spread by pid so that two test processes
// running at once are unlikely to share one either.
int next_port() {
  static std::atomic<unsigned> counter{0};
  const unsigned n = counter.fetch_add(1);
  return 20000 + static_cast<int>((static_cast<unsigned>(getpid()) * 64u + n) % 40000u);
}

std::string random_password() {
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  return to_hex(bytes, sizeof bytes);
}

std::string sql_identifier(const std::string& name) {
  if (name.find('\0') != std::string::npos) throw std::invalid_argument("NUL in identifier");
  std::string q = "\"";
  for (char c : name) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// With standard_conforming_strings (the default since 9.1) only the quote is special.
std::string sql_literal(const std::string& text) {
  if (text.find('\0') != std::string::npos) throw std::invalid_argument("NUL in literal");
  std::string q = "'";
  for (char c : text) q += c == '\'' ? std::string("''") : std::string(1, c);
  return q + "'";
}

// RFC 3986 section 2.3: everything but the unreserved characters is percent-encoded.
std::string percent_encode(const std::string& s) {
  static const char digits[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string describe(const RunResult& r) {
  std::string d = r.timed_out ? "timed out" : "exit " + std::to_string(r.exit_code);
  if (!r.err.empty()) d += ": " + trimmed(r.err);
  if (!r.out.empty()) d += " (stdout: " + trimmed(r.out) + ")";
  return d;
}

// The first line of postmaster.pid, or -1.
pid_t read_postmaster_pid(const std::string& data_dir) {
  const std::string text = read_file(data_dir + "/postmaster.pid");
  try {
    const long pid = std::stol(text);
    return pid > 1 ? static_cast<pid_t>(pid) : -1;
  } catch (const std::exception&) {
    return -1;
  }
}

// The state letter in /proc/PID/stat (R, S, T, Z...), or 0 when there is no such process.
char process_state(pid_t pid) {
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const std::size_t paren = stat.rfind(')');  // the command name may hold spaces
  return paren != std::string::npos && paren + 2 < stat.size() ? stat[paren + 2] : '\0';
}

// Waits up to `timeout` until `pid` no longer exists. The postmaster is our child (see
// start()), so it is reaped here: otherwise its zombie would still answer kill(pid, 0).
bool wait_gone(pid_t pid, Clock::duration timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return true;
    if (kill(pid, 0) != 0 && errno == ESRCH) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
}

// The identity the server programs run as: the postgres user when we are root (initdb
// and postgres refuse root), else ours.
void server_identity(std::optional<Credentials>& as, std::string& name) {
  if (geteuid() == 0) {
    const passwd* pw = getpwnam("postgres");
    if (pw == nullptr) {
      throw std::runtime_error(
          "PostgresServer: no `postgres` user to run the server as (root may not): install "
          "postgresql-15 (`make deps`)");
    }
    as = Credentials{pw->pw_uid, pw->pw_gid};
    name = pw->pw_name;
    return;
  }
  const passwd* pw = getpwuid(geteuid());
  if (pw == nullptr) throw std::runtime_error("PostgresServer: this uid has no passwd entry");
  as.reset();
  name = pw->pw_name;
}

}  // namespace

PostgresServer::PostgresServer() : port_(next_port()) {
  if (access(bin("postgres").c_str(), X_OK) != 0 || access(kPsql, X_OK) != 0) {
    throw std::runtime_error(std::string("PostgresServer: no PostgreSQL 15 in ") + kBinDir +
                             ": run `make deps` (postgresql-15)");
  }
  server_identity(as_, os_user_);
  // Under /tmp, not $TMPDIR or the build directory: CI's checkout sits in a root-only
  // directory the postgres user cannot reach.
  std::string templ = "/tmp/checkpw-pg-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) {
    throw std::runtime_error(std::string("PostgresServer: unable to create a directory in "
                                         "/tmp: ") +
                             std::strerror(errno));
  }
  base_dir_ = templ;
  data_dir_ = base_dir_ + "/data";  // initdb or pg_basebackup creates it, mode 0700
  socket_dir_ = base_dir_ + "/socket";
  log_path_ = base_dir_ + "/server.log";
  // 0755 on both: any user may reach the socket; the data stays in its 0700 directory.
  const uid_t uid = as_ ? as_->uid : geteuid();
  const gid_t gid = as_ ? as_->gid : getegid();
  if (chmod(base_dir_.c_str(), 0755) != 0 || mkdir(socket_dir_.c_str(), 0755) != 0 ||
      chown(base_dir_.c_str(), uid, gid) != 0 || chown(socket_dir_.c_str(), uid, gid) != 0) {
    const std::string reason = std::strerror(errno);
    std::error_code ec;
    std::filesystem::remove_all(base_dir_, ec);
    throw std::runtime_error("PostgresServer: unable to prepare " + base_dir_ + ": " + reason);
  }
}

PostgresServer::~PostgresServer() {
  if (testing::Test::HasFailure()) {
    std::printf("=== PostgreSQL log (%s) ===\n%s=== end of PostgreSQL log ===\n", log_path_.c_str(),
                log().c_str());
    std::fflush(stdout);
  }
  try {
    stop();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "PostgresServer: warning: %s\n", e.what());
  }
  std::error_code ec;
  std::filesystem::remove_all(base_dir_, ec);
}

std::unique_ptr<PostgresServer> PostgresServer::start_primary() {
  std::unique_ptr<PostgresServer> s(new PostgresServer());
  // -U: the superuser is `postgres` whoever runs it. The generated pg_hba.conf is replaced
  // by write_config(); --auth-host=reject only keeps initdb from warning about trust.
  const RunResult init =
      s->run_as_server({bin("initdb"), "-D", s->data_dir_, "-U", kSuperuser, "-E", "UTF8",
                        "--locale=C", "--no-sync", "--auth-local=peer", "--auth-host=reject"});
  if (init.exit_code != 0 || init.timed_out) s->fail("initdb", init);
  write_file(s->data_dir_ + "/postgresql.conf",
             read_file(s->data_dir_ + "/postgresql.conf") +
                 "\n# tests/support/postgres.cc: this server's settings.\n"
                 "include 'checkpw_harness.conf'\n");
  s->write_config();
  s->start();
  s->replication_password_ = random_password();
  const RunResult role =
      s->sql("CREATE ROLE " + std::string(kReplicationRole) + " WITH REPLICATION LOGIN PASSWORD " +
             sql_literal(s->replication_password_) + ";\n");
  if (role.exit_code != 0 || role.timed_out) s->fail("create the replication role", role);
  return s;
}

std::unique_ptr<PostgresServer> PostgresServer::start_standby(const PostgresServer& primary) {
  if (!primary.running_ || primary.replication_password_.empty()) {
    throw std::logic_error("PostgresServer: start_standby needs a running primary");
  }
  std::unique_ptr<PostgresServer> s(new PostgresServer());
  // -R writes standby.signal and primary_conninfo (with the password from PGPASSWORD, so
  // that streaming can log in) into postgresql.auto.conf; -X stream brings the WAL the
  // backup itself needs; -c fast: checkpoint now instead of waiting for a spread one.
  const RunResult backup =
      s->run_as_server({bin("pg_basebackup"), "-D", s->data_dir_, "-R", "-X", "stream", "-c",
                        "fast", "--no-sync", "-w", "-h", primary.socket_dir_, "-p",
                        std::to_string(primary.port_), "-U", kReplicationRole},
                       {}, {"PGPASSWORD=" + primary.replication_password_});
  if (backup.exit_code != 0 || backup.timed_out) s->fail("pg_basebackup", backup);
  const std::string auto_conf = read_file(s->data_dir_ + "/postgresql.auto.conf");
  if (auto_conf.find("primary_conninfo") == std::string::npos ||
      auto_conf.find("password=") == std::string::npos) {
    throw std::runtime_error(
        "PostgresServer: pg_basebackup -R wrote no primary_conninfo with a password");
  }
  s->write_config();  // the copied one names the primary's socket and port
  s->start();
  return s;
}

// Rewritten for each server (a standby's copy came from its primary).
void PostgresServer::write_config() const {
  write_file(data_dir_ + "/checkpw_harness.conf",
             "# Written by tests/support/postgres.cc: a throwaway server for one test.\n"
             "listen_addresses = ''\n"
             "port = " +
                 std::to_string(port_) +
                 "\n"
                 "unix_socket_directories = " +
                 sql_literal(socket_dir_) +
                 "\n"
                 "unix_socket_permissions = 0777\n"
                 "password_encryption = 'scram-sha-256'\n"
                 "fsync = off\n"
                 "shared_buffers = 16MB\n"
                 "max_connections = 50\n"
                 "wal_level = replica\n"
                 "max_wal_senders = 5\n"
                 "wal_keep_size = 64MB\n"
                 "hot_standby = on\n"
                 "wal_receiver_status_interval = 1s\n"
                 "wal_retrieve_retry_interval = 100ms\n"
                 "logging_collector = off\n"
                 "log_min_messages = warning\n");
  // First match wins. Only the server's OS user may be the superuser, by peer; every other
  // role, and replication, needs its SCRAM password. No host lines: there is no TCP.
  write_file(data_dir_ + "/pg_hba.conf",
             "# Written by tests/support/postgres.cc.\n"
             "# TYPE  DATABASE     USER        METHOD\n"
             "local   all          postgres    peer map=checkpw\n"
             "local   replication  replicator  scram-sha-256\n"
             "local   all          all         scram-sha-256\n");
  write_file(data_dir_ + "/pg_ident.conf", "checkpw " + os_user_ + " " + kSuperuser + "\n");
  if (as_) {
    for (const char* f : {"checkpw_harness.conf", "pg_hba.conf", "pg_ident.conf"}) {
      const std::string path = data_dir_ + "/" + f;
      if (chown(path.c_str(), as_->uid, as_->gid) != 0) {
        throw std::runtime_error("PostgresServer: unable to chown " + path + ": " +
                                 std::strerror(errno));
      }
    }
  }
}

void PostgresServer::start() {
  if (running_) return;
  // The postmaster is orphaned when pg_ctl exits; as a subreaper the test process adopts
  // it, so that stop() can reap it and its pid is really gone (a PID 1 that reaps nothing
  // would leave a zombie that kill(pid, 0) still finds). tests/support/dovecot.cc does the
  // same; it is harmless for the rest of the suite, which waits for specific pids.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  // -l: the server's stdout and stderr go to the log, not to run()'s pipes (which would
  // then stay open for as long as the server runs).
  const RunResult r =
      run_as_server({bin("pg_ctl"), "start", "-w", "-t", std::to_string(kStartTimeoutSeconds), "-s",
                     "-D", data_dir_, "-l", log_path_});
  pid_ = read_postmaster_pid(data_dir_);
  if (r.exit_code != 0 || r.timed_out || pid_ <= 0) {
    if (pid_ > 0 && kill(pid_, SIGKILL) == 0) wait_gone(pid_, kKillTimeout);
    fail("start the server (pg_ctl start)", r);
  }
  running_ = true;
  paused_ = false;
}

void PostgresServer::stop() {
  if (!running_) return;
  running_ = false;
  // Only the pid our start() read, and only while postmaster.pid still names it: a server
  // that died on its own must not make us signal whatever process reused its pid.
  if (read_postmaster_pid(data_dir_) != pid_) {
    wait_gone(pid_, milliseconds(0));
    return;
  }
  kill(pid_, SIGCONT);
  paused_ = false;
  kill(pid_, SIGINT);  // fast shutdown: roll back sessions, checkpoint, exit
  if (wait_gone(pid_, kStopTimeout)) return;
  // Last resort. Each backend is its own session leader and notices the postmaster's
  // death by itself.
  kill(pid_, SIGKILL);
  if (!wait_gone(pid_, kKillTimeout)) {
    throw std::runtime_error("PostgresServer: postmaster " + std::to_string(pid_) +
                             " survived SIGKILL");
  }
}

void PostgresServer::pause() {
  if (!running_) throw std::logic_error("PostgresServer: pause() of a stopped server");
  kill(pid_, SIGSTOP);
  paused_ = true;
  // SIGSTOP is asynchronous: return only once the postmaster has stopped.
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (process_state(pid_) != 'T') {
    if (Clock::now() >= deadline) {
      throw std::runtime_error("PostgresServer: postmaster " + std::to_string(pid_) +
                               " did not stop on SIGSTOP");
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
}

void PostgresServer::resume() {
  if (!running_) throw std::logic_error("PostgresServer: resume() of a stopped server");
  kill(pid_, SIGCONT);
  paused_ = false;
}

std::string PostgresServer::log() const {
  return read_file(log_path_);
}

RunResult PostgresServer::sql(const std::string& sql, const std::string& db) const {
  return run_as_server({kPsql, "-X", "-q", "-At", "-w", "-v", "ON_ERROR_STOP=1", "-h", socket_dir_,
                        "-p", std::to_string(port_), "-U", kSuperuser, "-d", db, "-f", "-"},
                       sql);
}

void PostgresServer::create_role(const std::string& name, const std::string& password, bool login) {
  const RunResult r = sql("CREATE ROLE " + sql_identifier(name) + (login ? " LOGIN" : "") +
                          " PASSWORD " + sql_literal(password) + ";\n");
  if (r.exit_code != 0 || r.timed_out) {
    throw std::runtime_error("PostgresServer: unable to create role " + name + ": " + describe(r));
  }
}

void PostgresServer::create_database(const std::string& name, const std::string& owner) {
  const RunResult r =
      sql("CREATE DATABASE " + sql_identifier(name) + " OWNER " + sql_identifier(owner) + ";\n");
  if (r.exit_code != 0 || r.timed_out) {
    throw std::runtime_error("PostgresServer: unable to create database " + name + ": " +
                             describe(r));
  }
}

std::string PostgresServer::uri(const std::string& user, const std::string& password,
                                const std::string& db) const {
  return "postgresql://" + percent_encode(user) + ":" + percent_encode(password) + "@/" +
         percent_encode(db) + "?host=" + percent_encode(socket_dir_) +
         "&port=" + std::to_string(port_);
}

// The primary's write position, as PostgreSQL's own TAP tests (wait_for_catchup) use it:
// with synchronous_commit on (left at its default for this), a commit has been written and
// flushed before psql hears of it, so its record ends at or before this position.
bool PostgresServer::wait_for_replay(const PostgresServer& primary) const {
  const RunResult at = primary.sql("SELECT pg_current_wal_lsn();\n");
  const std::string lsn = trimmed(at.out);
  if (at.exit_code != 0 || at.timed_out || lsn.empty()) {
    throw std::runtime_error("PostgresServer: unable to read the primary's WAL position: " +
                             describe(at));
  }
  const std::string check =
      "SELECT coalesce(pg_last_wal_replay_lsn() >= " + sql_literal(lsn) + "::pg_lsn, false);\n";
  const auto deadline = Clock::now() + kReplayTimeout;
  do {
    const RunResult r = sql(check);
    if (r.exit_code == 0 && trimmed(r.out) == "t") return true;
    std::this_thread::sleep_for(milliseconds(20));
  } while (Clock::now() < deadline);
  return false;
}

// In the server's base directory (env -C): PostgreSQL 15's programs chdir back to the
// working directory after resolving their own path (find_my_exec), and complain when they
// cannot; ours may be a root-only checkout.
RunResult PostgresServer::run_as_server(std::vector<std::string> argv,
                                        const std::string& stdin_data,
                                        const std::vector<std::string>& extra_env) const {
  argv.insert(argv.begin(), {kEnv, "-C", base_dir_});
  std::vector<std::string> env = base_env();
  env.insert(env.end(), {"LC_ALL=C", "PGCONNECT_TIMEOUT=10"});
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  return run({.argv = std::move(argv),
              .fd3 = Fd3::kClosed,
              .env = std::move(env),
              .stdin_data = stdin_data,
              .as = as_,
              .new_session = true,
              .timeout_seconds = 60});
}

void PostgresServer::fail(const std::string& what, const RunResult& r) const {
  std::string message =
      "PostgresServer: unable to " + what + " in " + base_dir_ + ": " + describe(r);
  const std::string server_log = log();
  if (!server_log.empty()) message += "\nserver log:\n" + server_log;
  throw std::runtime_error(message);
}

RunResult psql_run(const std::string& conninfo, const std::string& sql, int timeout_seconds) {
  std::vector<std::string> env = base_env();
  env.emplace_back("LC_ALL=C");
  return run(
      {.argv = {kPsql, "-X", "-q", "-At", "-w", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-f", "-"},
       .fd3 = Fd3::kClosed,
       .env = std::move(env),
       .stdin_data = sql,
       .new_session = true,
       .timeout_seconds = timeout_seconds});
}

}  // namespace checkpw::test
