// A copy of each program installed setuid root and called by an unprivileged user
// created for the test (doc/design.md section 5). These copies are built with their
// compiled-in database path pointing at a file the test makes, because CHECKPW_DB is
// (rightly) ignored under setuid.
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "support/db.h"
#include "support/process.h"
#include "support/request.h"
#include "support/runner.h"
#include "support/store.h"
#include "support/util.h"

namespace checkpw {
namespace {

using test::checkpassword_request;
using test::run_userdb_tool;
using test::RunOptions;
using test::RunResult;

const std::string kBuild = CHECKPW_BUILD_DIR;
const std::string kSetuidDb = kBuild + "/tests/setuid/users.db";  // SETUID_DIR in the Makefile
// SETUID_DIR/location: absent, except in the test that writes it.
const std::string kSetuidLocation = kBuild + "/tests/setuid/location";

class Setuid : public testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "installing setuid root needs root";
    user_ = "cpwtest" + std::to_string(getpid() % 100000);
    const std::string add = "useradd --no-create-home --shell /usr/sbin/nologin " + user_;
    ASSERT_EQ(std::system(add.c_str()), 0);
    const struct passwd* pw = getpwnam(user_.c_str());
    ASSERT_NE(pw, nullptr);
    uid_ = pw->pw_uid;
    gid_ = pw->pw_gid;

    std::remove(kSetuidDb.c_str());
    std::remove((kSetuidDb + "-wal").c_str());
    std::remove((kSetuidDb + "-shm").c_str());
    std::remove(kSetuidLocation.c_str());
    ASSERT_EQ(run_userdb_tool(kSetuidDb, {"init"}).exit_code, 0);
    for (auto [k, v] : {std::pair{"argon2_opslimit", "1"},
                        {"argon2_memlimit", "8192"},
                        {"failure_delay_ms", "0"}}) {
      ASSERT_EQ(run_userdb_tool(kSetuidDb, {"config", k, v}).exit_code, 0);
    }
    ASSERT_EQ(
        run_userdb_tool(kSetuidDb, {"add", "alice", "--password-stdin"}, "alice-pw\n").exit_code,
        0);
    ASSERT_EQ(run_userdb_tool(kSetuidDb,
                              {"add", "erin", "--uid", "4242", "--gid", "4343", "--password-stdin"},
                              "erin-pw\n")
                  .exit_code,
              0);

    // The caller's own database: a user it knows the password of.
    ASSERT_EQ(chmod(dir_.path().c_str(), 0755), 0);
    own_db_ = dir_.file("mine.db");
    ASSERT_EQ(run_userdb_tool(own_db_, {"init"}).exit_code, 0);
    ASSERT_EQ(
        run_userdb_tool(own_db_, {"add", "mallory", "--password-stdin"}, "mallory-pw\n").exit_code,
        0);
    ASSERT_EQ(chown(own_db_.c_str(), uid_, gid_), 0);

    // The copies in bin/, as installed: libexec/ beside it is the caller's (see
    // ALocationFileNamesAPostgresStore...).
    ASSERT_EQ(mkdir(dir_.file("bin").c_str(), 0755), 0);
    for (const char* name : {"checkpw", "cram-md5-checkpw"}) {
      const std::string copy = bin(name);
      test::write_file(copy, test::read_file(kBuild + "/tests/setuid/" + name));
      ASSERT_EQ(chown(copy.c_str(), 0, 0), 0);
      ASSERT_EQ(chmod(copy.c_str(), 04755), 0);
    }
  }

  void TearDown() override {
    if (!user_.empty()) {
      const std::string del = "userdel " + user_ + " 2>/dev/null";
      if (std::system(del.c_str()) != 0) ADD_FAILURE() << "userdel " << user_ << " failed";
    }
    std::remove(kSetuidDb.c_str());
    std::remove((kSetuidDb + "-wal").c_str());
    std::remove((kSetuidDb + "-shm").c_str());
    std::remove(kSetuidLocation.c_str());
  }

