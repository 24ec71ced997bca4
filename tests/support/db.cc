#include "support/db.h"

#include <sqlite3.h>

#include <stdexcept>
#include <utility>

#include "support/util.h"

namespace checkpw::test {
namespace {

struct Db {
  sqlite3* db = nullptr;
  ~Db() { sqlite3_close_v2(db); }
};

struct Stmt {
  sqlite3_stmt* st = nullptr;
  ~Stmt() { sqlite3_finalize(st); }
};

void prepare(Db& d, Stmt& s, const std::string& sql) {
  if (sqlite3_prepare_v2(d.db, sql.c_str(), -1, &s.st, nullptr) != SQLITE_OK) {
    throw std::runtime_error(std::string("prepare: ") + sqlite3_errmsg(d.db));
  }
}

std::string value(sqlite3_stmt* st, int col) {
  switch (sqlite3_column_type(st, col)) {
    case SQLITE_INTEGER:
      return std::to_string(sqlite3_column_int64(st, col));
    case SQLITE_FLOAT:
      return std::to_string(sqlite3_column_double(st, col));
    case SQLITE_TEXT: {
      const auto* p = sqlite3_column_text(st, col);
      return "'" +
             std::string(reinterpret_cast<const char*>(p),
                         static_cast<std::size_t>(sqlite3_column_bytes(st, col))) +
             "'";
    }
    case SQLITE_BLOB:
      return "X'" +
             to_hex(static_cast<const unsigned char*>(sqlite3_column_blob(st, col)),
                    static_cast<std::size_t>(sqlite3_column_bytes(st, col))) +
             "'";
    default:
      return "NULL";
  }
}

}  // namespace

std::string db_dump(const std::string& path) {
  Db d;
  const int rc = sqlite3_open_v2(path.c_str(), &d.db, SQLITE_OPEN_READONLY, nullptr);
  if (rc != SQLITE_OK) throw std::runtime_error("open " + path);
  std::string out;
  {
    Stmt s;
    prepare(d, s, "PRAGMA user_version");
    if (sqlite3_step(s.st) != SQLITE_ROW) throw std::runtime_error(sqlite3_errmsg(d.db));
    out += "user_version " + std::to_string(sqlite3_column_int64(s.st, 0)) + "\n";
  }
  std::vector<std::string> tables;
  {
    Stmt s;
    prepare(d, s, "SELECT type, name, sql FROM sqlite_schema ORDER BY name");
    while (sqlite3_step(s.st) == SQLITE_ROW) {
      out += value(s.st, 0) + " " + value(s.st, 1) + " " + value(s.st, 2) + "\n";
      if (std::string(reinterpret_cast<const char*>(sqlite3_column_text(s.st, 0))) == "table") {
        tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s.st, 1)));
      }
    }
  }
  for (const auto& t : tables) {
    Stmt s;
    // Table names come from sqlite_schema of our own fixture, quoted as identifiers.
    prepare(d, s, "SELECT * FROM \"" + t + "\" ORDER BY 1");
    while (sqlite3_step(s.st) == SQLITE_ROW) {
      out += t + ":";
      for (int c = 0; c < sqlite3_column_count(s.st); ++c) out += " " + value(s.st, c);
      out += "\n";
    }
  }
  return out;
}

DbConnection::DbConnection(const std::string& path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    sqlite3_close_v2(db_);
    throw std::runtime_error("open " + path);
  }
  sqlite3_busy_timeout(db_, 5000);
  int persist = 1;
  sqlite3_file_control(db_, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
}

DbConnection::~DbConnection() {
  sqlite3_close_v2(db_);
}

void DbConnection::exec(const std::string& sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string m = msg != nullptr ? msg : "error";
    sqlite3_free(msg);
    throw std::runtime_error(m);
  }
}

void db_exec(const std::string& path, const std::string& sql) {
  DbConnection(path).exec(sql);
}

std::string db_value(const std::string& path, const std::string& query) {
  sqlite3* h = nullptr;
  std::string value;
  if (sqlite3_open_v2(path.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(h, query.c_str(), -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
      value = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(h);
  return value;
}

RunResult run_userdb_tool(const std::string& db, std::vector<std::string> args,
                          const std::string& stdin_data) {
  args.insert(args.begin(), {CHECKPW_BUILD_DIR "/bin/userdb-tool", "--db", db});
  RunOptions o;
  o.argv = std::move(args);
  o.env = base_env();
  o.stdin_data = stdin_data;
  o.fd3 = Fd3::kClosed;
  return run(o);
}

void make_test_database(const std::string& db,
                        const std::vector<std::pair<std::string, std::string>>& accounts,
                        const std::vector<std::pair<std::string, std::string>>& settings) {
  auto must = [&](std::vector<std::string> args, const std::string& in = "") {
    const RunResult r = run_userdb_tool(db, args, in);
    if (r.exit_code != 0) throw std::runtime_error("userdb-tool " + args[0] + ": " + r.err);
  };
  must({"init"});
  std::vector<std::pair<std::string, std::string>> all = {
      {"argon2_opslimit", "1"}, {"argon2_memlimit", "8192"}, {"failure_delay_ms", "0"}};
  all.insert(all.end(), settings.begin(), settings.end());
  for (const auto& [key, value] : all) must({"config", key, value});
  for (const auto& [name, password] : accounts) {
    must({"add", name, "--password-stdin"}, password + "\n");
  }
}

}  // namespace checkpw::test
