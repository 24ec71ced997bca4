// userdb-tool import: each format as its project writes it, a report
// that changes nothing, one transaction or nothing on --apply, and no line ever echoed.
// Every imported account is then checked with verify, the programs' own decision. On an
// SQLite file and on PostgreSQL, where the programs log in as the least-privileged role.
#include <crypt.h>
#include <openssl/hmac.h>

#include "support/json.h"
#include "support/request.h"
#include "userdb-tool/fixture.h"

namespace checkpw::test {
namespace {

class ImportTest : public StoreToolTest {
 protected:
  void SetUp() override { init_fast(); }
  // verify USER with the password on stdin: 0 right, 1 wrong or refused.
  int verify(const std::string& user, const std::string& password) {
    return tool({"verify", user, "--password-stdin"}, password + "\n").exit_code;
  }
  std::string file(const std::string& name, const std::string& contents) {
    const std::string path = dir.file(name);
    write_file(path, contents);
    return path;
  }
  // "1" when `name` has no CRAM-MD5 secret, "0" when it has one (SQL both stores take).
  std::string cram_missing(const std::string& name) {
    return store.value("SELECT count(*) FROM accounts WHERE cram_md5 IS NULL AND name = '" + name +
                       "'");
  }
  std::string cram_hex(const std::string& name) {
    return store.value("SELECT " + hex_sql("cram_md5") + " FROM accounts WHERE name = '" + name +
                       "'");
  }
};

INSTANTIATE_TEST_SUITE_P(Stores, ImportTest, all_stores(), store_test_name);

std::string sha512_crypt(const char* password) {
  const char* h = crypt(password, "$6$saltsalt$");
  return h != nullptr ? h : "";
}

TEST_P(ImportTest, PasswdFileReportChangesNothingThenApplyImportsEverySchemeItNames) {
  const std::string bob = crypt("bob-pw", "$2b$05$abcdefghijklmnopqrstuu");
  const std::string pf = file("users.passwd",
                              "# Dovecot passwd-file\n"
                              "alice@example.org:{SHA512-CRYPT}" +
                                  sha512_crypt("alice-pw") +
                                  ":1001:1002::/home/alice:/bin/sh:\n"
                                  "bob:{BLF-CRYPT}" +
                                  bob +
                                  "\n"
                                  "carol:" +
                                  sha512_crypt("carol-pw") +  // no scheme: {CRYPT}
                                  ":::::\n"
                                  "dave:{PLAIN}dave-pw:::::::\n"
                                  "erin:{plain}erin-pw::::::nologin=y\n");
  const std::string before = store.dump();
  RunResult r = tool({"import", "--format", "passwd-file", pf});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("lines read: 5"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("accounts: 5 (bcrypt: 1, plaintext: 2, sha512-crypt: 2)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("nothing changed"), std::string::npos);
  EXPECT_EQ(r.out.find("dave-pw"), std::string::npos) << "a report never shows a password";
  EXPECT_EQ(store.dump(), before);

  r = tool({"import", "--format", "passwd-file", "--apply", pf});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("imported 5 account(s)"), std::string::npos);
  EXPECT_EQ(verify("alice@example.org", "alice-pw"), 0);
  EXPECT_EQ(verify("alice@example.org", "bob-pw"), 1);
  EXPECT_EQ(verify("bob", "bob-pw"), 0);
  EXPECT_EQ(verify("carol", "carol-pw"), 0);
  EXPECT_EQ(verify("dave", "dave-pw"), 0);
  EXPECT_EQ(verify("erin", "erin-pw"), 1) << "nologin: imported disabled";
  const Json alice = json_parse(tool({"show", "alice@example.org", "--json"}).out);
  EXPECT_EQ(alice["uid"].integer(), 1001);
  EXPECT_EQ(alice["gid"].integer(), 1002);
  EXPECT_EQ(alice["home"].str(), "/home/alice");
  // Plaintext sources get an Argon2id hash and a CRAM-MD5 secret; crypt(3) ones keep theirs.
  EXPECT_EQ(store.value("SELECT substr(hash, 1, 10) FROM accounts WHERE name = 'dave'"),
            "$argon2id$");
  EXPECT_EQ(store.value("SELECT length(cram_md5) FROM accounts WHERE name = 'dave'"), "32");
  EXPECT_EQ(store.value("SELECT substr(hash, 1, 3) FROM accounts WHERE name = 'carol'"), "$6$");
  EXPECT_EQ(cram_missing("carol"), "1");

  // list and check say how many accounts still wait for their Argon2id hash.
  EXPECT_NE(tool({"list"}).out.find("# 3 account(s) still have a crypt(3) hash"),
            std::string::npos);
  EXPECT_NE(tool({"check"}).out.find(
                "crypt(3) hashes waiting for a plaintext login to become Argon2id: 3"),
            std::string::npos);
  // Again: every name exists now. Exit 1, nothing changed.
  const std::string after = store.dump();
  r = tool({"import", "--format", "passwd-file", "--apply", pf});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("already in the database: 5"), std::string::npos) << r.out;
  EXPECT_EQ(store.dump(), after);
}

// A passwd-file may give a uid and leave the gid empty (Dovecot then uses mail_gid). The
// account is imported as it is, and the report names it: run as root, the programs answer
// 111 for it (they never guess the other id) until set gives it both.
TEST_P(ImportTest, HalfAnIdentityIsImportedAsGivenAndNamed) {
  const std::string pf = file("users.passwd",
                              "uidonly:{PLAIN}u-pw:1000::::\n"
                              "gidonly:{PLAIN}g-pw::1000:::\n"
                              "both:{PLAIN}b-pw:1001:1002:::\n"
                              "neither:{PLAIN}n-pw:::::\n");
  RunResult r = tool({"import", "--format", "passwd-file", pf});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("  a uid without a gid or a gid without a uid: 2\n    uidonly\n    "
                       "gidonly\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("answer 111 for these"), std::string::npos) << r.out;
  r = tool({"import", "--format", "passwd-file", "--apply", pf});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("imported 4 account(s)"), std::string::npos) << r.out;
  EXPECT_EQ(find("uidonly")->uid, 1000u);
  EXPECT_FALSE(find("uidonly")->gid.has_value());
  EXPECT_EQ(find("gidonly")->gid, 1000u);
  EXPECT_FALSE(find("gidonly")->uid.has_value());
  ASSERT_EQ(tool({"set", "uidonly", "--gid", "1000"}).exit_code, 0);
  EXPECT_EQ(find("uidonly")->gid, 1000u);
  // A file whose ids are all whole says nothing of it.
  const std::string whole = file("whole.passwd", "w:{PLAIN}w-pw:1001:1002:::\n");
  r = tool({"import", "--format", "passwd-file", whole});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("without a gid"), std::string::npos) << r.out;
}

// The input is read up to 64 MiB and one byte, never further: an endless file is refused
// at once (it used to be read until memory ran out), and so is a pipe one byte too long;
// 64 MiB exactly is read.
TEST_P(ImportTest, InputIsBoundedAt64MiB) {
  auto r = refused(2, {"import", "--format", "passwd-file", "/dev/zero"});
  EXPECT_NE(r.err.find("input larger than 64 MiB"), std::string::npos) << r.err;
  std::string big(std::size_t{64} << 20, '#');
  big.back() = '\n';
  r = tool({"import", "--format", "passwd-file", "-"}, big);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("accounts: 0"), std::string::npos) << r.out;
  big += "#";
  r = refused(2, {"import", "--format", "passwd-file", "--apply", "-"}, big);
  EXPECT_NE(r.err.find("input larger than 64 MiB"), std::string::npos) << r.err;
}

