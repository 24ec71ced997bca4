// add, passwd, del, enable, disable, set: round trips and every refusal with its exit
// code, the store unchanged; on an SQLite file and on PostgreSQL.
#include "auth/password.h"
#include "core/cram_md5.h"
#include "userdb-tool/fixture.h"

namespace checkpw::test {
namespace {

class AccountsTest : public StoreToolTest {
 protected:
  void SetUp() override { init_fast(); }
};

INSTANTIATE_TEST_SUITE_P(Stores, AccountsTest, all_stores(), store_test_name);

TEST_P(AccountsTest, AddStoresEverything) {
  add("alice@example.org", "s3cret",
      {"--uid", "1000", "--gid=1001", "--home", "/home/alice", "--shell", "/bin/sh"});
  auto a = find("alice@example.org");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(password_verify(a->hash, bytes_of("s3cret")), PasswordCheck::kMatch);
  EXPECT_EQ(std::string(password_scheme(a->hash)), "argon2id");
  EXPECT_FALSE(password_needs_rehash(a->hash, PasswordCost{1, 8192}));  // configured cost
  ASSERT_TRUE(a->has_cram_md5);
  std::array<unsigned char, 32> expect{};
  cram_md5_secret(bytes_of("s3cret"), expect);
  EXPECT_EQ(a->cram_md5, expect);
  EXPECT_TRUE(a->enabled);
  EXPECT_EQ(a->uid, 1000u);
  EXPECT_EQ(a->gid, 1001u);
  EXPECT_EQ(a->home, "/home/alice");
  EXPECT_EQ(a->shell, "/bin/sh");
  EXPECT_GT(a->created, 0);
}

TEST_P(AccountsTest, AddWithoutCramMd5AndWithoutIds) {
  add("bob", "pw", {"--no-cram-md5"});
  auto a = find("bob");
  ASSERT_TRUE(a.has_value());
  EXPECT_FALSE(a->has_cram_md5);
  EXPECT_FALSE(a->uid || a->gid || a->home || a->shell);
}

TEST_P(AccountsTest, PasswordStdinTakesOneLine) {
  // No trailing newline; one line end removed, LF or CR LF (a CRLF pipe must not store
  // "pw\r": the user would never type that CR).
  ASSERT_EQ(tool({"add", "a", "--password-stdin"}, "plain").exit_code, 0);
  EXPECT_EQ(password_verify(find("a")->hash, bytes_of("plain")), PasswordCheck::kMatch);
  ASSERT_EQ(tool({"add", "b", "--password-stdin"}, "cr\r\n").exit_code, 0);
  EXPECT_EQ(password_verify(find("b")->hash, bytes_of("cr")), PasswordCheck::kMatch);
  EXPECT_EQ(password_verify(find("b")->hash, bytes_of("cr\r")), PasswordCheck::kMismatch);
  ASSERT_EQ(tool({"passwd", "b", "--password-stdin"}, "new\r\n").exit_code, 0);
  EXPECT_EQ(password_verify(find("b")->hash, bytes_of("new")), PasswordCheck::kMatch);
  EXPECT_EQ(tool({"verify", "b", "--password-stdin"}, "new\r\n").exit_code, 0);
  ASSERT_EQ(tool({"add", "c", "--password-stdin"}, " spaces kept \n").exit_code, 0);
  EXPECT_EQ(password_verify(find("c")->hash, bytes_of(" spaces kept ")), PasswordCheck::kMatch);
  ASSERT_EQ(tool({"add", "d", "--password-stdin"}, std::string(1024, 'x')).exit_code, 0);
}

TEST_P(AccountsTest, AddRefusals) {
  add("taken", "pw");
  const std::string pw = "pw\n";
  auto r = refused(1, {"add", "taken", "--password-stdin"}, pw);
  EXPECT_NE(r.err.find("user exists"), std::string::npos) << r.err;
  // Names: empty, too long, not UTF-8, TAB, LF, other controls (NUL cannot pass argv;
  // the library test covers it).
  for (const std::string& name :
       {std::string(""), std::string(256, 'n'), std::string("\xff\xfe"), std::string("a\tb"),
        std::string("a\nb"), std::string("a\rb"), std::string("a\x1b[31m"), std::string("a\x7f"),
        std::string("\xc2\x9b"), std::string("\xc0\xae")}) {
    r = refused(2, {"add", name, "--password-stdin"}, pw);
    EXPECT_NE(r.err.find("user name"), std::string::npos) << r.err;
    // The message never echoes a raw control character.
    for (char c : r.err) EXPECT_TRUE(c == '\n' || static_cast<unsigned char>(c) >= 0x20);
  }
  EXPECT_EQ(tool({"add", std::string(255, 'n'), "--password-stdin"}, pw).exit_code, 0);
  // Ids and paths.
  r = refused(2, {"add", "x", "--uid", "0", "--password-stdin"}, pw);
  EXPECT_NE(r.err.find("uid 0"), std::string::npos) << r.err;
  refused(2, {"add", "x", "--gid", "0", "--password-stdin"}, pw);
  for (const char* bad : {"-1", "+5", "abc", "1.5", "4294967295", "99999999999", ""}) {
    refused(2, {"add", "x", "--uid", bad, "--password-stdin"}, pw);
  }
  refused(2, {"add", "x", "--home", "relative/dir", "--password-stdin"}, pw);
  refused(2, {"add", "x", "--shell", "/bin/\tsh", "--password-stdin"}, pw);
  // Passwords.
  r = refused(2, {"add", "x", "--password-stdin"}, "");
  EXPECT_NE(r.err.find("empty password"), std::string::npos) << r.err;
  refused(2, {"add", "x", "--password-stdin"}, "\n");
  r = refused(2, {"add", "x", "--password-stdin"}, "one\ntwo\n");
  EXPECT_NE(r.err.find("more than one line"), std::string::npos) << r.err;
  refused(2, {"add", "x", "--password-stdin"}, "a\n\n");
  refused(2, {"add", "x", "--password-stdin"}, std::string("nul\0byte\n", 9));
  r = refused(2, {"add", "x", "--password-stdin"}, std::string(1025, 'x'));
  EXPECT_NE(r.err.find("longer than 1024"), std::string::npos) << r.err;
  refused(2, {"add", "x", "--password-stdin"}, std::string(100000, 'x'));
  // No terminal and no --password-stdin: the tool cannot ask, and says how to proceed.
  r = refused(2, {"add", "x"}, "");
  EXPECT_NE(r.err.find("--password-stdin"), std::string::npos) << r.err;
  // Usage.
  refused(2, {"add"});
  refused(2, {"add", "x", "y", "--password-stdin"}, pw);
  refused(2, {"add", "x", "--password", "pw"});
  refused(2, {"add", "x", "--password-stdin=yes"}, pw);
  refused(2, {"add", "x", "--uid"});
  refused(2, {"add", "x", "--uid", "5", "--uid", "6", "--password-stdin"}, pw);
  refused(2, {"add", "x", "--clear", "uid", "--password-stdin"}, pw);
}

TEST_P(AccountsTest, PasswdChangesHashAndKeepsTheMechanisms) {
  add("a", "old");
  add("b", "old", {"--no-cram-md5"});
  const auto before = find("a");
  ASSERT_EQ(tool({"passwd", "a", "--password-stdin"}, "new\n").exit_code, 0);
  ASSERT_EQ(tool({"passwd", "b", "--password-stdin"}, "new\n").exit_code, 0);
  const auto a = find("a");
  EXPECT_EQ(password_verify(a->hash, bytes_of("new")), PasswordCheck::kMatch);
  EXPECT_EQ(password_verify(a->hash, bytes_of("old")), PasswordCheck::kMismatch);
  std::array<unsigned char, 32> expect{};
  cram_md5_secret(bytes_of("new"), expect);
  EXPECT_TRUE(a->has_cram_md5);
  EXPECT_EQ(a->cram_md5, expect);
  EXPECT_GE(a->changed, before->changed);
  EXPECT_FALSE(find("b")->has_cram_md5);
  EXPECT_EQ(tool({"verify", "a", "--password-stdin"}, "new").exit_code, 0);

  auto r = refused(1, {"passwd", "nobody", "--password-stdin"}, "pw\n");
  EXPECT_NE(r.err.find("no such user"), std::string::npos) << r.err;
  refused(2, {"passwd", "a", "--password-stdin"}, "\n");
  refused(2, {"passwd", "a\tb", "--password-stdin"}, "pw\n");
  refused(2, {"passwd", "a"}, "");  // no terminal
}

TEST_P(AccountsTest, DelEnableDisable) {
  add("a", "pw");
  ASSERT_EQ(tool({"disable", "a"}).exit_code, 0);
  EXPECT_FALSE(find("a")->enabled);
  EXPECT_EQ(tool({"verify", "a", "--password-stdin"}, "pw").exit_code, 1);
  ASSERT_EQ(tool({"enable", "a"}).exit_code, 0);
  EXPECT_TRUE(find("a")->enabled);
  ASSERT_EQ(tool({"del", "a"}).exit_code, 0);
  EXPECT_FALSE(find("a").has_value());
  add("b", "pw");
  for (const char* cmd : {"del", "enable", "disable"}) {
    auto r = refused(1, {cmd, "a"});
    EXPECT_NE(r.err.find("no such user"), std::string::npos) << r.err;
    refused(2, {cmd, ""});
    refused(2, {cmd});
    refused(2, {cmd, "b", "c"});
  }
}

TEST_P(AccountsTest, SetChangesAndClearsFields) {
  add("a", "pw", {"--uid", "10", "--gid", "20", "--home", "/h", "--shell", "/s"});
  ASSERT_EQ(tool({"set", "a", "--uid", "11", "--home", "/h2"}).exit_code, 0);
  auto a = find("a");
  EXPECT_EQ(a->uid, 11u);
  EXPECT_EQ(a->gid, 20u);
  EXPECT_EQ(a->home, "/h2");
  EXPECT_EQ(a->shell, "/s");
  ASSERT_EQ(tool({"set", "a", "--clear", "gid", "--clear=uid", "--clear=shell"}).exit_code, 0);
  a = find("a");
  EXPECT_FALSE(a->uid.has_value());
  EXPECT_FALSE(a->gid.has_value());
  EXPECT_FALSE(a->shell.has_value());
  EXPECT_EQ(password_verify(a->hash, bytes_of("pw")), PasswordCheck::kMatch);

  refused(1, {"set", "nobody", "--uid", "5"});
  refused(2, {"set", "a"});                // nothing to change
  refused(2, {"set", "a", "--uid", "0"});  // root
  refused(2, {"set", "a", "--gid", "0"});
  refused(2, {"set", "a", "--clear", "name"});  // not a clearable field
  refused(2, {"set", "a", "--uid", "5", "--clear", "uid"});
  refused(2, {"set", "a", "--home", "x"});
  refused(2, {"set", "a", "--no-cram-md5"});
}

// The programs run as root switch to an account's identity only when it has both a uid
// and a gid (and fail 111 on half of one), so userdb-tool never makes half of one: add
// takes both or neither, and a set that touches the ids must leave both or neither.
TEST_P(AccountsTest, UidAndGidGoTogether) {
  const std::string pw = "pw\n";
  for (const char* opt : {"--uid", "--gid"}) {
    const auto r = refused(2, {"add", "x", opt, "5", "--password-stdin"}, pw);
    EXPECT_NE(r.err.find("--uid and --gid go together"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(find("x").has_value());

  add("both", "pw", {"--uid", "10", "--gid", "20"});
  add("none", "pw");
  for (const char* field : {"uid", "gid"}) {
    const auto r = refused(2, {"set", "both", "--clear", field});
    EXPECT_NE(r.err.find("a uid without a gid"), std::string::npos) << r.err;
  }
  refused(2, {"set", "none", "--uid", "5"});
  refused(2, {"set", "none", "--gid", "5", "--home", "/h"});  // the home not written either
  refused(1, {"set", "nobody", "--uid", "5"});                // still: no such user
  ASSERT_EQ(tool({"set", "none", "--uid", "5", "--gid", "6"}).exit_code, 0);
  auto a = find("none");
  EXPECT_EQ(a->uid, 5u);
  EXPECT_EQ(a->gid, 6u);
  ASSERT_EQ(tool({"set", "both", "--clear", "uid", "--clear", "gid"}).exit_code, 0);
  a = find("both");
  EXPECT_FALSE(a->uid.has_value());
  EXPECT_FALSE(a->gid.has_value());

  // An account that has half an identity already (an import, an older userdb-tool) may
  // still change its paths, and may be made whole; not made another half.
  add("half", "pw", {"--uid", "30", "--gid", "40"});
  store.exec("UPDATE accounts SET gid = NULL WHERE name = 'half'");
  ASSERT_EQ(tool({"set", "half", "--home", "/home/half"}).exit_code, 0);
  EXPECT_EQ(find("half")->home, "/home/half");
  refused(2, {"set", "half", "--uid", "31"});
  ASSERT_EQ(tool({"set", "half", "--gid", "41"}).exit_code, 0);
  a = find("half");
  EXPECT_EQ(a->uid, 30u);
  EXPECT_EQ(a->gid, 41u);
}

}  // namespace
}  // namespace checkpw::test
