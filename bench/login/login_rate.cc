// Logins per second of the real programs, the figure a mail host feels: each login is
// spawned the way
// qmail-smtpd does it (the request on a pipe placed on fd 3, subprogram /bin/true), and
// the cases alternate in rounds within one run, over every database size and store too,
// so that a ratio reads off one run:
//   floor         bench/login/floor.c, static C that reads fd 3 and execs (the least any
//                 checkpassword program costs)
//   cram-right    cram-md5-checkpw, the right CRAM-MD5 response
//   cram-wrong    cram-md5-checkpw, a wrong response
//   plain-right   checkpw, the right password
//   plain-wrong   checkpw, a wrong password
//   unknown       checkpw, a user that does not exist
//   verify        one in-process Argon2id verify at the database's cost (no process)
//   floor-verify  bench/login/floor_verify.c: floor plus that verify of the request's
//                 password, in its new process (the least a plaintext program costs)
//   floor-sqlite  bench/login/floor_sqlite.c: floor plus opening the SQLite file and one
//                 SELECT of the user's row (the least a lookup in the file costs; not
//                 run for the PostgreSQL stores)
// over databases of each --sizes accounts, with each --streams concurrent login streams;
// failure_delay_ms is 0. Each stream logs in as its own account, as a mail client polls.
// Then the WAL phase: --wal-logins CRAM-MD5 logins of distinct accounts of the largest
// database, two streams, the -wal file's size sampled throughout.
// --stores picks the stores, so that SQLite and PostgreSQL read off one run: sqlite (the
// file), postgres (a real
// PostgreSQL 15 this driver starts, Unix socket, the programs as the least-privileged
// login role) and pgbouncer (the same server behind a pgbouncer on a Unix socket, session
// pooling), and pg-peer (the same server, the login role by peer authentication on the
// socket instead of its SCRAM password: no PBKDF2 per connection). For the PostgreSQL
// stores two in-process cases say what a connection costs:
//   connect       libpq connect and close, nothing asked
//   connect+read  connect, the schema version and settings (one round trip), close
// A table on stdout; JSON in --json (default build/login-rate.json).
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sodium.h>
#include <sqlite3.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/postgres.h"
#include "support/runner.h"
#include "support/spawn.h"