TEST_P(ImportTest, OneMalformedLineMeansNothingIsImportedAndNoLineIsShown) {
  const std::string before = store.dump();
  const std::string good = "ok1:{PLAIN}secret-one\nok2:{PLAIN}secret-two\n";
  for (const std::string& bad : {
           std::string("nofields\n"),
           std::string("x:{PLAIN}secret-bad:0:1\n"),            // uid 0
           std::string("x:{PLAIN}secret-bad:1:1::relative\n"),  // home not absolute
           std::string("x:{MD5}secret-bad\n"),                  // a scheme we cannot verify
           std::string("x:{SHA512-CRYPT}secret-bad\n"),         // not a SHA-512 crypt string
           std::string("x:abDEf1234.xyz\n"),                    // DES crypt
           std::string("x:{CRAM-MD5}") + std::string(63, 'a') + "z\n",  // not 64 hex digits
           std::string("ok1:{PLAIN}secret-again\n"),                    // the same name twice
       }) {
    const std::string pf = file("bad.passwd", good + bad);
    const RunResult r = tool({"import", "--format", "passwd-file", "--apply", pf});
    EXPECT_EQ(r.exit_code, 2) << bad << r.out << r.err;
    EXPECT_NE(r.out.find("cannot be imported: 1"), std::string::npos) << bad << r.out;
    EXPECT_NE(r.out.find("line 3"), std::string::npos) << bad << r.out;
    for (const char* secret : {"secret-one", "secret-bad", "secret-again", "abDEf1234"}) {
      EXPECT_EQ((r.out + r.err).find(secret), std::string::npos) << secret << " shown: " << r.out;
    }
    EXPECT_EQ(store.dump(), before) << bad;
  }
}