  RunResult call(const std::string& fd3, std::vector<std::string> env = {},
                 const char* prog = "checkpw") {
    RunOptions o;
    o.argv = {
        bin(prog), "/bin/sh", "-c",
        "echo uid=$(id -u) euid=$(id -u) ruid=$(id -ru) gid=$(id -g); echo AUTHORIZED=$AUTHORIZED;"
        " echo password=$password; echo ran"};
    o.fd3_data = fd3;
    o.env = test::base_env();
    o.env.insert(o.env.end(), env.begin(), env.end());
    o.as = test::Credentials{uid_, gid_};
    RunResult r = test::run(o);
    test::expect_no_secrets(r.err, {"alice-pw", "erin-pw", "mallory-pw"});
    return r;
  }

  std::string bin(const std::string& name) const { return dir_.file("bin/" + name); }

  static bool ran(const RunResult& r) { return r.out.find("ran\n") != std::string::npos; }

  test::TempDir dir_;
  std::string user_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  std::string own_db_;
};

TEST_F(Setuid, AccountWithoutUidRunsAsTheCallerNotRoot) {
  const RunResult r = call(checkpassword_request("alice", "alice-pw"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string id = std::to_string(uid_);
  EXPECT_NE(r.out.find("uid=" + id + " euid=" + id + " ruid=" + id), std::string::npos) << r.out;
}

// A setuid copy must not hand a local user who knows one mail password a program of
// their choice running as that account's uid (doc/design.md section 5): the subprogram runs as the
// caller, and the account's ids are applied only for a root caller.
TEST_F(Setuid, AccountWithUidStillRunsAsTheCaller) {
  const RunResult r = call(checkpassword_request("erin", "erin-pw"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string id = std::to_string(uid_);
  EXPECT_NE(
      r.out.find("uid=" + id + " euid=" + id + " ruid=" + id + " gid=" + std::to_string(gid_)),
      std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("4242"), std::string::npos) << r.out;
}

// Under setuid the store, and the password to reach it, come only from the root-owned
// location file (doc/design.md section 7): neither CHECKPW_DB nor libpq's own variables (PGHOST,
// PGPASSWORD, PGSERVICEFILE, HOME for ~/.pgpass) can point the program elsewhere. A
// location file that others could have written is a temporary failure, never a guess.
// The copy in bin/ has no PostgreSQL client: it hands the run to its PostgreSQL build in
// the compiled-in HELPERDIR (SETUID_DIR/libexec/checkpw), never to the one the caller could put
// beside it (libexec/checkpw/ next to bin/, which a run that is not secure tries first).
TEST_F(Setuid, ALocationFileNamesAPostgresStoreThatTheEnvironmentCannotChange) {
  const std::string planted = dir_.file("planted-build-ran");
  ASSERT_EQ(mkdir(dir_.file("libexec").c_str(), 0755), 0);
  ASSERT_EQ(mkdir(dir_.file("libexec/checkpw").c_str(), 0755), 0);
  for (const char* name : {"checkpw", "cram-md5-checkpw"}) {
    const std::string fake = dir_.file(std::string("libexec/checkpw/") + name);
    test::write_file(fake, "#!/bin/sh\necho planted > " + planted + "\nexit 0\n");
    ASSERT_EQ(chmod(fake.c_str(), 0755), 0);
  }
  const test::TempDir pgdir;
  test::TestStore pg(test::StoreKind::kPostgres, pgdir);
  ASSERT_EQ(run_userdb_tool(pg.admin(), pg.init_args()).exit_code, 0);
  ASSERT_EQ(run_userdb_tool(pg.admin(), {"config", "failure_delay_ms", "0"}).exit_code, 0);
  ASSERT_EQ(
      run_userdb_tool(pg.admin(), {"add", "pgalice", "--password-stdin"}, "pgalice-pw\n").exit_code,
      0);
  test::write_file(kSetuidLocation, "# the mail hosts' accounts\n" + pg.login() + "\n");
  ASSERT_EQ(chmod(kSetuidLocation.c_str(), 0600), 0);
  const std::vector<std::string> hostile = {
      "CHECKPW_DB=" + own_db_, "PGHOST=/nonexistent", "PGPORT=1",
      "PGPASSWORD=wrong",      "PGUSER=postgres",     "PGSERVICEFILE=" + own_db_,
      "PGDATABASE=postgres",   "HOME=" + dir_.path()};
  RunResult r = call(checkpassword_request("pgalice", "pgalice-pw"), hostile);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(ran(r));
  r = call(checkpassword_request("pgalice", "wrong-password"), hostile);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  r = call(checkpassword_request("pgalice", "pgalice-pw"), hostile, "cram-md5-checkpw");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(ran(r));
  EXPECT_NE(access(planted.c_str(), F_OK), 0) << "a setuid run took the build beside it";
  r = call(checkpassword_request("mallory", "mallory-pw"), hostile);
  EXPECT_EQ(r.exit_code, 1) << "the caller's CHECKPW_DB was used: " << r.err;
  EXPECT_EQ(r.err.find("login-pw"), std::string::npos) << "the password was shown: " << r.err;
  ASSERT_EQ(chmod(kSetuidLocation.c_str(), 0620), 0);
  r = call(checkpassword_request("pgalice", "pgalice-pw"), hostile);
  EXPECT_EQ(r.exit_code, 111) << r.err;
  EXPECT_NE(r.err.find("writable by group or others"), std::string::npos) << r.err;
  EXPECT_FALSE(ran(r));
}

TEST_F(Setuid, RootCallerGetsTheAccountsIds) {
  RunOptions o;
  o.argv = {bin("checkpw"), "/bin/sh", "-c", "echo uid=$(id -u) gid=$(id -g); echo ran"};
  o.fd3_data = checkpassword_request("erin", "erin-pw");
  o.env = test::base_env();
  const RunResult r = test::run(o);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("uid=4242 gid=4343\n"), std::string::npos) << r.out;
}

// The caller may lower limits so that a write or an allocation fails (SIGXFSZ killed a
// known user's login while an unknown user got 1; Argon2id ran out of memory): a setuid
// run raises them for itself and gives the caller's back to the subprogram.
TEST_F(Setuid, CallersLimitsReachNeitherTheDecisionNorTheBookkeeping) {
  ASSERT_EQ(run_userdb_tool(kSetuidDb, {"config", "argon2_memlimit", "19M"}).exit_code, 0);
  ASSERT_EQ(
      run_userdb_tool(kSetuidDb, {"passwd", "alice", "--password-stdin"}, "alice-pw\n").exit_code,
      0);
  const std::string prlimit = test::find_executable("prlimit");
  ASSERT_FALSE(prlimit.empty());
  // Soft limits: raised to the hard limit, the run is as if there were none.
  for (const std::string limit : {"--fsize=1:unlimited", "--as=16777216:unlimited"}) {
    SCOPED_TRACE(limit);
#ifdef __SANITIZE_ADDRESS__
    // AddressSanitizer reserves its shadow memory before main: it cannot start at all
    // under an address-space limit, raised or not.
    if (limit.rfind("--as", 0) == 0) continue;
#endif
    auto limited = [&](const std::string& user, const std::string& pw) {
      RunOptions o;
      o.argv = {prlimit, limit, "--", bin("checkpw"), "/bin/true"};
      o.fd3_data = checkpassword_request(user, pw);
      o.env = test::base_env();
      o.as = test::Credentials{uid_, gid_};
      return test::run(o);
    };
    const std::string before = test::db_dump(kSetuidDb);
    RunResult r = limited("alice", "wrong-password");
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(test::db_dump(kSetuidDb), before) << "the failure was counted";
    r = limited("nobody-here", "wrong-password");
    EXPECT_EQ(r.exit_code, 1) << r.err;
    r = limited("alice", "alice-pw");
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  // A hard file size limit cannot be raised without CAP_SYS_RESOURCE (which root lacks in
  // some containers). SQLite then cannot even map its -shm index: a temporary failure,
  // the same for known and unknown users, never a death by SIGXFSZ (153) that only known
  // users' writes would cause. Where root may raise it, this is the soft case above.
  for (const char* user : {"alice", "nobody-here"}) {
    RunOptions o;
    o.argv = {prlimit, "--fsize=1:1", "--", bin("checkpw"), "/bin/true"};
    o.fd3_data = checkpassword_request(user, "wrong-password");
    o.env = test::base_env();
    o.as = test::Credentials{uid_, gid_};
    const RunResult r = test::run(o);
    if (r.err.find("disk I/O error") != std::string::npos) {
      EXPECT_EQ(r.exit_code, 111) << user << ": " << r.err;
    } else {
      EXPECT_EQ(r.exit_code, 1) << user << ": " << r.err;  // the limit could be raised
    }
  }
}

// The caller cannot stop or signal the setuid process while it works (it could hold the
// database's write lock): its real and saved uid are root.
TEST_F(Setuid, CallerCannotSignalTheRun) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const std::string prog = bin("checkpw");
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(fds[0], 3);
    close(fds[1]);
    test::become(test::Credentials{uid_, gid_});
    execl(prog.c_str(), prog.c_str(), "/bin/true", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[0]);
  usleep(300 * 1000);  // the program is blocked reading fd 3
  const int as_caller =
      test::run_forked([&] { return kill(pid, SIGSTOP) == -1 && errno == EPERM ? 0 : 1; },
                       test::Credentials{uid_, gid_});
  EXPECT_EQ(as_caller, 0) << "the caller could signal the setuid process";
  const std::string req = checkpassword_request("alice", "alice-pw");
  ASSERT_EQ(write(fds[1], req.data(), req.size()), static_cast<ssize_t>(req.size()));
  close(fds[1]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST_F(Setuid, WrongPasswordIsRejected) {
  const RunResult r = call(checkpassword_request("alice", "nope"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_FALSE(ran(r));
}

TEST_F(Setuid, CallerChosenDatabaseIsIgnored) {
  const RunResult r =
      call(checkpassword_request("mallory", "mallory-pw"), {"CHECKPW_DB=" + own_db_});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_FALSE(ran(r));
}

TEST_F(Setuid, AuthorizedLookupIsIgnored) {
  // Without setuid this is a Dovecot lookup that verifies nothing; here it must not be.
  RunResult r = call(checkpassword_request("alice", ""), {"AUTHORIZED=1"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_FALSE(ran(r));
  r = call(checkpassword_request("nobody-here", ""), {"AUTHORIZED=1"});
  EXPECT_EQ(r.exit_code, 1) << r.err;  // not 3: lookups do not exist under setuid
  r = call(checkpassword_request("alice", "alice-pw"), {"AUTHORIZED=1"});
  EXPECT_NE(r.out.find("AUTHORIZED=1\n"), std::string::npos) << "not turned into 2: " << r.out;
}

TEST_F(Setuid, CredentialsLookupIsIgnored) {
  const RunResult r =
      call(checkpassword_request("alice", ""),
           {"AUTHORIZED=1", "CREDENTIALS_LOOKUP=1", "SCHEME=CRAM-MD5"}, "cram-md5-checkpw");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out.find("{CRAM-MD5}"), std::string::npos);
}

TEST_F(Setuid, OrigUidDoesNotKeepRoot) {
  // ORIG_UID=0 would be Dovecot mode (no identity change) if it were trusted.
  const RunResult r = call(checkpassword_request("erin", "erin-pw"), {"ORIG_UID=0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string id = std::to_string(uid_);
  EXPECT_NE(r.out.find("uid=" + id + " euid=" + id), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("uid=0 "), std::string::npos) << r.out;
}

}  // namespace
}  // namespace checkpw