namespace checkpw::bench {
namespace {

const std::string kBuild = CHECKPW_BUILD_DIR;
// The programs of bin/ with the build tree's PostgreSQL builds (Makefile: BENCH_PROG_BINS).
const std::string kBin = kBuild + "/bench/bin/";
const std::string kPassword = "login-rate-password";
const std::string kChallenge = "<7234.1700000000@mail.example.org>";
constexpr int kMaxStreams = 8;

struct Options {
  std::vector<long> sizes{1000, 1000000};
  std::vector<int> streams{1, 2, 4};
  int logins = 400;  // per case, database size and stream count
  int rounds = 8;    // the cases alternate this many times
  long wal_logins = 100000;
  std::string json = kBuild + "/login-rate.json";
  std::string data_dir = kBuild + "/bench-data";
  std::vector<std::string> stores{"sqlite", "postgres", "pgbouncer", "pg-peer"};
};

// --help: the usage on stdout, exit 0; a bad argument: on stderr, exit 2.
[[noreturn]] void usage(bool asked = false) {
  std::fputs(
      "usage: login-rate [--sizes N,...] [--streams N,...] [--logins N] [--rounds N]\n"
      "                  [--wal-logins N] [--json FILE] [--data-dir DIR]\n"
      "                  [--stores sqlite,postgres,pgbouncer,pg-peer]\n",
      asked ? stdout : stderr);
  std::exit(asked ? 0 : 2);
}

template <typename T>
std::vector<T> list_of(const std::string& s) {
  std::vector<T> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(static_cast<T>(std::stol(item)));
  if (out.empty()) usage();
  return out;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") usage(true);
    if (i + 1 >= argc) usage();
    const std::string v = argv[++i];
    if (a == "--sizes") {
      o.sizes = list_of<long>(v);
    } else if (a == "--streams") {
      o.streams = list_of<int>(v);
    } else if (a == "--logins") {
      o.logins = std::stoi(v);
    } else if (a == "--rounds") {
      o.rounds = std::stoi(v);
    } else if (a == "--wal-logins") {
      o.wal_logins = std::stol(v);
    } else if (a == "--json") {
      o.json = v;
    } else if (a == "--data-dir") {
      o.data_dir = v;
    } else if (a == "--stores") {
      o.stores.clear();
      std::stringstream in(v);
      for (std::string item; std::getline(in, item, ',');) {
        if (item != "sqlite" && item != "postgres" && item != "pgbouncer" && item != "pg-peer") {
          usage();
        }
        o.stores.push_back(item);
      }
      if (o.stores.empty()) usage();
    } else {
      usage();
    }
  }
  for (int s : o.streams) {
    if (s < 1 || s > kMaxStreams) usage();
  }
  if (o.logins < o.rounds || o.rounds < 1) usage();
  return o;
}

void sql(sqlite3* db, const std::string& text) {
  char* err = nullptr;
  if (sqlite3_exec(db, text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err != nullptr ? err : "?";
    sqlite3_free(err);
    throw std::runtime_error("sqlite: " + m);
  }
}

std::string text_of(sqlite3* db, const std::string& query) {
  sqlite3_stmt* st = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, query.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != nullptr) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  return out;
}

std::string stream_user(int s) {
  return "stream" + std::to_string(s) + "@example.org";
}
std::string bulk_user(long i) {
  return "user" + std::to_string(i) + "@example.org";
}

// login-N.db: the stream accounts made by the real userdb-tool, the other N - kMaxStreams
// accounts copies of the first one's row (the same hash and CRAM-MD5 secret) under
// user<i>@example.org, inserted in one transaction. Reused while it holds N accounts.
std::string fixture(const Options& o, long size) {
  mkdir(o.data_dir.c_str(), 0700);
  const std::string db = o.data_dir + "/login-" + std::to_string(size) + ".db";
  {
    sqlite3* h = nullptr;
    if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK &&
        text_of(h, "SELECT count(*) FROM accounts") == std::to_string(size)) {
      sqlite3_close(h);
      return db;
    }
    sqlite3_close(h);
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((db + suffix).c_str());
  std::fprintf(stderr, "login-rate: building %s\n", db.c_str());
  userdb_tool(db, "init");
  userdb_tool(db, "config failure_delay_ms 0");
  for (int s = 0; s < kMaxStreams; ++s) {
    userdb_tool(db, "add " + stream_user(s) + " --password-stdin", kPassword + "\n");
  }
  sqlite3* h = nullptr;
  if (sqlite3_open(db.c_str(), &h) != SQLITE_OK) throw std::runtime_error("open " + db);
  sql(h, "BEGIN");
  sql(h, "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < " +
             std::to_string(size - kMaxStreams) +
             ") INSERT INTO accounts (name, hash, cram_md5, enabled, created, changed) "
             "SELECT 'user' || i || '@example.org', a.hash, a.cram_md5, 1, a.created, a.changed "
             "FROM n, accounts a WHERE a.name = '" +
             stream_user(0) + "'");
  sql(h, "COMMIT");
  sql(h, "PRAGMA wal_checkpoint(TRUNCATE)");
  sqlite3_close(h);
  return db;
}

struct Case {
  std::string name;
  std::string program;                      // empty: in process, through `in_process`
  std::function<std::string(int)> request;  // by stream
  std::function<bool()> in_process;         // true when it went right; set per store
};

std::vector<Case> cases(bool postgres) {
  const std::string cram = kBin + "cram-md5-checkpw", plain = kBin + "checkpw";
  const std::string right = cram_md5_response(kPassword, kChallenge);
  const std::string wrong = cram_md5_response("not-the-password", kChallenge);
  std::vector<Case> all = {
      {"floor", kBuild + "/bench/floor", [](int s) { return request_of(stream_user(s), "x"); }, {}},
      {"cram-right",
       cram,
       [right](int s) { return request_of(stream_user(s), right, kChallenge); },
       {}},
      {"cram-wrong",
       cram,
       [wrong](int s) { return request_of(stream_user(s), wrong, kChallenge); },
       {}},
      {"plain-right", plain, [](int s) { return request_of(stream_user(s), kPassword); }, {}},
      {"plain-wrong", plain, [](int s) { return request_of(stream_user(s), "not-it"); }, {}},
      {"unknown", plain, [](int s) { return request_of("nobody" + std::to_string(s), "x"); }, {}},
      {"verify", "", nullptr, {}},
      {"floor-verify",
       kBuild + "/bench/floor-verify",
       [](int s) { return request_of(stream_user(s), kPassword); },
       {}},
  };
  if (!postgres) {
    all.push_back({"floor-sqlite",
                   kBuild + "/bench/floor-sqlite",
                   [](int s) { return request_of(stream_user(s), "x"); },
                   {}});
  }
  if (postgres) {
    all.push_back({"connect", "", nullptr, {}});
    all.push_back({"connect+read", "", nullptr, {}});
  }
  return all;
}

// One libpq connection the way the programs open theirs (no environment, no passfile),
// closed again; with `read`, the one round trip a program makes first.
bool pg_connect(const std::string& location, bool read) {
  const char* keys[] = {"passfile", "connect_timeout", "application_name",
                        "dbname",   "gssencmode",      nullptr};
  const char* values[] = {"/dev/null/none", "10",      "login-rate",
                          location.c_str(), "disable", nullptr};
  PGconn* c = PQconnectdbParams(keys, values, 1);
  bool ok = PQstatus(c) == CONNECTION_OK;
  if (ok && read) {
    PGresult* r = PQexec(c,
                         "SELECT '', version::text FROM checkpw_schema UNION ALL "
                         "SELECT key, value FROM settings");
    ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 1;
    PQclear(r);
  }
  PQfinish(c);
  return ok;
}

// A PostgreSQL 15 server for the run (support/postgres.h: initdb in /tmp, Unix socket,
// stopped by its pid), a database per size filled like the SQLite fixture, and a
// pgbouncer in front of it on a socket of its own, stopped by the pid in its pidfile.
class PgSite {
 public:
  PgSite() : pg_(test::PostgresServer::start_primary()) {
    pg_->create_role("rateowner", "owner-pw");
    pg_->create_role("ratelogin", "login-pw");
    pg_->create_role("ratepeer", "peer-unused-pw");  // pg-peer's role: peer, never SCRAM
  }
  ~PgSite() { stop_bouncer(); }
  PgSite(const PgSite&) = delete;
  PgSite& operator=(const PgSite&) = delete;