// Dovecot's {CRAM-MD5} alone: CRAM-MD5 works at once, plaintext is checked against the
// secret, and the first plaintext login through the real checkpw stores Argon2id beside it.
TEST_P(ImportTest, CramMd5OnlyEntriesLogInAndAreUpgradedAtTheFirstPlaintextLogin) {
  const std::string doveadm = find_executable("doveadm");
  ASSERT_FALSE(doveadm.empty());
  const RunResult made = run({.argv = {doveadm, "pw", "-s", "CRAM-MD5", "-p", "cram-only-pw"},
                              .fd3 = Fd3::kClosed,
                              .env = base_env()});
  ASSERT_EQ(made.exit_code, 0);
  const std::string line = made.out.substr(0, made.out.find('\n'));  // {CRAM-MD5}<64 hex>
  ASSERT_EQ(line.size(), 10u + 64u) << line;
  const std::string pf = file("cram.passwd", "frank:" + line + "\n");
  RunResult r = tool({"import", "--format", "passwd-file", "--apply", pf});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("(cram-md5: 1)"), std::string::npos) << r.out;
  EXPECT_EQ(cram_hex("frank"), line.substr(10));
  EXPECT_EQ(verify("frank", "cram-only-pw"), 0);
  EXPECT_EQ(verify("frank", "cram-only-typo"), 1);
  // The export hands Dovecot the same {CRAM-MD5} line back.
  EXPECT_NE(tool({"export", "--format", "passwd-file"}).out.find("frank:" + line + ":"),
            std::string::npos);

  RunOptions login;
  login.argv = {CHECKPW_BUILD_DIR "/tests/bin/checkpw", "/bin/true"};
  login.env = {"CHECKPW_DB=" + store.login(), "PATH=/usr/bin:/bin"};
  login.fd3_data = std::string("frank\0cram-only-typo\0\0", 22);
  EXPECT_EQ(run(login).exit_code, 1);
  login.fd3_data = std::string("frank\0cram-only-pw\0\0", 20);
  EXPECT_EQ(run(login).exit_code, 0);
  EXPECT_EQ(store.value("SELECT substr(hash, 1, 10) FROM accounts WHERE name = 'frank'"),
            "$argon2id$");
  EXPECT_EQ(cram_hex("frank"), line.substr(10)) << "the secret stays";
  EXPECT_EQ(verify("frank", "cram-only-pw"), 0);
}

TEST_P(ImportTest, VpasswdOfOneDomainUsesTheClearPasswordWhenThereIsOne) {
  const std::string vp =
      file("vpasswd", "postmaster:" + sha512_crypt("pm-pw") +
                          ":1:0:Postmaster:/home/vpopmail/domains/example.org/postmaster:NOQUOTA\n"
                          "sales:$1$abcdefgh$xxxxxxxxxxxxxxxxxxxxxx:1:0:Sales:"
                          "/home/vpopmail/domains/example.org/sales:5000000S:sales-pw\n");
  RunResult r = tool({"import", "--format", "vpasswd", vp});
  EXPECT_EQ(r.exit_code, 2) << "vpasswd needs --domain";
  r = tool({"import", "--format", "vpasswd", "--domain", "example.org", "--apply", vp});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(verify("postmaster@example.org", "pm-pw"), 0);
  EXPECT_EQ(verify("sales@example.org", "sales-pw"), 0) << "the clear field wins";
  const Json pm = json_parse(tool({"show", "postmaster@example.org", "--json"}).out);
  EXPECT_EQ(pm["home"].str(), "/home/vpopmail/domains/example.org/postmaster");
  EXPECT_TRUE(pm["uid"].is_null()) << "vpasswd's third field holds vpopmail's flags, not a uid";
}

