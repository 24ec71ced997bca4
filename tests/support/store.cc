#include "support/store.h"

#include <unistd.h>

#include <atomic>
#include <memory>
#include <stdexcept>

#include "support/db.h"
#include "support/postgres.h"

namespace checkpw::test {
namespace {

constexpr char kOwner[] = "checkpw_owner";
constexpr char kOwnerPassword[] = "owner-pw-1c9e";
constexpr char kLogin[] = "checkpw_login";
constexpr char kLoginPassword[] = "login-pw-7b2a";

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::string first_value(const std::string& out) {
  std::string line = out.substr(0, out.find('\n'));
  return line.substr(0, line.find('|'));
}

}  // namespace

std::string store_kind_name(StoreKind kind) {
  return kind == StoreKind::kSqlite ? "Sqlite" : "Postgres";
}

PostgresServer& shared_postgres() {
  static std::unique_ptr<PostgresServer> server;
  if (!server) {
    server = PostgresServer::start_primary();
    server->create_role(kOwner, kOwnerPassword);
    server->create_role(kLogin, kLoginPassword);
  }
  return *server;
}

TestStore::TestStore(StoreKind kind, const TempDir& dir) : kind_(kind) {
  if (kind == StoreKind::kSqlite) {
    admin_ = login_ = dir.file("users.db");
    return;
  }
  static std::atomic<int> counter{0};
  database_ = "t" + std::to_string(getpid()) + "_" + std::to_string(++counter);
  PostgresServer& pg = shared_postgres();
  pg.create_database(database_, kOwner);
  admin_ = pg.uri(kOwner, kOwnerPassword, database_);
  login_ = pg.uri(kLogin, kLoginPassword, database_);
}

TestStore::~TestStore() {
  if (postgres()) (void)shared_postgres().sql("DROP DATABASE " + database_ + " WITH (FORCE)");
}

std::vector<std::string> TestStore::init_args() const {
  if (postgres()) return {"init", "--login-role", kLogin};
  return {"init"};
}

std::string TestStore::value(const std::string& query) const {
  if (!postgres()) return db_value(admin_, query);
  const RunResult r = shared_postgres().sql(query, database_);
  if (r.exit_code != 0) throw std::runtime_error("psql: " + query + ": " + r.err);
  return first_value(r.out);
}

void TestStore::exec(const std::string& sql) const {
  if (!postgres()) {
    db_exec(admin_, sql);
    return;
  }
  const RunResult r = psql_run(admin_, sql);
  if (r.exit_code != 0) throw std::runtime_error("psql: " + sql + ": " + r.err);
}

std::string TestStore::dump() const {
  if (!postgres()) return db_dump(admin_);
  const RunResult r = shared_postgres().sql(
      "SELECT version FROM checkpw_schema; "
      "SELECT row_to_json(a)::text FROM (SELECT * FROM accounts ORDER BY name) a; "
      "SELECT key || '=' || value FROM settings ORDER BY key;",
      database_);
  if (r.exit_code != 0) throw std::runtime_error("psql dump: " + r.err);
  return r.out;
}

void TestStore::plant_ids(const std::string& name, long uid, long gid) const {
  const std::string set = "UPDATE accounts SET uid = " + std::to_string(uid) +
                          ", gid = " + std::to_string(gid) + " WHERE name = " + quoted(name);
  if (!postgres()) {
    db_exec(admin_, "PRAGMA ignore_check_constraints = ON; " + set);
    return;
  }
  exec(
      "ALTER TABLE accounts DROP CONSTRAINT IF EXISTS accounts_uid_check, "
      "DROP CONSTRAINT IF EXISTS accounts_gid_check; " +
      set);
}

}  // namespace checkpw::test