  std::string owner(long size) const { return pg_->uri("rateowner", "owner-pw", db(size)); }
  std::string login(long size) const { return pg_->uri("ratelogin", "login-pw", db(size)); }
  std::string peer(long size) const {
    return "postgresql://ratepeer@/" + db(size) + "?host=" + pg_->socket_dir() +
           "&port=" + std::to_string(pg_->port());
  }
  // A second login role, ratepeer, by peer authentication for this process's OS user
  // (root when the benchmark runs as root, as the setuid programs' euid is); ratelogin
  // keeps its SCRAM password.
  void enable_peer() {
    const passwd* me = getpwuid(geteuid());
    if (me == nullptr) throw std::runtime_error("no user name");
    const std::string hba = pg_->data_dir() + "/pg_hba.conf";
    std::stringstream old;
    old << std::ifstream(hba).rdbuf();
    std::ofstream(hba) << "local all ratepeer peer map=rate\n" << old.str();
    std::ofstream(pg_->data_dir() + "/pg_ident.conf", std::ios::app)
        << "rate " << me->pw_name << " ratepeer\n";
    const test::RunResult r = pg_->sql("SELECT pg_reload_conf()");
    if (r.exit_code != 0) throw std::runtime_error("reload: " + r.err);
  }
  std::string bounced(long size) const {
    return "postgresql://ratelogin:login-pw@/" + db(size) + "?host=" + bouncer_dir_ +
           "&port=" + std::to_string(kBouncerPort);
  }

