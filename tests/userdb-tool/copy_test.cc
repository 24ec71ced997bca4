// userdb-tool copy --from LOCATION --to LOCATION, the move from one host's SQLite file to
// several hosts' PostgreSQL and back, with real stores: an
// SQLite file whose bookkeeping and lockout state real logins of the real checkpw wrote,
// copied into a PostgreSQL database that has no schema yet, then into an SQLite file that
// does not exist yet, arrives field for field with every setting, and the programs decide
// on the copy as on the source; PostgreSQL to PostgreSQL too. A target that holds an
// account (or a PostgreSQL schema not ours) is refused and left as it was; usage errors and
// a source row userdb-tool would not write are 2; a source or target that cannot be opened
// is 111. A URI's password is never shown, not even when libpq quotes a malformed URI.
#include <crypt.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <map>

#include "store/location.h"
#include "store/settings.h"
#include "support/json.h"
#include "support/request.h"
#include "userdb-tool/fixture.h"

namespace checkpw::test {
namespace {

const std::string kCheckpw = CHECKPW_BUILD_DIR "/tests/bin/checkpw";

// userdb-tool --db LOCATION ARGS...
RunResult tool_on(const std::string& location, std::vector<std::string> args,
                  std::string_view in = "") {
  args.insert(args.begin(), {kTool, "--db", location});
  return run_admin(std::move(args), in);
}

// userdb-tool ARGS... (copy takes no --db).
RunResult tool_bare(std::vector<std::string> args) {
  args.insert(args.begin(), kTool);
  return run_admin(std::move(args));
}

RunResult copy(const std::string& from, const std::string& to) {
  return tool_bare({"copy", "--from", from, "--to", to});
}

// A checkpassword login with the real checkpw against `location` (the programs' own
// location: the file, or the login role's URI). Its log goes to stderr.
RunResult login(const std::string& location, const std::string& user, const std::string& pw) {
  RunOptions o;
  o.argv = {kCheckpw, "/bin/true"};
  o.fd3_data = checkpassword_request(user, pw);
  o.env = {"CHECKPW_DB=" + location, "PATH=/usr/bin:/bin", "TCPREMOTEIP=192.0.2.9"};
  return run(o);
}

// The password in a URI's user:PASSWORD@ part ("" for none): it must never be shown.
std::string uri_password(const std::string& uri) {
  const std::size_t start = uri.find("://") + 3, at = uri.find('@', start);
  const std::size_t colon = uri.find(':', start);
  if (at == std::string::npos || colon == std::string::npos || colon > at) return "";
  return uri.substr(colon + 1, at - colon - 1);
}

void expect_no_password(const RunResult& r, const std::vector<std::string>& uris) {
  for (const std::string& uri : uris) {
    const std::string pw = uri_password(uri);
    if (pw.empty()) continue;
    EXPECT_EQ(r.out.find(pw), std::string::npos) << "password shown: " << r.out;
    EXPECT_EQ(r.err.find(pw), std::string::npos) << "password shown: " << r.err;
  }
}

// Every row as AdminStore::list reads it, by name.
std::map<std::string, Account> accounts_of(const std::string& location) {
  auto s = admin_store_open(location, AdminAccess::kRead);
  if (!s) throw std::runtime_error(s.error().message);
  auto all = (*s)->list();
  if (!all) throw std::runtime_error(all.error().message);
  std::map<std::string, Account> by_name;
  for (Account& a : *all) by_name.emplace(a.name, std::move(a));
  return by_name;
}

// Every column but the id (each store numbers its own rows).
void expect_same_account(const Account& want, const Account& got) {
  SCOPED_TRACE(want.name);
  EXPECT_EQ(got.name, want.name);
  EXPECT_EQ(got.hash, want.hash);
  EXPECT_EQ(got.has_cram_md5, want.has_cram_md5);
  EXPECT_EQ(got.cram_md5, want.cram_md5);
  EXPECT_EQ(got.enabled, want.enabled);
  EXPECT_EQ(got.uid, want.uid);
  EXPECT_EQ(got.gid, want.gid);
  EXPECT_EQ(got.home, want.home);
  EXPECT_EQ(got.shell, want.shell);
  EXPECT_EQ(got.created, want.created);
  EXPECT_EQ(got.changed, want.changed);
  EXPECT_EQ(got.last_login, want.last_login);
  EXPECT_EQ(got.failures, want.failures);
  EXPECT_EQ(got.total_failures, want.total_failures);
  EXPECT_EQ(got.window_failures, want.window_failures);
  EXPECT_EQ(got.window_start, want.window_start);
  EXPECT_EQ(got.locked_until, want.locked_until);
}

// What userdb-tool shows of a store: list --json, show --json of each account, config.
struct Shown {
  std::string list, config;
  std::map<std::string, std::string> show;
};

Shown shown_by_tool(const std::string& location, const std::vector<std::string>& names) {
  Shown s;
  const RunResult list = tool_on(location, {"list", "--json"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  s.list = list.out;
  const RunResult config = tool_on(location, {"config"});
  EXPECT_EQ(config.exit_code, 0) << config.err;
  s.config = config.out;
  for (const std::string& n : names) {
    const RunResult show = tool_on(location, {"show", n, "--json"});
    EXPECT_EQ(show.exit_code, 0) << n << ": " << show.err;
    s.show[n] = show.out;
  }
  return s;
}

void expect_same_shown(const Shown& want, const Shown& got) {
  EXPECT_EQ(got.list, want.list);
  EXPECT_EQ(got.config, want.config);
  EXPECT_EQ(got.show, want.show);
}

const std::string kOdd = "o\"brien\\x\xc3\xbc\xe2\x82\xac@example.org";  // JSON and UTF-8

// The source: an SQLite file made by userdb-tool, with settings away from their defaults
// and the bookkeeping of real logins: a success after a failure, one failure, a lock.
class CopyRoundTrip : public testing::Test {
 protected:
  void SetUp() override {
    src_tool({"init"});
    for (const auto& [key, value] :
         std::vector<std::pair<std::string, std::string>>{{"argon2_opslimit", "1"},
                                                          {"argon2_memlimit", "8192"},
                                                          {"failure_delay_ms", "0"},
                                                          {"busy_timeout_ms", "4000"},
                                                          {"deadline_ms", "9000"},
                                                          {"last_login_interval_s", "60"},
                                                          {"lockout_failures", "2"},
                                                          {"lockout_window_s", "600"},
                                                          {"lockout_duration_s", "3600"},
                                                          {"log_failed_names", "yes"},
                                                          {"default_domain", "example.org"}}) {
      src_tool({"config", key, value});
    }
    src_tool({"add", "alice@example.org", "--uid", "1001", "--gid", "1002", "--home", "/home/alice",
              "--shell", "/bin/sh", "--password-stdin"},
             "alice-pw\n");
    src_tool({"add", "bob", "--no-cram-md5", "--password-stdin"}, "bob-pw\n");
    src_tool({"add", "carol", "--password-stdin"}, "carol-pw\n");
    src_tool({"disable", "carol"});
    src_tool({"add", "dave", "--password-stdin"}, "dave-pw\n");
    src_tool({"add", "frank", "--password-stdin"}, "frank-pw\n");
    src_tool({"add", kOdd, "--home", "/home/\"quoted\"", "--password-stdin"}, "odd-pw\n");
    // erin came from /etc/shadow: a SHA-512 crypt(3) hash and no CRAM-MD5 secret.
    src_tool({"add", "erin", "--no-cram-md5", "--password-stdin"}, "erin-pw\n");
    const char* legacy = crypt("erin-pw", "$6$saltsalt$");
    ASSERT_NE(legacy, nullptr);
    src.exec(std::string("UPDATE accounts SET hash = '") + legacy + "' WHERE name = 'erin'");

    // Real logins against the source: bob fails once; dave fails twice and is locked;
    // frank fails, then succeeds (last_login, a total kept, the window cleared).
    EXPECT_EQ(login(src.login(), "bob", "wrong-pw").exit_code, 1);
    EXPECT_EQ(login(src.login(), "dave", "wrong-pw").exit_code, 1);
    EXPECT_EQ(login(src.login(), "dave", "wrong-pw").exit_code, 1);
    EXPECT_EQ(login(src.login(), "frank", "wrong-pw").exit_code, 1);
    EXPECT_EQ(login(src.login(), "frank", "frank-pw").exit_code, 0);

    // The state those logins left, so that the comparisons below compare something.
    const auto rows = accounts_of(src.admin());
    ASSERT_EQ(rows.size(), 7u);
    const Account& bob = rows.at("bob");
    EXPECT_EQ(bob.failures, 1);
    EXPECT_EQ(bob.window_failures, 1);
    EXPECT_TRUE(bob.window_start.has_value());
    EXPECT_FALSE(bob.locked_until.has_value());
    const Account& dave = rows.at("dave");
    EXPECT_EQ(dave.failures, 2);
    EXPECT_EQ(dave.total_failures, 2);
    ASSERT_TRUE(dave.locked_until.has_value());
    EXPECT_GT(*dave.locked_until, static_cast<std::int64_t>(std::time(nullptr)) + 3000);
    const Account& frank = rows.at("frank");
    EXPECT_TRUE(frank.last_login.has_value());
    EXPECT_EQ(frank.failures, 0);
    EXPECT_EQ(frank.total_failures, 1);
    EXPECT_EQ(frank.window_failures, 0);
    EXPECT_FALSE(rows.at("carol").enabled);
    EXPECT_FALSE(rows.at("erin").has_cram_md5);
    EXPECT_TRUE(rows.at("alice@example.org").has_cram_md5);
  }

  void src_tool(const std::vector<std::string>& args, std::string_view in = "") {
    const RunResult r = tool_on(src.admin(), args, in);
    ASSERT_EQ(r.exit_code, 0) << testing::PrintToString(args) << ": " << r.err;
  }

  static std::vector<std::string> names() {
    return {"alice@example.org", "bob", "carol", "dave", "erin", "frank", kOdd};
  }

  // "copied N account(s) and M settings from FROM to TO\n", the URIs' passwords hidden.
  static std::string copied_line(const std::string& from, const std::string& to) {
    return "copied 7 account(s) and " + std::to_string(setting_keys().size()) + " settings from " +
           location_shown(from) + " to " + location_shown(to) + "\n";
  }

  TempDir dir, last_dir;
  TestStore src{StoreKind::kSqlite, dir};
  TestStore pg{StoreKind::kPostgres, dir};       // a database without the schema
  TestStore last{StoreKind::kSqlite, last_dir};  // a file that does not exist yet
};

TEST_F(CopyRoundTrip, SqliteToPostgresToANewSqliteFileKeepsEveryAccountAndSetting) {
  const std::string src_dump = src.dump();
  const auto src_rows = accounts_of(src.admin());
  const Shown src_shown = shown_by_tool(src.admin(), names());
  ASSERT_EQ(pg.value("SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                     "'public'"),
            "0")
      << "the PostgreSQL target starts without the schema";
  ASSERT_NE(access(last.admin().c_str(), F_OK), 0) << "the SQLite target does not exist yet";

  // SQLite to PostgreSQL: copy makes the schema.
  RunResult r = copy(src.admin(), pg.admin());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, copied_line(src.admin(), pg.admin()));
  EXPECT_EQ(r.err, "");
  expect_no_password(r, {pg.admin()});
  EXPECT_EQ(src.dump(), src_dump) << "the source is only read";
  EXPECT_EQ(pg.value("SELECT version FROM checkpw_schema"), std::to_string(kSchemaVersion));
  const auto pg_rows = accounts_of(pg.admin());
  ASSERT_EQ(pg_rows.size(), src_rows.size());
  for (const auto& [name, a] : src_rows) expect_same_account(a, pg_rows.at(name));
  expect_same_shown(src_shown, shown_by_tool(pg.admin(), names()));
  const RunResult check_pg = tool_on(pg.admin(), {"check"});
  EXPECT_EQ(check_pg.exit_code, 0) << check_pg.out << check_pg.err;

  // PostgreSQL to an SQLite file that does not exist: copy creates it, mode 0600.
  const std::string pg_dump = pg.dump();
  r = copy(pg.admin(), last.admin());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out,
            "created " + last.admin() + " (mode 0600)\n" + copied_line(pg.admin(), last.admin()));
  EXPECT_EQ(r.err, "");
  expect_no_password(r, {pg.admin()});
  EXPECT_EQ(pg.dump(), pg_dump) << "the source is only read";
  struct stat st {};
  ASSERT_EQ(stat(last.admin().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  const auto last_rows = accounts_of(last.admin());
  ASSERT_EQ(last_rows.size(), src_rows.size());
  for (const auto& [name, a] : src_rows) expect_same_account(a, last_rows.at(name));
  expect_same_shown(src_shown, shown_by_tool(last.admin(), names()));
  // The file holds what init makes and nothing else; the CRAM-MD5 secrets are the same bytes.
  const RunResult check = tool_on(last.admin(), {"check"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  for (const char* n : {"alice@example.org", "frank"}) {
    const std::string q =
        std::string("SELECT lower(hex(cram_md5)) FROM accounts WHERE name = '") + n + "'";
    EXPECT_EQ(last.value(q), src.value(q)) << n;
    EXPECT_EQ(last.value(q).size(), 64u) << n;
  }

  // The programs decide on the copy as on the source: the right password logs in (the
  // crypt(3) hash too), the lock holds, the disabled account and a wrong password are
  // refused.
  for (const std::string& location : {src.login(), last.login()}) {
    SCOPED_TRACE(location);
    EXPECT_EQ(login(location, "frank", "frank-pw").exit_code, 0);
    EXPECT_EQ(login(location, "erin", "erin-pw").exit_code, 0);
    const RunResult locked = login(location, "dave", "dave-pw");
    EXPECT_EQ(locked.exit_code, 1);
    EXPECT_NE(locked.err.find("reason=locked"), std::string::npos) << locked.err;
    EXPECT_EQ(login(location, "carol", "carol-pw").exit_code, 1);
    EXPECT_EQ(login(location, "bob", "bob-pw-typo").exit_code, 1);
  }
  // bob's second failure in the copied window locks him on the copy, as on the source.
  for (const std::string& location : {src.admin(), last.admin()}) {
    EXPECT_FALSE(
        json_parse(tool_on(location, {"show", "bob", "--json"}).out)["locked_until"].is_null())
        << location;
  }

  // The PostgreSQL copy, once init grants the programs' role its privileges.
  ASSERT_EQ(tool_on(pg.admin(), pg.init_args()).exit_code, 0);
  EXPECT_EQ(login(pg.login(), "frank", "frank-pw").exit_code, 0);
  const RunResult locked = login(pg.login(), "dave", "dave-pw");
  EXPECT_EQ(locked.exit_code, 1);
  EXPECT_NE(locked.err.find("reason=locked"), std::string::npos) << locked.err;
}

// PostgreSQL as the source and as the target: a copy of a copy is still the same.
TEST_F(CopyRoundTrip, PostgresToPostgres) {
  ASSERT_EQ(copy(src.admin(), pg.admin()).exit_code, 0);
  TestStore other{StoreKind::kPostgres, dir};
  const RunResult r = copy(pg.admin(), other.admin());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, copied_line(pg.admin(), other.admin()));
  expect_no_password(r, {pg.admin(), other.admin()});
  const auto want = accounts_of(src.admin());
  const auto got = accounts_of(other.admin());
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [name, a] : want) expect_same_account(a, got.at(name));
  expect_same_shown(shown_by_tool(src.admin(), names()), shown_by_tool(other.admin(), names()));
}

// Refusals, by the kind of the target (the source is of the other kind).
class CopyRefusal : public testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(make(source));
    ASSERT_NO_FATAL_FAILURE(make(target));
    ASSERT_NO_FATAL_FAILURE(add(source, "alice", "alice-pw"));
    ASSERT_NO_FATAL_FAILURE(add(source, "bob", "bob-pw"));
  }

  static void make(const TestStore& s) {
    const RunResult r = tool_on(s.admin(), s.init_args());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const char* key : {"argon2_opslimit", "argon2_memlimit"}) {
      const RunResult c =
          tool_on(s.admin(), {"config", key, std::string(key) == "argon2_opslimit" ? "1" : "8192"});
      ASSERT_EQ(c.exit_code, 0) << c.err;
    }
  }
  static void add(const TestStore& s, const std::string& name, const std::string& pw) {
    const RunResult r = tool_on(s.admin(), {"add", name, "--password-stdin"}, pw + "\n");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static StoreKind other_kind(StoreKind k) {
    return k == StoreKind::kSqlite ? StoreKind::kPostgres : StoreKind::kSqlite;
  }

  TempDir source_dir, target_dir;
  TestStore source{other_kind(GetParam()), source_dir};
  TestStore target{GetParam(), target_dir};
};

INSTANTIATE_TEST_SUITE_P(Stores, CopyRefusal, all_stores(), store_test_name);

TEST_P(CopyRefusal, ATargetThatHoldsAnAccountIsRefusedAndLeftAsItWas) {
  add(target, "zed", "zed-pw");
  ASSERT_EQ(tool_on(target.admin(), {"config", "default_domain", "target.example"}).exit_code, 0);
  const std::string before = target.dump(), source_before = source.dump();
  const RunResult r = copy(source.admin(), target.admin());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("userdb-tool: fatal: unable to copy into " + location_shown(target.admin())),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("holds 1 account(s) already"), std::string::npos) << r.err;
  expect_no_password(r, {source.admin(), target.admin()});
  EXPECT_EQ(target.dump(), before);
  EXPECT_EQ(source.dump(), source_before);
}

// No account, only the schema and settings (init and config): the source's settings win.
TEST_P(CopyRefusal, AnInitializedTargetWithoutAccountsTakesTheSourceSettings) {
  ASSERT_EQ(tool_on(source.admin(), {"config", "lockout_failures", "4"}).exit_code, 0);
  ASSERT_EQ(tool_on(target.admin(), {"config", "default_domain", "target.example"}).exit_code, 0);
  const RunResult r = copy(source.admin(), target.admin());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("copied 2 account(s) and ", 0), 0u) << r.out;
  EXPECT_EQ(tool_on(target.admin(), {"config"}).out, tool_on(source.admin(), {"config"}).out);
  EXPECT_EQ(tool_on(target.admin(), {"config", "default_domain"}).out, "\n");
  EXPECT_EQ(tool_on(target.admin(), {"list", "--json"}).out,
            tool_on(source.admin(), {"list", "--json"}).out);
}

TEST_P(CopyRefusal, UsageErrorsAreTwoAndTouchNothing) {
  const std::string before = target.dump();
  TempDir fresh;
  const std::string nowhere = fresh.file("new.db");
  for (const std::vector<std::string>& args : {
           std::vector<std::string>{"copy"},
           {"copy", "--from", source.admin()},
           {"copy", "--to", nowhere},
           {"copy", "--to", target.admin()},
           {"copy", "--from", target.admin(), "--to", target.admin()},
           {"copy", "--from", source.admin(), "--to", source.admin()},
           {"copy", "--from", source.admin(), "--to", nowhere, "extra"},
           {"copy", "--from"},
       }) {
    SCOPED_TRACE(testing::PrintToString(args));
    const RunResult r = tool_bare(args);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_EQ(r.out, "");
    expect_no_password(r, {source.admin(), target.admin()});
  }
  EXPECT_NE(tool_bare({"copy", "--from", source.admin()}).err.find("copy needs --from and --to"),
            std::string::npos);
  EXPECT_NE(tool_bare({"copy", "--from", target.admin(), "--to", target.admin()})
                .err.find("--from and --to name the same store"),
            std::string::npos);
  EXPECT_NE(access(nowhere.c_str(), F_OK), 0) << "nothing created";
  EXPECT_EQ(target.dump(), before);
}

// A source that does not exist (a missing file, a database the server does not have) or
// cannot be opened (a wrong password): 111, and no target is made. A target that cannot be
// opened: 111. The wrong password is never shown either.
TEST(CopySource, AMissingSourceIsTemporaryAndMakesNoTarget) {
  TempDir dir;
  TestStore pg_src{StoreKind::kPostgres, dir};
  ASSERT_EQ(tool_on(pg_src.admin(), pg_src.init_args()).exit_code, 0);
  TestStore empty_pg{StoreKind::kPostgres, dir};
  const std::string new_file = dir.file("new.db"), missing_file = dir.file("missing.db");
  const std::string& uri = pg_src.admin();
  const std::size_t db_at = uri.find("@/") + 2;
  const std::string missing_db =
      uri.substr(0, db_at) + "no_such_database" + uri.substr(uri.find('?', db_at));
  const std::string pw = uri_password(uri);
  ASSERT_FALSE(pw.empty());
  std::string wrong_pw = uri;
  wrong_pw.replace(wrong_pw.find(":" + pw + "@") + 1, pw.size(), "Wr0ng-Secret-77");
  for (const std::string& from : {missing_file, missing_db, wrong_pw}) {
    for (const std::string& to : {new_file, empty_pg.admin()}) {
      SCOPED_TRACE(location_shown(from) + " -> " + location_shown(to));
      const RunResult r = copy(from, to);
      EXPECT_EQ(r.exit_code, 111) << r.out << r.err;
      EXPECT_EQ(r.out, "");
      EXPECT_NE(r.err.find("userdb-tool: fatal: unable to open source " + location_shown(from)),
                std::string::npos)
          << r.err;
      expect_no_password(r, {uri, wrong_pw, empty_pg.admin()});
    }
  }
  EXPECT_NE(access(missing_file.c_str(), F_OK), 0) << "the missing source stays missing";
  EXPECT_NE(access(new_file.c_str(), F_OK), 0) << "no target file made";
  EXPECT_EQ(empty_pg.value("SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                           "'public'"),
            "0")
      << "no schema made";

  // A target that cannot be opened: a database the server does not have, a wrong
  // password, a directory that does not exist.
  for (const std::string& to : {missing_db, wrong_pw, dir.file("no/such/dir/users.db")}) {
    SCOPED_TRACE(location_shown(to));
    const RunResult r = copy(pg_src.admin(), to);
    EXPECT_EQ(r.exit_code, 111) << r.out << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("userdb-tool: fatal: unable to open target " + location_shown(to)),
              std::string::npos)
        << r.err;
    expect_no_password(r, {uri, wrong_pw});
  }
}

// Every line of `err` is one of `prog`'s own ("prog: ..."): nothing libpq printed itself.
void expect_only_lines_of(const std::string& prog, const std::string& err) {
  std::size_t begin = 0;
  while (begin < err.size()) {
    const std::size_t end = std::min(err.find('\n', begin), err.size());
    EXPECT_EQ(err.compare(begin, prog.size() + 2, prog + ": "), 0)
        << "a line that is not " << prog << "'s: " << err.substr(begin, end - begin);
    begin = end + 1;
  }
}

// libpq's messages about a URI it cannot parse quote the URI, password and all; the
// password must not reach copy's errors, userdb-tool's, or the programs' log. And libpq
// writes nothing to stderr itself (it warned there about the passfile at every connection
// without a password). No server is needed: these fail before or at the connection.
TEST(CopySource, AMalformedUriNeverShowsItsPassword) {
  TempDir dir;
  const std::string target = dir.file("new.db"), source = dir.file("source.db");
  ASSERT_EQ(tool_on(source, {"init"}).exit_code, 0);
  for (const std::string& uri : {
           std::string("postgresql://owner:Pw-Needle-1@[::1/mail"),          // no "]"
           std::string("postgresql://owner:Pw-Needle-1@[]/mail"),            // an empty IPv6 host
           std::string("postgresql://owner:Pw-Needle-1@[::1]x/mail"),        // "x" after the host
           std::string("postgresql://[::1/mail?password=Pw-Needle-1"),       // password= quoted
           std::string("postgres://owner:Pw-Needle-1%zz@/mail?host=/tmp"),   // a bad %-escape
           std::string("postgresql:///mail?host=") + dir.file("no-server"),  // no password
       }) {
    SCOPED_TRACE(location_shown(uri));
    RunResult r = copy(uri, target);
    EXPECT_EQ(r.exit_code, 111) << r.err;
    EXPECT_NE(r.err.find("unable to open source " + location_shown(uri)), std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find("Needle"), std::string::npos) << r.err;
    expect_only_lines_of("userdb-tool", r.err);
    r = copy(source, uri);
    EXPECT_EQ(r.exit_code, 111) << r.err;
    EXPECT_NE(r.err.find("unable to open target " + location_shown(uri)), std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find("Needle"), std::string::npos) << r.err;
    expect_only_lines_of("userdb-tool", r.err);
    r = tool_on(uri, {"list"});
    EXPECT_EQ(r.exit_code, 111) << r.err;
    EXPECT_EQ(r.err.find("Needle"), std::string::npos) << r.err;
    expect_only_lines_of("userdb-tool", r.err);
    r = login(uri, "alice", "alice-pw");
    EXPECT_EQ(r.exit_code, 111) << r.err;
    EXPECT_NE(r.err.find("unable to open database"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("Needle"), std::string::npos) << r.err;
    expect_only_lines_of("checkpw", r.err);
  }
  EXPECT_NE(access(target.c_str(), F_OK), 0);
}

// A source row userdb-tool would not write (uid 0, planted past the CHECK constraints)
// stops the copy with 2, and the target gets no account and no setting.
TEST_P(CopyRefusal, ASourceRowUserdbToolWouldNotWriteStopsTheCopy) {
  add(source, "zero", "zero-pw");
  source.plant_ids("zero", 0, 0);
  ASSERT_EQ(tool_on(source.admin(), {"config", "default_domain", "source.example"}).exit_code, 0);
  const std::string before = target.dump();
  const RunResult r = copy(source.admin(), target.admin());
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("uid"), std::string::npos) << r.err;
  expect_no_password(r, {source.admin(), target.admin()});
  EXPECT_EQ(target.dump(), before) << "one transaction: nothing written";
}

// The same refusal into an SQLite file the copy itself creates: the file goes again
// (with its -wal and -shm), so a failed copy leaves no empty database to point at.
TEST_P(CopyRefusal, AFailedCopyRemovesTheFileItCreated) {
  add(source, "zero", "zero-pw");
  source.plant_ids("zero", 0, 0);
  const std::string made = target_dir.file("made-by-copy.db");
  const RunResult r = copy(source.admin(), made);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("is removed again"), std::string::npos) << r.err;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    EXPECT_NE(access((made + suffix).c_str(), F_OK), 0) << suffix;
  }
  // Fixed at the source, the same copy then makes the file and keeps it.
  source.plant_ids("zero", 5, 5);
  const RunResult ok = copy(source.admin(), made);
  ASSERT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("created "), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("copied "), std::string::npos) << ok.out;
  EXPECT_EQ(access(made.c_str(), F_OK), 0);
  EXPECT_EQ(tool_bare({"--db", made, "show", "zero"}).exit_code, 0);
}

// A PostgreSQL database holding someone else's tables is not adopted.
TEST(CopyToPostgres, AForeignSchemaIsRefusedAndLeftAsItWas) {
  TempDir dir;
  TestStore src{StoreKind::kSqlite, dir};
  ASSERT_EQ(tool_on(src.admin(), {"init"}).exit_code, 0);
  TestStore pg{StoreKind::kPostgres, dir};
  pg.exec("CREATE TABLE mailboxes (name text PRIMARY KEY); INSERT INTO mailboxes VALUES ('x')");
  const RunResult r = copy(src.admin(), pg.admin());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("not a checkpw schema"), std::string::npos) << r.err;
  expect_no_password(r, {pg.admin()});
  EXPECT_EQ(pg.value("SELECT string_agg(table_name, ',') FROM information_schema.tables WHERE "
                     "table_schema = 'public'"),
            "mailboxes");
  EXPECT_EQ(pg.value("SELECT name FROM mailboxes"), "x");
}

}  // namespace
}  // namespace checkpw::test
