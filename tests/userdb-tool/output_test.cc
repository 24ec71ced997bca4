// show, list (text and JSON), verify, config, check and --help, on an SQLite file and on
// PostgreSQL; the checks of the file itself (modes, corruption) on SQLite alone.
#include <sys/stat.h>

#include "core/hex.h"
#include "support/json.h"
#include "userdb-tool/fixture.h"

namespace checkpw::test {
namespace {

class OutputTest : public StoreToolTest {
 protected:
  void SetUp() override { init_fast(); }

  // Neither the hash nor the CRAM-MD5 secret (in hex, either case) appears in `text`.
  void expect_no_secret(const std::string& name, const std::string& text) {
    const auto a = find(name);
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(text.find(a->hash), std::string::npos);
    EXPECT_EQ(text.find(a->hash.substr(a->hash.rfind('$') + 1)), std::string::npos);
    const std::string hex = to_hex(a->cram_md5.data(), a->cram_md5.size());
    std::string upper = hex;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(text.find(hex), std::string::npos);
    EXPECT_EQ(text.find(upper), std::string::npos);
  }
};

INSTANTIATE_TEST_SUITE_P(Stores, OutputTest, all_stores(), store_test_name);

TEST_P(OutputTest, ShowJson) {
  add("alice", "pw", {"--uid", "1000", "--gid", "1001", "--home", "/home/alice"});
  const auto r = tool({"show", "alice", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json j = json_parse(r.out);
  EXPECT_EQ(j["name"].str(), "alice");
  EXPECT_TRUE(j["enabled"].boolean());
  ASSERT_EQ(j["mechanisms"].array().size(), 2u);
  EXPECT_EQ(j["mechanisms"].array()[0].str(), "plain");
  EXPECT_EQ(j["mechanisms"].array()[1].str(), "cram-md5");
  EXPECT_EQ(j["scheme"].str(), "argon2id");
  EXPECT_EQ(j["uid"].integer(), 1000);
  EXPECT_EQ(j["gid"].integer(), 1001);
  EXPECT_EQ(j["home"].str(), "/home/alice");
  EXPECT_TRUE(j["shell"].is_null());
  EXPECT_EQ(j["created"].integer(), find("alice")->created);
  EXPECT_EQ(j["changed"].integer(), find("alice")->changed);
  EXPECT_TRUE(j["last_login"].is_null());
  EXPECT_EQ(j["failures"].integer(), 0);
  EXPECT_EQ(j["total_failures"].integer(), 0);
  EXPECT_EQ(j.object().count("hash"), 0u);
  EXPECT_EQ(j.object().count("cram_md5"), 0u);
  expect_no_secret("alice", r.out);
}

TEST_P(OutputTest, ShowText) {
  add("bob", "pw", {"--no-cram-md5", "--uid", "6", "--gid", "7"});
  ASSERT_EQ(tool({"disable", "bob"}).exit_code, 0);
  {
    auto u = admin_store_open(db, AdminAccess::kWrite);
    ASSERT_TRUE(u.ok());
    ASSERT_TRUE((*u)->record_failure("bob", 1700000000, Lockout{}).ok());
  }
  const auto r = tool({"show", "bob"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* line :
       {"name: bob\n", "enabled: no\n", "mechanisms: plain\n", "uid: 6\n", "gid: 7\n", "home: -\n",
        "last_login: never\n", "failures: 1\n", "total_failures: 1\n", "scheme: argon2id\n"}) {
    EXPECT_NE(r.out.find(line), std::string::npos) << line << "in\n" << r.out;
  }
  EXPECT_NE(r.out.find("created: 20"), std::string::npos) << r.out;
  expect_no_secret("bob", r.out);
  refused(1, {"show", "nobody"});
  refused(2, {"show", "a\nb"});
}

TEST_P(OutputTest, ListJsonEscapesAndOrders) {
  // Quotes, backslashes and non-ASCII are legal in names and must survive JSON.
  const std::string odd = "o\"brien\\x\xc3\xbc\xe2\x82\xac\xf0\x9f\x93\xa7@example.org";
  add("zed", "pw");
  add(odd, "pw", {"--home", "/home/\"quoted\""});
  add("amy", "pw");
  const auto r = tool({"list", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json j = json_parse(r.out);
  ASSERT_EQ(j.array().size(), 3u);
  EXPECT_EQ(j.array()[0]["name"].str(), "amy");
  EXPECT_EQ(j.array()[1]["name"].str(), odd);
  EXPECT_EQ(j.array()[1]["home"].str(), "/home/\"quoted\"");
  EXPECT_EQ(j.array()[2]["name"].str(), "zed");
  for (const char* n : {"amy", "zed"}) expect_no_secret(n, r.out);
  expect_no_secret(odd, r.out);

  // JSON stays valid for rows written by something else (controls, broken UTF-8; a
  // PostgreSQL UTF8 database refuses to store broken UTF-8 in the first place).
  if (store.postgres()) {
    store.exec("UPDATE accounts SET home = '/h' || chr(10) || chr(1) WHERE name = 'zed'");
  } else {
    store.exec(
        "UPDATE accounts SET home = '/h' || char(10) || char(1) || CAST(X'FF' AS TEXT) "
        "WHERE name = 'zed'");
  }
  const Json k = json_parse(tool({"list", "--json"}).out);
  EXPECT_EQ(k.array()[2]["home"].str(), store.postgres() ? "/h\n\x01" : "/h\n\x01\xef\xbf\xbd");
}

TEST_P(OutputTest, ListText) {
  EXPECT_EQ(tool({"list"}).out,
            "name\tenabled\tmechanisms\tuid\tgid\thome\tlast_login\tfailures\n");
  EXPECT_EQ(json_parse(tool({"list", "--json"}).out).array().size(), 0u);
  add("a", "pw", {"--uid", "5", "--gid", "6"});
  const auto r = tool({"list"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("a\tyes\tplain,cram-md5\t5\t6\t-\tnever\t0\n"), std::string::npos) << r.out;
  expect_no_secret("a", r.out);
  refused(2, {"list", "extra"});
}

TEST_P(OutputTest, Verify) {
  add("a", "right");
  auto r = tool({"verify", "a", "--password-stdin"}, "right\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = refused(1, {"verify", "a", "--password-stdin"}, "Zq9-typo\n");
  EXPECT_NE(r.err.find("wrong password"), std::string::npos);
  EXPECT_EQ(r.err.find("Zq9-typo"), std::string::npos);  // never the password
  refused(1, {"verify", "nobody", "--password-stdin"}, "right\n");
  refused(2, {"verify", "a", "--password-stdin"}, "");
  refused(2, {"verify", "a"});  // no terminal
  // A legacy crypt(3) hash works the way the servers will see it.
  store.exec("UPDATE accounts SET hash = '$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/' WHERE name = 'a'");
  EXPECT_EQ(tool({"verify", "a", "--password-stdin"}, "password").exit_code, 0);
  EXPECT_EQ(tool({"verify", "a", "--password-stdin"}, "right").exit_code, 1);
  // A stored string that is no hash at all is our failure, not a wrong password.
  store.exec("UPDATE accounts SET hash = 'garbage' WHERE name = 'a'");
  r = refused(111, {"verify", "a", "--password-stdin"}, "right\n");
  EXPECT_NE(r.err.find("not a valid"), std::string::npos) << r.err;
  EXPECT_EQ(json_parse(tool({"show", "a", "--json"}).out)["mechanisms"].array().size(), 1u);
}

TEST_P(OutputTest, Config) {
  auto r = tool({"config"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out,
            "argon2_opslimit=1\nargon2_memlimit=8192\nbusy_timeout_ms=5000\n"
            "failure_delay_ms=1000\ndeadline_ms=10000\nlast_login_interval_s=300\n"
            "lockout_failures=0\nlockout_window_s=900\n"
            "lockout_duration_s=900\nlog_destination=stderr\nlog_failed_names=no\n"
            "default_domain=\n");
  ASSERT_EQ(tool({"config", "argon2_memlimit", "19M"}).exit_code, 0);
  EXPECT_EQ(tool({"config", "argon2_memlimit"}).out, "19922944\n");
  ASSERT_EQ(tool({"config", "default_domain", "example.org"}).exit_code, 0);
  ASSERT_EQ(tool({"config", "log_failed_names", "yes"}).exit_code, 0);
  EXPECT_EQ(tool({"config", "log_failed_names"}).out, "yes\n");
  // New hashes use the configured cost.
  ASSERT_EQ(tool({"config", "argon2_opslimit", "3"}).exit_code, 0);
  add("a", "pw");
  EXPECT_NE(find("a")->hash.find("m=19456,t=3,p=1"), std::string::npos) << find("a")->hash;

  for (const auto& [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"argon2_opslimit", "0"},
                                                        {"argon2_opslimit", "65"},
                                                        {"argon2_opslimit", "two"},
                                                        {"argon2_memlimit", "4K"},
                                                        {"argon2_memlimit", "8193"},
                                                        {"argon2_memlimit", "2G"},
                                                        {"argon2_memlimit", "-8192"},
                                                        {"busy_timeout_ms", "-1"},
                                                        {"busy_timeout_ms", "600001"},
                                                        {"failure_delay_ms", "60001"},
                                                        {"log_failed_names", "maybe"},
                                                        {"default_domain", "bad domain"},
                                                        {"default_domain", "example..org"},
                                                        {"no_such_key", "1"}}) {
    refused(2, {"config", key, value});
  }
  refused(2, {"config", "no_such_key"});
  refused(2, {"config", "a", "b", "c"});
  // The help names every key and its range.
  r = tool({"config", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* s :
       {"argon2_opslimit", "1 to 64", "argon2_memlimit", "8K", "1G", "busy_timeout_ms",
        "0 to 600000", "failure_delay_ms", "0 to 60000", "log_failed_names", "default_domain"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
  }
}

TEST_P(OutputTest, CheckReports) {
  ASSERT_EQ(chmod(dir.path().c_str(), 0700), 0);
  add("a", "pw");
  auto r = tool({"check"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "integrity: ok\nschema: version 2 (current)\n"
            "objects: ok (no trigger, view, table or index beyond the schema)\n"
            "accounts: 1\n"
            "crypt(3) hashes waiting for a plaintext login to become Argon2id: 0\n"
            "rows: ok\npermissions: ok\n");
  EXPECT_EQ(r.err, "");
}

TEST_P(OutputTest, CheckAuditsTheFileAndItsDirectory) {
  if (store.postgres()) GTEST_SKIP() << "about the SQLite file's modes (PostgreSQL: grants)";
  ASSERT_EQ(chmod(dir.path().c_str(), 0700), 0);
  add("a", "pw");
  ASSERT_NE(tool({"check"}).out.find("permissions: ok\n"), std::string::npos);
  ASSERT_EQ(chmod(db.c_str(), 0644), 0);
  ASSERT_EQ(chmod(dir.path().c_str(), 0775), 0);
  const RunResult r = tool({"check"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("warning: file " + db + " can be read or written by anyone (mode 0644)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("differs from the database"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("warning: directory " + dir.path() + " can be read or written by anyone"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("writable by its group"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("permissions: 5 warning(s)"), std::string::npos) << r.out;
}

TEST_P(OutputTest, CheckFindsCorruption) {
  if (store.postgres()) GTEST_SKIP() << "scribbles over the SQLite file's pages";
  for (int i = 0; i < 50; ++i) add("user" + std::to_string(i), "pw");
  ASSERT_EQ(tool({"init"}).exit_code, 0);
  db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  // Scribble over the second page (the accounts table) but keep the header valid.
  std::string bytes = read_file(db);
  ASSERT_GT(bytes.size(), 8192u);
  for (std::size_t i = 4096 + 8; i < 8192; ++i) bytes[i] = static_cast<char>(0xa5);
  write_file(db, bytes);
  const auto r = tool({"check"});
  EXPECT_EQ(r.exit_code, 111) << r.out << r.err;
  EXPECT_NE(r.err.find("unable to check database"), std::string::npos) << r.err;
}

// No store at all: once.
TEST(ToolHelp, HelpForTheToolAndEveryCommand) {
  auto r = run_admin({kTool, "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("usage: userdb-tool [--db PATH] COMMAND"), std::string::npos);
  EXPECT_NE(r.out.find(CHECKPW_DBPATH), std::string::npos);
  EXPECT_NE(r.out.find(CHECKPW_LOCATION_FILE), std::string::npos);
  // A summary: the manual page is the reference, and the help ends by naming it.
  EXPECT_TRUE(r.out.ends_with("with examples: userdb-tool(8).\n")) << r.out;
  for (const char* cmd : {"init", "add", "passwd", "del", "enable", "disable", "set", "show",
                          "list", "verify", "config", "check"}) {
    EXPECT_NE(r.out.find(std::string("  ") + cmd + " "), std::string::npos) << cmd;
    const auto c = run_admin({kTool, cmd, "--help"});
    EXPECT_EQ(c.exit_code, 0) << cmd;
    EXPECT_EQ(c.out.rfind(std::string("usage: userdb-tool [--db PATH] ") + cmd, 0), 0u) << c.out;
  }
  EXPECT_EQ(run_admin({kTool}).exit_code, 2);
  EXPECT_EQ(run_admin({kTool, "frobnicate"}).exit_code, 2);
  EXPECT_EQ(run_admin({kTool, "--db"}).exit_code, 2);
}

TEST_P(OutputTest, DatabasePathFromOptionEnvironmentOrDefault) {
  add("only-here", "pw");
  // CHECKPW_DB when there is no --db.
  auto r = run_admin({kTool, "show", "only-here"}, "", {"CHECKPW_DB=" + db});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // --db wins over CHECKPW_DB.
  r = run_admin({kTool, "--db", db, "show", "only-here"}, "", {"CHECKPW_DB=/nonexistent.db"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // Neither: the compiled-in default, named in the message.
  if (access(CHECKPW_DBPATH, F_OK) != 0) {
    r = run_admin({kTool, "show", "only-here"}, "", {"CHECKPW_DB="});
    EXPECT_EQ(r.exit_code, 111);
    EXPECT_NE(r.err.find(CHECKPW_DBPATH), std::string::npos) << r.err;
  }
  // A missing database is a temporary failure for every command but init.
  r = run_admin({kTool, "--db", missing_location(), "list"});
  EXPECT_EQ(r.exit_code, 111) << r.err;
}

}  // namespace
}  // namespace checkpw::test