  // The stream accounts by the real userdb-tool, the rest copies of the first's row.
  void fill(long size) {
    std::fprintf(stderr, "login-rate: building PostgreSQL database %s\n", db(size).c_str());
    pg_->create_database(db(size), "rateowner");
    const std::string o = owner(size);
    userdb_tool(o, "init --login-role ratelogin");
    userdb_tool(o, "init --login-role ratepeer");
    userdb_tool(o, "config failure_delay_ms 0");
    for (int s = 0; s < kMaxStreams; ++s) {
      userdb_tool(o, "add " + stream_user(s) + " --password-stdin", kPassword + "\n");
    }
    const test::RunResult r = pg_->sql(
        "INSERT INTO accounts (name, hash, cram_md5, enabled, created, changed) "
        "SELECT 'user' || i || '@example.org', a.hash, a.cram_md5, true, a.created, a.changed "
        "FROM generate_series(0, " +
            std::to_string(size - kMaxStreams - 1) + ") i, accounts a WHERE a.name = '" +
            stream_user(0) + "'; VACUUM ANALYZE accounts;",
        db(size));
    if (r.exit_code != 0) throw std::runtime_error("fill " + db(size) + ": " + r.err);
  }

  void start_bouncer() {
    const std::string bouncer = test::find_executable("pgbouncer");
    if (bouncer.empty()) throw std::runtime_error("pgbouncer is not installed (make deps)");
    char tmpl[] = "/tmp/checkpw-bouncer-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp");
    bouncer_dir_ = tmpl;
    std::optional<test::Credentials> as;
    if (geteuid() == 0) {  // pgbouncer will not run as root: as the server's user
      const passwd* pw = getpwnam("postgres");
      if (pw == nullptr) throw std::runtime_error("no postgres user");
      as = test::Credentials{pw->pw_uid, pw->pw_gid};
      if (chown(tmpl, pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("chown");
    }
    chmod(tmpl, 0755);
    const std::string conf = bouncer_dir_ + "/pgbouncer.ini";
    std::ofstream(conf) << "[databases]\n* = host=" << pg_->socket_dir() << " port=" << pg_->port()
                        << "\n[pgbouncer]\nlisten_port = " << kBouncerPort
                        << "\nunix_socket_dir = " << bouncer_dir_
                        << "\nauth_type = scram-sha-256\nauth_file = " << bouncer_dir_
                        << "/userlist.txt\npool_mode = session\nmax_client_conn = 100\n"
                           "default_pool_size = 8\npidfile = "
                        << bouncer_dir_ << "/pgbouncer.pid\nlogfile = " << bouncer_dir_
                        << "/pgbouncer.log\n";
    std::ofstream(bouncer_dir_ + "/userlist.txt") << "\"ratelogin\" \"login-pw\"\n";
    if (as) {
      for (const char* f : {"/pgbouncer.ini", "/userlist.txt"}) {
        if (chown((bouncer_dir_ + f).c_str(), as->uid, as->gid) != 0) {
          throw std::runtime_error("chown");
        }
      }
    }
    const test::RunResult r = test::run({.argv = {bouncer, "-d", conf},
                                         .fd3 = test::Fd3::kClosed,
                                         .env = {"PATH=/usr/bin:/bin"},
                                         .as = as});
    if (r.exit_code != 0) throw std::runtime_error("pgbouncer: " + r.err);
    for (int i = 0; i < 100 && bouncer_pid_ <= 0; ++i) {
      std::ifstream pid(bouncer_dir_ + "/pgbouncer.pid");
      pid >> bouncer_pid_;
      if (bouncer_pid_ <= 0) usleep(50000);
    }
    if (bouncer_pid_ <= 0) throw std::runtime_error("pgbouncer wrote no pidfile");
  }

 private:
  static constexpr int kBouncerPort = 6439;
  static std::string db(long size) { return "login_" + std::to_string(size); }

  void stop_bouncer() {
    if (bouncer_pid_ > 0) {
      kill(bouncer_pid_, SIGINT);
      // The server's subreaper setting makes the daemon our child: reap it, or wait for it.
      for (int i = 0; i < 200; ++i) {
        int status = 0;
        if (waitpid(bouncer_pid_, &status, WNOHANG) == bouncer_pid_) break;
        if (kill(bouncer_pid_, 0) != 0 && errno == ESRCH) break;
        usleep(50000);
      }
    }
    if (!bouncer_dir_.empty()) {
      for (const char* f : {"/pgbouncer.ini", "/userlist.txt", "/pgbouncer.pid", "/pgbouncer.log",
                            "/.s.PGSQL.6439", "/.s.PGSQL.6439.lock"}) {
        std::remove((bouncer_dir_ + f).c_str());
      }
      rmdir(bouncer_dir_.c_str());
    }
  }

  std::unique_ptr<test::PostgresServer> pg_;
  std::string bouncer_dir_;
  pid_t bouncer_pid_ = -1;
};

int expected_exit(const std::string& name) {
  return name.starts_with("floor") || name.ends_with("-right") ? 0 : 1;
}

struct Samples {
  std::vector<double> wall_ms, cpu_ms, faults;
  double batch_s = 0;  // the sum of the batches' wall times
  long logins = 0;
  long wrong_exits = 0;
};

std::int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

long thread_minor_faults() {
  rusage ru{};
  getrusage(RUSAGE_THREAD, &ru);
  return ru.ru_minflt;
}

std::int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// One batch: `streams` threads, `each` logins apiece.
void batch(const Case& c, const std::vector<std::string>& env, int streams, int each,
           Samples& out) {
  std::vector<Samples> per(static_cast<std::size_t>(streams));
  const std::int64_t start = now_ns();
  std::vector<std::thread> threads;
  for (int s = 0; s < streams; ++s) {
    threads.emplace_back([&, s] {
      Samples& mine = per[static_cast<std::size_t>(s)];
      const std::string request = c.request ? c.request(s) : std::string();
      for (int k = 0; k < each; ++k) {
        if (c.program.empty()) {
          const std::int64_t t0 = now_ns(), c0 = thread_cpu_ns();
          const long f0 = thread_minor_faults();
          if (!c.in_process()) ++mine.wrong_exits;
          mine.wall_ms.push_back(static_cast<double>(now_ns() - t0) / 1e6);
          mine.cpu_ms.push_back(static_cast<double>(thread_cpu_ns() - c0) / 1e6);
          mine.faults.push_back(static_cast<double>(thread_minor_faults() - f0));
        } else {
          const Spawned r = spawn_login(c.program, env, request);
          if (r.exit_code != expected_exit(c.name)) ++mine.wrong_exits;
          mine.wall_ms.push_back(static_cast<double>(r.wall_ns) / 1e6);
          mine.cpu_ms.push_back(static_cast<double>(r.cpu_ns) / 1e6);
          mine.faults.push_back(static_cast<double>(r.minor_faults));
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  out.batch_s += static_cast<double>(now_ns() - start) / 1e9;
  for (const Samples& m : per) {
    out.wall_ms.insert(out.wall_ms.end(), m.wall_ms.begin(), m.wall_ms.end());
    out.cpu_ms.insert(out.cpu_ms.end(), m.cpu_ms.begin(), m.cpu_ms.end());
    out.faults.insert(out.faults.end(), m.faults.begin(), m.faults.end());
    out.logins += static_cast<long>(m.wall_ms.size());
    out.wrong_exits += m.wrong_exits;
  }
}

struct Row {
  std::string store;
  long size;
  int streams;
  std::string name;
  long logins, wrong_exits;
  double rate, median_ms, p99_ms, cpu_ms, faults;
};

double p99(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[std::min(v.size() - 1, (v.size() * 99) / 100)];
}

long file_size(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<long>(st.st_size) : 0;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

const Row* find(const std::vector<Row>& rows, long size, int streams, const std::string& name,
                const std::string& store = "sqlite") {
  for (const Row& r : rows) {
    if (r.store == store && r.size == size && r.streams == streams && r.name == name) return &r;
  }
  return nullptr;
}

struct Ratio {
  std::string name;
  double value;
  std::string target;  // "" for a figure the issue sets no target for
  bool met;
};

// One database the cases run against: a store at one size.
struct Target {
  std::string store;
  long size;
  std::string location, hash;
};

// Every target, every case: for each stream count, the rounds alternate over all of them
// (both database sizes, every store), so that a ratio between two sizes or two stores is
// as immune to the host's drift as one between two cases. Rows by target, then streams.
void measure(const std::vector<Target>& targets, const Options& o, std::vector<Row>& rows) {
  std::vector<std::vector<Case>> all;
  std::vector<std::vector<std::string>> envs;
  for (const Target& t : targets) {
    std::vector<Case> mine = cases(t.store != "sqlite");
    for (Case& c : mine) {
      if (c.name == "verify") {
        c.in_process = [hash = t.hash] {
          return crypto_pwhash_str_verify(hash.c_str(), kPassword.data(), kPassword.size()) == 0;
        };
      } else if (c.name == "connect" || c.name == "connect+read") {
        const bool read = c.name == "connect+read";
        c.in_process = [location = t.location, read] { return pg_connect(location, read); };
      }
    }
    all.push_back(std::move(mine));
    envs.push_back({"CHECKPW_DB=" + t.location, "FLOOR_VERIFY_HASH=" + t.hash, "PATH=/usr/bin:/bin",
                    "TCPREMOTEIP=127.0.0.1"});
  }
  std::vector<std::vector<Row>> by_target(targets.size());
  for (int streams : o.streams) {
    std::vector<std::vector<Samples>> samples;
    for (const auto& mine : all) samples.emplace_back(mine.size());
    const int each = std::max(1, o.logins / o.rounds / streams);
    for (int r = 0; r < o.rounds; ++r) {
      for (std::size_t t = 0; t < targets.size(); ++t) {
        for (std::size_t c = 0; c < all[t].size(); ++c) {
          batch(all[t][c], envs[t], streams, each, samples[t][c]);
        }
      }
    }
    for (std::size_t t = 0; t < targets.size(); ++t) {
      for (std::size_t c = 0; c < all[t].size(); ++c) {
        Samples& s = samples[t][c];
        by_target[t].push_back({targets[t].store, targets[t].size, streams, all[t][c].name,
                                s.logins, s.wrong_exits, static_cast<double>(s.logins) / s.batch_s,
                                median(s.wall_ms), p99(s.wall_ms), median(s.cpu_ms),
                                median(s.faults)});
      }
    }
  }
  for (auto& mine : by_target) rows.insert(rows.end(), mine.begin(), mine.end());
}

int run(const Options& o) {
  if (sodium_init() < 0) return 111;
  const std::vector<Case> all = cases(false);
  auto wants = [&](const char* store) {
    return std::count(o.stores.begin(), o.stores.end(), store) > 0;
  };
  std::unique_ptr<PgSite> pg;
  if (wants("postgres") || wants("pgbouncer") || wants("pg-peer")) {
    pg = std::make_unique<PgSite>();
    if (wants("pgbouncer")) pg->start_bouncer();
    if (wants("pg-peer")) pg->enable_peer();
    // The server made this process a child subreaper (to reap its postmaster): from here
    // on, orphans (store_tidy's detached checkpointers) go to init again, not to us as
    // zombies.
    prctl(PR_SET_CHILD_SUBREAPER, 0);
  }
  std::vector<Target> targets;
  std::string largest_db;
  for (long size : o.sizes) {
    const std::string db = fixture(o, size);
    largest_db = db;
    sqlite3* h = nullptr;
    sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr);
    const std::string hash =
        text_of(h, "SELECT hash FROM accounts WHERE name = '" + stream_user(0) + "'");
    sqlite3_close(h);
    if (wants("sqlite")) targets.push_back({"sqlite", size, db, hash});
    if (pg) {
      pg->fill(size);
      if (wants("postgres")) targets.push_back({"postgres", size, pg->login(size), hash});
      if (wants("pgbouncer")) targets.push_back({"pgbouncer", size, pg->bounced(size), hash});
      if (wants("pg-peer")) targets.push_back({"pg-peer", size, pg->peer(size), hash});
    }
  }
  std::vector<Row> rows;
  measure(targets, o, rows);

  // The WAL phase: distinct accounts, each login a first login (a bookkeeping write).
  long wal_max = 0, wal_logins = 0;
  double wal_rate = 0;
  if (o.wal_logins > 0 && wants("sqlite")) {
    const long size = o.sizes.back() - kMaxStreams;
    const std::vector<std::string> env = {"CHECKPW_DB=" + largest_db, "PATH=/usr/bin:/bin"};
    const std::string program = kBin + "cram-md5-checkpw";
    const std::string right = cram_md5_response(kPassword, kChallenge);
    std::atomic<long> next{0}, wrong{0};
    std::atomic<long> max_seen{file_size(largest_db + "-wal")};
    const std::int64_t start = now_ns();
    std::vector<std::thread> threads;
    for (int s = 0; s < 2; ++s) {
      threads.emplace_back([&] {
        for (long i = next++; i < o.wal_logins; i = next++) {
          const Spawned r =
              spawn_login(program, env, request_of(bulk_user(i % size), right, kChallenge));
          if (r.exit_code != 0) ++wrong;
          if (i % 500 == 0) {
            const long w = file_size(largest_db + "-wal");
            long m = max_seen.load();
            while (w > m && !max_seen.compare_exchange_weak(m, w)) {
            }
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    wal_max = std::max(max_seen.load(), file_size(largest_db + "-wal"));
    wal_logins = o.wal_logins;
    wal_rate = static_cast<double>(o.wal_logins) / (static_cast<double>(now_ns() - start) / 1e9);
    if (wrong > 0) std::fprintf(stderr, "login-rate: %ld WAL-phase logins failed\n", wrong.load());
  }

  // The table.
  std::printf(
      "login rate on %s, %u cores; failure delay 0; median and p99 wall ms, CPU ms and "
      "page faults per login\n",
      cpu_model().c_str(), std::thread::hardware_concurrency());
  std::printf("%-9s %9s %7s %-12s %9s %9s %9s %9s %7s %6s\n", "store", "accounts", "streams",
              "case", "logins/s", "median", "p99", "cpu", "faults", "wrong");
  for (const Row& r : rows) {
    std::printf("%-9s %9ld %7d %-12s %9.1f %9.3f %9.3f %9.3f %7.0f %6ld\n", r.store.c_str(), r.size,
                r.streams, r.name.c_str(), r.rate, r.median_ms, r.p99_ms, r.cpu_ms, r.faults,
                r.wrong_exits);
  }

  // The ratios the issue sets, for every database size and stream count measured.
  std::vector<Ratio> ratios;
  const long small = o.sizes.front(), large = o.sizes.back();
  for (long size : wants("sqlite") ? o.sizes : std::vector<long>{}) {
    for (int streams : o.streams) {
      const Row* floor = find(rows, size, streams, "floor");
      const Row* cram = find(rows, size, streams, "cram-right");
      const Row* plain = find(rows, size, streams, "plain-right");
      const Row* verify = find(rows, size, streams, "verify");
      const std::string at = " @" + std::to_string(size) + "x" + std::to_string(streams);
      const double cram_ratio = cram->rate / floor->rate;
      ratios.push_back(
          {"cram-right rate / floor rate" + at, cram_ratio, ">= 0.85", cram_ratio >= 0.85});
      const double plain_ratio = plain->median_ms / (floor->median_ms + verify->median_ms);
      ratios.push_back({"plain-right time / (floor + verify)" + at, plain_ratio, "<= 1.10",
                        plain_ratio <= 1.10});
      const Row* floor_verify = find(rows, size, streams, "floor-verify");
      ratios.push_back({"plain-right time / floor-verify time" + at,
                        plain->median_ms / floor_verify->median_ms, "", true});
      const Row* floor_sqlite = find(rows, size, streams, "floor-sqlite");
      ratios.push_back(
          {"cram-right rate / floor-sqlite rate" + at, cram->rate / floor_sqlite->rate, "", true});
      ratios.push_back(
          {"floor-sqlite rate / floor rate" + at, floor_sqlite->rate / floor->rate, "", true});
    }
  }
  if (large != small && wants("sqlite")) {
    for (int streams : o.streams) {
      for (const Case& c : all) {
        const double v = find(rows, large, streams, c.name)->median_ms /
                         find(rows, small, streams, c.name)->median_ms;
        ratios.push_back({c.name + " time " + std::to_string(large) + " / " +
                              std::to_string(small) + " @x" + std::to_string(streams),
                          v, "<= 1.10", v <= 1.10});
      }
    }
  }
  const bool has1 = std::count(o.streams.begin(), o.streams.end(), 1) > 0;
  const bool has2 = std::count(o.streams.begin(), o.streams.end(), 2) > 0;
  if (has1 && has2 && wants("sqlite")) {
    for (long size : o.sizes) {
      for (const Case& c : all) {
        const double v = find(rows, size, 2, c.name)->rate / find(rows, size, 1, c.name)->rate;
        ratios.push_back(
            {c.name + " rate 2 streams / 1 @" + std::to_string(size), v, ">= 1.70", v >= 1.70});
      }
    }
  }
  if (wal_logins > 0) {
    const double mib = static_cast<double>(wal_max) / (1 << 20);
    ratios.push_back({"WAL MiB, max over " + std::to_string(wal_logins) +
                          " logins of distinct "
                          "accounts (" +
                          std::to_string(static_cast<long>(wal_rate)) + " logins/s)",
                      mib, "< 4", mib < 4});
  }
  // PostgreSQL against SQLite and the floor, one stream: figures, not targets.
  for (const char* store : {"postgres", "pgbouncer", "pg-peer"}) {
    if (!wants(store) || !has1) continue;
    for (long size : o.sizes) {
      const std::string at = std::string(" ") + store + " @" + std::to_string(size) + "x1";
      const Row* floor = find(rows, size, 1, "floor", store);
      for (const char* name : {"cram-right", "plain-right", "unknown"}) {
        const Row* mine = find(rows, size, 1, name, store);
        if (const Row* lite = find(rows, size, 1, name); lite != nullptr) {
          ratios.push_back({std::string(name) + " time / sqlite" + at,
                            mine->median_ms / lite->median_ms, "", true});
        }
        ratios.push_back(
            {std::string(name) + " rate / floor" + at, mine->rate / floor->rate, "", true});
      }
      const Row* connect = find(rows, size, 1, "connect+read", store);
      const Row* cram = find(rows, size, 1, "cram-right", store);
      ratios.push_back({"connect+read time / cram-right time" + at,
                        connect->median_ms / cram->median_ms, "", true});
    }
  }
  std::printf("\n%-64s %9s %8s %s\n", "ratio", "value", "target", "");
  for (const Ratio& r : ratios) {
    std::printf("%-64s %9.3f %8s %s\n", r.name.c_str(), r.value, r.target.c_str(),
                r.target.empty() ? ""
                : r.met          ? "met"
                                 : "NOT MET");
  }

  std::ofstream js(o.json);
  js << "{\"cpu\": \"" << cpu_model() << "\", \"cores\": " << std::thread::hardware_concurrency()
     << ", \"results\": [";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    js << (i ? ", " : "") << "{\"store\": \"" << r.store << "\", \"accounts\": " << r.size
       << ", \"streams\": " << r.streams << ", \"case\": \"" << r.name
       << "\", \"logins\": " << r.logins << ", \"wrong_exits\": " << r.wrong_exits
       << ", \"logins_per_s\": " << r.rate << ", \"median_ms\": " << r.median_ms
       << ", \"p99_ms\": " << r.p99_ms << ", \"cpu_ms\": " << r.cpu_ms
       << ", \"minor_faults\": " << r.faults << "}";
  }
  js << "], \"ratios\": [";
  for (std::size_t i = 0; i < ratios.size(); ++i) {
    js << (i ? ", " : "") << "{\"name\": \"" << ratios[i].name
       << "\", \"value\": " << ratios[i].value << ", \"target\": \"" << ratios[i].target
       << "\", \"met\": " << (ratios[i].met ? "true" : "false") << "}";
  }
  js << "], \"wal\": {\"logins\": " << wal_logins << ", \"max_bytes\": " << wal_max
     << ", \"logins_per_s\": " << wal_rate << "}}\n";
  long wrong = 0;
  for (const Row& r : rows) wrong += r.wrong_exits;
  if (wrong > 0) {
    std::fprintf(stderr, "login-rate: %ld logins had the wrong exit code\n", wrong);
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace checkpw::bench

int main(int argc, char** argv) {
  try {
    return checkpw::bench::run(checkpw::bench::parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "login-rate: %s\n", e.what());
    return 111;
  }
}