TEST_P(ImportTest, ShadowSkipsLockedPasswordlessAndRootAndReadsIdsFromPasswd) {
  const std::string yes = crypt("yes-pw", crypt_gensalt("$y$", 0, nullptr, 0));
  ASSERT_EQ(yes.rfind("$y$", 0), 0u);
  const std::string shadow = "root:" + sha512_crypt("root-pw") +
                             ":19000:0:99999:7:::\n"
                             "daemon:*:19000:0:99999:7:::\n"
                             "nopw:!:19000:0:99999:7:::\n"
                             "locked:!" +
                             sha512_crypt("locked-pw") +
                             ":19000:0:99999:7:::\n"
                             "orphan:" +
                             sha512_crypt("orphan-pw") +
                             ":19000:0:99999:7:::\n"
                             "ann:" +
                             yes + ":19000:0:99999:7:::\n";
  const std::string passwd =
      "root:x:0:0:root:/root:/bin/bash\n"
      "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
      "nopw:x:1001:1001::/home/nopw:/bin/sh\n"
      "locked:x:1002:1002::/home/locked:/bin/sh\n"
      "ann:x:1003:1004:Ann:/tmp:/bin/bash\n";  // a home the login below can enter
  const std::string s = file("shadow", shadow), p = file("passwd", passwd);
  RunResult r = tool({"import", "--format", "shadow", s});
  EXPECT_EQ(r.exit_code, 2) << "shadow needs --passwd";
  // From standard input, as `import ... - < /etc/shadow`.
  r = tool({"import", "--format", "shadow", "--passwd", p, "--apply", "-"}, shadow);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("accounts: 1 (yescrypt: 1)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("skipped: 5"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("locked-pw"), std::string::npos);
  EXPECT_EQ(verify("ann", "yes-pw"), 0);
  const Json ann = json_parse(tool({"show", "ann", "--json"}).out);
  EXPECT_EQ(ann["uid"].integer(), 1003);
  EXPECT_EQ(ann["gid"].integer(), 1004);
  EXPECT_EQ(ann["home"].str(), "/tmp");
  for (const char* user : {"root", "daemon", "nopw", "locked", "orphan"}) {
    EXPECT_EQ(tool({"show", user}).exit_code, 1) << user << " must not be imported";
  }

  // The migration: ann logs in through the real checkpw with her old password; her
  // yescrypt hash becomes Argon2id with a CRAM-MD5 secret, and CRAM-MD5 then works.
  EXPECT_EQ(cram_missing("ann"), "1");
  RunOptions login;
  login.argv = {CHECKPW_BUILD_DIR "/tests/bin/checkpw", "/bin/true"};
  login.env = {"CHECKPW_DB=" + store.login(), "PATH=/usr/bin:/bin"};
  login.fd3_data = checkpassword_request("ann", "yes-pw");
  EXPECT_EQ(run(login).exit_code, 0);
  EXPECT_EQ(store.value("SELECT substr(hash, 1, 10) FROM accounts WHERE name = 'ann'"),
            "$argon2id$");
  EXPECT_EQ(store.value("SELECT length(cram_md5) FROM accounts WHERE name = 'ann'"), "32");
  const std::string challenge = "<1896.697170952@mail.example.org>";
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_md5(), "yes-pw", 6, reinterpret_cast<const unsigned char*>(challenge.data()),
       challenge.size(), mac, &len);
  login.argv[0] = CHECKPW_BUILD_DIR "/tests/bin/cram-md5-checkpw";
  login.fd3_data = checkpassword_request("ann", to_hex(mac, len), challenge);
  EXPECT_EQ(run(login).exit_code, 0) << "CRAM-MD5 after the upgrade";
  EXPECT_EQ(verify("ann", "yes-pw"), 0);
  EXPECT_NE(tool({"check"}).out.find("to become Argon2id: 0"), std::string::npos);
}

