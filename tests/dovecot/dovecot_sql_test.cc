// Dovecot's SQL passdb over our database: the way in for Dovecot 2.4, which has no
// checkpassword driver,
// tested with the Dovecot 2.3.19 that Debian 12 ships (`dovecot-sqlite`, `dovecot-pgsql`)
// and curl as the client, with contrib/dovecot/dovecot-sql.conf.ext (SQLite, its
// @DATABASE@ filled in) and dovecot-pgsql.conf.ext (PostgreSQL, its @CONNECT@ filled in
// with the programs' login role, since SELECT is all it needs) exactly as shipped. PLAIN and LOGIN
// verify our Argon2id hashes and imported crypt(3) ones; CRAM-MD5 uses the stored secret; disabled
// accounts and accounts without a CRAM-MD5 secret are refused.
#include <crypt.h>
#include <gtest/gtest.h>

#include <string>

#include "support/db.h"
#include "support/dovecot.h"
#include "support/runner.h"
#include "support/store.h"
#include "support/util.h"

namespace checkpw::test {
namespace {

class DovecotSql : public testing::TestWithParam<StoreKind> {};

INSTANTIATE_TEST_SUITE_P(Stores, DovecotSql,
                         testing::Values(StoreKind::kSqlite, StoreKind::kPostgres),
                         store_test_name);

TEST_P(DovecotSql, TheShippedQueryServesPlainLoginAndCramMd5) {
  TempDir dir;
  TestStore store(GetParam(), dir);
  const std::string db = store.admin();
  ASSERT_EQ(run_userdb_tool(db, store.init_args()).exit_code, 0);
  for (const char* who : {"alice", "bob", "carol", "erin"}) {
    ASSERT_EQ(
        run_userdb_tool(db, {"add", who, "--password-stdin"}, std::string(who) + "-pw\n").exit_code,
        0);
  }
  // erin was imported from a passwd-file with only {CRAM-MD5}.
  store.exec("UPDATE accounts SET hash = '{CRAM-MD5}' WHERE name = 'erin'");
  ASSERT_EQ(run_userdb_tool(db, {"disable", "bob"}).exit_code, 0);
  ASSERT_EQ(run_userdb_tool(db, {"add", "dave", "--no-cram-md5", "--password-stdin"}, "dave-pw\n")
                .exit_code,
            0);
  // carol was imported from /etc/shadow: a SHA-512 crypt(3) hash, no CRAM-MD5 secret yet.
  const char* legacy = crypt("carol-pw", "$6$saltsalt$");
  ASSERT_NE(legacy, nullptr);
  store.exec(std::string("UPDATE accounts SET cram_md5 = NULL, hash = '") + legacy +
             "' WHERE name = 'carol'");

  const bool pg = store.postgres();
  std::string conf = read_file(std::string(CHECKPW_SOURCE_DIR) + "/contrib/dovecot/" +
                               (pg ? "dovecot-pgsql.conf.ext" : "dovecot-sql.conf.ext"));
  const std::string placeholder = pg ? "@CONNECT@" : "@DATABASE@";
  const auto at = conf.find(placeholder);
  ASSERT_NE(at, std::string::npos);
  // libpq takes a URI as a connection string too: the login role, SELECT only.
  conf.replace(at, placeholder.size(), pg ? store.login() : db);
  const std::string conf_path = dir.file("dovecot-sql.conf.ext");
  write_file(conf_path, conf);

  DovecotOptions options;
  options.auth_blocks = "passdb {\n  driver = sql\n  args = " + conf_path +
                        "\n}\nuserdb {\n  driver = static\n  args = uid=65534 gid=65534\n}\n";
  DovecotInstance dovecot(dir, options);
  ASSERT_TRUE(dovecot.start()) << dovecot.diagnostics();
  struct Case {
    const char* proto;
    const char* user;
    const char* password;
    const char* mech;
    bool accepted;
  };
  const Case cases[] = {
      {"imap", "alice", "alice-pw", "PLAIN", true},
      {"pop3", "alice", "alice-pw", "LOGIN", true},
      {"imap", "alice", "alice-pw", "CRAM-MD5", true},
      {"imap", "alice", "wrong-pw", "PLAIN", false},
      {"imap", "alice", "wrong-pw", "CRAM-MD5", false},
      {"imap", "bob", "bob-pw", "PLAIN", false},     // disabled
      {"imap", "bob", "bob-pw", "CRAM-MD5", false},  // disabled
      {"imap", "carol", "carol-pw", "PLAIN", true},  // crypt(3), as imported
      {"imap", "dave", "dave-pw", "LOGIN", true},
      {"imap", "dave", "dave-pw", "CRAM-MD5", false},  // no CRAM-MD5 secret
      {"imap", "erin", "erin-pw", "PLAIN", true},      // Dovecot checks it against {CRAM-MD5}
      {"imap", "erin", "erin-pw", "CRAM-MD5", true},
      {"imap", "erin", "wrong-pw", "LOGIN", false},
      {"imap", "nobody", "x", "PLAIN", false},
  };
  for (const Case& c : cases) {
    const CurlResult r = dovecot.login(c.proto, c.user, c.password, c.mech);
    if (c.accepted) {
      EXPECT_EQ(r.exit_code, 0) << c.user << " " << c.mech << "\n" << r.transcript << dovecot.log();
    } else {
      EXPECT_EQ(r.exit_code, 67) << c.user << " " << c.mech << "\n" << r.transcript;
    }
  }
  EXPECT_TRUE(dovecot.stop());
}

}  // namespace
}  // namespace checkpw::test
