// What a real Dovecot 2.3 hands a checkpassword program, and how it reads the answer,
// recorded with the shell stand-in (tests/support/checkpassword_standin.h). These are the
// facts doc/design.md sections 6 and 9 rely on; if a Dovecot upgrade changes one, this test
// says which before the checkpw integration test fails in a less readable way.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "support/checkpassword_standin.h"
#include "support/dovecot.h"
#include "support/util.h"

namespace checkpw::test {
namespace {

// HMAC-MD5 key state of the password "test" in Dovecot's {CRAM-MD5} scheme.
constexpr const char* kBobCramMd5 =
    "{CRAM-MD5}e02d374fde0dc75a17a557039a3a5338c7743304777dccd376f332bee68d2cf6";

// The environment every call gets, whatever the mode.
void expect_common_env(const StandinCall& call, const std::string& service, const std::string& db) {
  EXPECT_EQ(call.get("SERVICE"), service);
  EXPECT_EQ(call.get("TCPREMOTEIP"), "127.0.0.1");
  EXPECT_EQ(call.get("TCPLOCALIP"), "127.0.0.1");
  EXPECT_EQ(call.get("PROTO"), "TCP");
  EXPECT_EQ(call.get("ORIG_UID"), "0");   // the auth process runs as root in this harness
  EXPECT_EQ(call.get("CHECKPW_DB"), db);  // import_environment is the only way in
  EXPECT_FALSE(call.has("HOME"));
  EXPECT_FALSE(call.has("USER"));
  EXPECT_FALSE(call.has("EXTRA"));
  // Dovecot keeps the password out of the AUTH_* variables.
  for (const auto& [name, value] : call.env) EXPECT_EQ(name.find("PASSWORD"), std::string::npos);
  // 0 and 1 are /dev/null, 2 goes to Dovecot's log, 3 the request, 4 the reply pipe.
  for (int fd = 0; fd <= 4; ++fd) EXPECT_EQ(call.open_fds.count(fd), 1u) << "fd " << fd;
  EXPECT_EQ(call.fd3_nuls, 3u);
  EXPECT_EQ(call.third_len, 0u);
}

void expect_lookup(const StandinCall& call, const std::string& user, bool credentials) {
  EXPECT_EQ(call.user, user);
  EXPECT_EQ(call.fd3_bytes, user.size() + 3);  // user\0\0\0
  EXPECT_EQ(call.secret_len, 0u);
  EXPECT_EQ(call.get("AUTHORIZED"), "1");
  if (credentials) {
    EXPECT_EQ(call.get("CREDENTIALS_LOOKUP"), "1");
    EXPECT_EQ(call.get("SCHEME"), "CRAM-MD5");
  } else {
    EXPECT_FALSE(call.has("CREDENTIALS_LOOKUP"));
    EXPECT_FALSE(call.has("SCHEME"));
  }
}

TEST(DovecotProtocol, WhatDovecotHandsTheProgramAndHowItReadsTheAnswer) {
  TempDir dir;
  const std::string db = dir.file("users.db");
  const std::string home = dir.file("home/alice");
  ASSERT_EQ(mkdir(dir.file("home").c_str(), 0755), 0);
  ASSERT_EQ(mkdir(home.c_str(), 0755), 0);
  StandinAccount alice{"alice", "secret1"};
  alice.home = home;
  StandinAccount bob{"bob", "test"};
  bob.cram_md5 = kBobCramMd5;
  StandinAccount ghost{"ghost", "x"};
  ghost.forced_exit = 3;
  const std::string program = write_checkpassword_standin(dir, {alice, bob, ghost});
  DovecotOptions options;
  options.program = program;
  options.userdb = DovecotUserdb::kCheckpassword;  // every login also runs a userdb lookup
  options.environment = {"CHECKPW_DB=" + db};
  DovecotInstance dovecot(dir, options);
  ASSERT_TRUE(dovecot.start());

  {
    SCOPED_TRACE("PLAIN over IMAP: authentication, then a userdb lookup");
    clear_standin_calls(dir);
    const CurlResult r = dovecot.login("imap", "alice", "secret1", "PLAIN");
    EXPECT_EQ(r.exit_code, 0) << r.transcript;
    EXPECT_NE(r.output.find("INBOX"), std::string::npos) << r.output;
    const std::vector<StandinCall> calls = standin_calls(dir);
    ASSERT_EQ(calls.size(), 2u);
    const StandinCall& auth = calls[0];
    expect_common_env(auth, "imap", db);
    EXPECT_EQ(auth.user, "alice");
    EXPECT_EQ(auth.fd3_bytes, 15u);  // alice\0secret1\0\0
    EXPECT_EQ(auth.secret_len, 7u);
    EXPECT_FALSE(auth.has("AUTHORIZED"));
    EXPECT_FALSE(auth.has("CREDENTIALS_LOOKUP"));
    EXPECT_EQ(auth.get("AUTH_MECH"), "PLAIN");
    expect_common_env(calls[1], "imap", db);
    expect_lookup(calls[1], "alice", false);
    // checkpassword-reply sends what EXTRA names, then its own uid and gid.
    EXPECT_TRUE(dovecot.log_contains("Received input: userdb_home=" + home +
                                     "\tuserdb_uid=0\tuserdb_gid=0\t"));
  }
  {
    SCOPED_TRACE("CRAM-MD5 over POP3: a credentials lookup, then a userdb lookup");
    clear_standin_calls(dir);
    const CurlResult r = dovecot.login("pop3", "bob", "test", "CRAM-MD5");
    EXPECT_EQ(r.exit_code, 0) << r.transcript;
    EXPECT_NE(r.transcript.find("AUTH CRAM-MD5"), std::string::npos) << r.transcript;
    const std::vector<StandinCall> calls = standin_calls(dir);
    ASSERT_EQ(calls.size(), 2u);
    expect_common_env(calls[0], "pop3", db);
    expect_lookup(calls[0], "bob", true);
    EXPECT_EQ(calls[0].get("AUTH_MECH"), "CRAM-MD5");
    // The userdb lookup reuses the login's request, so it still carries
    // CREDENTIALS_LOOKUP=1 and SCHEME: the program cannot tell the two lookups apart, and
    // need not (the userdb takes only userdb_* fields and ignores password=).
    expect_common_env(calls[1], "pop3", db);
    expect_lookup(calls[1], "bob", true);
    EXPECT_TRUE(dovecot.log_contains(std::string("Received input: password=") + kBobCramMd5));
  }
  {
    SCOPED_TRACE("a wrong password: exit 1 is a plain rejection");
    const CurlResult r = dovecot.login("imap", "alice", "wrong", "LOGIN");
    EXPECT_EQ(r.exit_code, 67) << r.transcript;
    EXPECT_TRUE(dovecot.log_contains("checkpassword(alice,127.0.0.1,"));
    EXPECT_TRUE(dovecot.log_contains("Login failed (status=1)"));
  }
  {
    SCOPED_TRACE("exit 3 while authenticating: Dovecot 2.3.19 calls it an internal error");
    const CurlResult r = dovecot.login("imap", "ghost", "x", "PLAIN");
    EXPECT_EQ(r.exit_code, 67) << r.transcript;
    EXPECT_NE(r.transcript.find("[UNAVAILABLE]"), std::string::npos) << r.transcript;
    EXPECT_TRUE(dovecot.log_contains("exited with status 3"));
  }
  {
    SCOPED_TRACE("exit 3 in a credentials lookup: user unknown, a plain rejection");
    const CurlResult r = dovecot.login("imap", "carol", "x", "CRAM-MD5");
    EXPECT_EQ(r.exit_code, 67) << r.transcript;
    EXPECT_NE(r.transcript.find("[AUTHENTICATIONFAILED]"), std::string::npos) << r.transcript;
    EXPECT_TRUE(dovecot.log_contains("User unknown"));
  }
  {
    SCOPED_TRACE("a credentials lookup answered without a password: a plain rejection");
    const CurlResult r = dovecot.login("imap", "alice", "secret1", "CRAM-MD5");
    EXPECT_EQ(r.exit_code, 67) << r.transcript;
    EXPECT_TRUE(dovecot.log_contains("Requested CRAM-MD5 scheme, but we have a NULL password"));
  }

  const pid_t pid = dovecot.master_pid();
  ASSERT_GT(pid, 1);
  ASSERT_TRUE(dovecot.stop());
  EXPECT_EQ(kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

}  // namespace
}  // namespace checkpw::test