// cmd5checkpw's file as its manual page gives it (login:password, one pair per line; the
// Gentoo package ships it with # comments). Clear passwords become Argon2id with their
// CRAM-MD5 secret, so cram-md5-checkpw answers the same CRAM-MD5 cmd5checkpw did.
TEST_P(ImportTest, PoppasswdPlaintextPairsAnswerCramMd5AtOnce) {
  const std::string pp = file("poppasswd",
                              "# Format of this file is one user:pass per line\n"
                              "joe:sm311y-f33t\n"
                              "\n"
                              "anna@example.org:tr1cky pass word\n"
                              "nopass:\n");
  const std::string before = store.dump();
  RunResult r = tool({"import", "--format", "poppasswd", pp});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("lines read: 3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("accounts: 2 (plaintext: 2)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("skipped: 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("line 5 (nopass): no password"), std::string::npos) << r.out;
  EXPECT_EQ(store.dump(), before) << "the report writes nothing";

  r = tool({"import", "--format", "poppasswd", "--apply", pp});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ((r.out + r.err).find("sm311y"), std::string::npos);
  EXPECT_EQ(verify("joe", "sm311y-f33t"), 0);
  EXPECT_EQ(verify("joe", "sm311y-f33"), 1);
  EXPECT_EQ(verify("anna@example.org", "tr1cky pass word"), 0);
  EXPECT_EQ(tool({"show", "nopass"}).exit_code, 1) << "no password, no account";
  EXPECT_EQ(store.value("SELECT substr(hash, 1, 10) FROM accounts WHERE name = 'joe'"),
            "$argon2id$");

  const std::string challenge = "<2207.1764650000@mail.example.org>";
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_md5(), "sm311y-f33t", 11, reinterpret_cast<const unsigned char*>(challenge.data()),
       challenge.size(), mac, &len);
  RunOptions login;
  login.argv = {CHECKPW_BUILD_DIR "/tests/bin/cram-md5-checkpw", "/bin/true"};
  login.env = {"CHECKPW_DB=" + store.login(), "PATH=/usr/bin:/bin"};
  // Hoffmann's order (response, then challenge) and Dabrowski's (challenge, then response).
  login.fd3_data = checkpassword_request("joe", to_hex(mac, len), challenge);
  EXPECT_EQ(run(login).exit_code, 0);
  login.fd3_data = checkpassword_request("joe", challenge, to_hex(mac, len));
  EXPECT_EQ(run(login).exit_code, 0);
  mac[0] ^= 1;
  login.fd3_data = checkpassword_request("joe", to_hex(mac, len), challenge);
  EXPECT_EQ(run(login).exit_code, 1);
}

// A third field: cmd5checkpw kept only the text up to the second ':', so the line's
// password is not what the file seems to say. Such a line, a line with no ':', a bad name
// or a name twice: exit 2, nothing written, no password shown.
TEST_P(ImportTest, PoppasswdLinesThatDoNotMeanWhatTheySayImportNothing) {
  const std::string before = store.dump();
  for (const std::string& bad : {
           std::string("carl:secret-bad:extra\n"),
           std::string("secret-bad\n"),
           std::string(256, 'n') + ":secret-bad\n",  // a name longer than 255 bytes
           std::string("ok1:secret-again\n"),
       }) {
    const std::string pp = file("bad.poppasswd", "ok1:secret-one\nok2:secret-two\n" + bad);
    const RunResult r = tool({"import", "--format", "poppasswd", "--apply", pp});
    EXPECT_EQ(r.exit_code, 2) << bad << r.out << r.err;
    EXPECT_NE(r.out.find("cannot be imported: 1"), std::string::npos) << bad << r.out;
    EXPECT_NE(r.out.find("line 3"), std::string::npos) << bad << r.out;
    for (const char* secret : {"secret-one", "secret-bad", "secret-again"}) {
      EXPECT_EQ((r.out + r.err).find(secret), std::string::npos) << secret << " shown: " << r.out;
    }
    EXPECT_EQ(store.dump(), before) << bad;
  }
  // A name the database has: exit 1, nothing written.
  ASSERT_EQ(tool({"add", "ok2", "--password-stdin"}, "existing-pw\n").exit_code, 0);
  const std::string with_ok2 = store.dump();
  const std::string pp = file("dup.poppasswd", "ok1:secret-one\nok2:secret-two\n");
  const RunResult r = tool({"import", "--format", "poppasswd", "--apply", pp});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("already in the database: 1"), std::string::npos) << r.out;
  EXPECT_EQ(store.dump(), with_ok2);
  EXPECT_EQ(verify("ok2", "existing-pw"), 0);
}

}  // namespace
}  // namespace checkpw::test
