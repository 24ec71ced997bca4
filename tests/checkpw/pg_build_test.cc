// The two builds of each checkpassword program (lib/store/store.h): the one in bin/ has
// no PostgreSQL client and, for a postgresql:// location, hands the untouched run to the
// full build in the compiled-in HELPERDIR, and nowhere else. The tests' copies in
// tests/handoff/ have a HELPERDIR of their own that these tests fill with a stand-in.
// The hand-off under setuid is Setuid.ALocationFileNamesAPostgresStore...; every
// PostgreSQL login test (pg_login_test.cc, Stores/*/Postgres) goes through it as well.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "support/db.h"
#include "support/request.h"
#include "support/runner.h"
#include "support/util.h"

namespace checkpw {
namespace {

using test::checkpassword_request;
using test::RunOptions;
using test::RunResult;

const std::string kBuild = CHECKPW_BUILD_DIR;
const char* const kPrograms[] = {"checkpw", "cram-md5-checkpw"};
const std::string kPgLocation = "postgresql://login:login-pw@/accounts?host=/nonexistent";
// HANDOFF_BINS in the Makefile, and the HELPERDIR they are linked with.
const std::string kHandoff = kBuild + "/tests/handoff/";
const std::string kHandoffHelpers = kHandoff + "libexec/checkpw/";

bool holds(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A stand-in for a PostgreSQL build at `path` that records its arguments, CHECKPW_DB,
// OTHER and fd 3 in OUT and OUT.fd3, then exits 42.
void stand_in_write(const std::string& path, const std::string& out) {
  test::write_file(path,
                   "#!/bin/sh\n"
                   "{ for a in \"$0\" \"$@\"; do echo \"arg=$a\"; done\n"
                   "  echo \"db=$CHECKPW_DB\"; echo \"other=$OTHER\"; } > " +
                       out + "\ncat <&3 > " + out + ".fd3\nexit 42\n");
  chmod(path.c_str(), 0755);
}

// The stand-in in the hand-off copies' HELPERDIR while it lives (this file's tests run
// one after another, in one process: nothing else uses that directory).
class StandIn {
 public:
  StandIn(const std::string& name, const std::string& out) : path_(kHandoffHelpers + name) {
    mkdir((kHandoff + "libexec").c_str(), 0755);
    mkdir(kHandoffHelpers.c_str(), 0755);
    stand_in_write(path_, out);
  }
  ~StandIn() { unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

RunResult login(const std::string& program, const std::string& location, const std::string& fd3,
                const std::string& marker) {
  RunOptions o;
  o.argv = {program, "/bin/sh", "-c", "echo ran > " + marker, "an arg"};
  o.fd3_data = fd3;
  o.env = test::base_env();
  o.env.push_back("CHECKPW_DB=" + location);
  o.env.push_back("OTHER=kept as it was");
  return test::run(o);
}

// The point of the split: libpq and OpenSSL are linked into the full builds only.
TEST(PgBuild, OnlyTheFullBuildsHoldThePostgresClient) {
  for (const char* name : kPrograms) {
    const std::string front = test::read_file(kBuild + "/bin/" + name);
    const std::string full = test::read_file(kBuild + "/libexec/checkpw/" + name);
    EXPECT_FALSE(holds(front, "PQconnectdbParams")) << name << " in bin/ links libpq";
    EXPECT_FALSE(holds(front, "OPENSSL_init_ssl")) << name << " in bin/ links OpenSSL";
    EXPECT_TRUE(holds(full, "PQconnectdbParams")) << name << " in libexec/checkpw/";
  }
}

// The build in HELPERDIR takes over: arguments, environment and the request on fd 3
// arrive untouched, and its exit status is the login's.
TEST(PgBuild, APostgresLocationGoesToTheHelperBuildWithEverythingUntouched) {
  for (const char* name : kPrograms) {
    const test::TempDir dir;
    const StandIn helper(name, dir.file("took-over"));
    const std::string request = checkpassword_request("alice", "alice-pw");
    const RunResult r = login(kHandoff + name, kPgLocation, request, dir.file("ran"));
    EXPECT_EQ(r.exit_code, 42) << name << ": " << r.err;
    EXPECT_EQ(test::read_file(dir.file("took-over")),
              "arg=" + helper.path() + "\narg=/bin/sh\narg=-c\narg=echo ran > " + dir.file("ran") +
                  "\narg=an arg\ndb=" + kPgLocation + "\nother=kept as it was\n")
        << name;
    EXPECT_EQ(test::read_file(dir.file("took-over.fd3")), request) << name;
    EXPECT_NE(access(dir.file("ran").c_str(), F_OK), 0) << name;
  }
}

// An SQLite location stays in the program: the helper build never runs.
TEST(PgBuild, AnSqliteLocationIsDecidedWithoutAHandOff) {
  for (const char* name : kPrograms) {
    const test::TempDir dir;
    const StandIn helper(name, dir.file("took-over"));
    const std::string db = dir.file("users.db");
    test::make_test_database(db, {{"alice", "alice-pw"}});
    RunResult r =
        login(kHandoff + name, db, checkpassword_request("alice", "alice-pw"), dir.file("ran"));
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
    EXPECT_EQ(test::read_file(dir.file("ran")), "ran\n") << name;
    r = login(kHandoff + name, db, checkpassword_request("alice", "wrong"), dir.file("ran"));
    EXPECT_EQ(r.exit_code, 1) << name << ": " << r.err;
    EXPECT_NE(access(dir.file("took-over").c_str(), F_OK), 0) << name;
  }
}

// No build in HELPERDIR: 111, the subprogram never runs, and the line says where the
// build was looked for, without the password.
TEST(PgBuild, WithNoBuildToTakeOverAPostgresLoginIsTemporaryFailure) {
  for (const char* name : kPrograms) {
    const test::TempDir dir;
    for (const char* secret : {"alice-pw", "wrong"}) {
      const RunResult r = login(kHandoff + name, kPgLocation,
                                checkpassword_request("alice", secret), dir.file("ran"));
      EXPECT_EQ(r.exit_code, 111) << name << ": " << r.err;
      EXPECT_NE(access(dir.file("ran").c_str(), F_OK), 0) << name;
      EXPECT_TRUE(holds(r.err, "tempfail")) << r.err;
      EXPECT_TRUE(holds(r.err, kHandoffHelpers + name + ": No such file")) << r.err;
      EXPECT_FALSE(holds(r.err, "login-pw")) << "the location's password was shown: " << r.err;
    }
  }
}

// A copy of bin/NAME elsewhere, with a build beside it (../libexec/checkpw/NAME), does not
// run that build: a program finds its PostgreSQL build only in the compiled-in HELPERDIR.
TEST(PgBuild, ABuildBesideACopyIsNeverRun) {
  for (const char* name : kPrograms) {
    const std::string installed = std::string(CHECKPW_HELPERDIR) + "/" + name;
    if (access(installed.c_str(), F_OK) == 0) GTEST_SKIP() << installed << " is installed";
    const test::TempDir dir;
    mkdir(dir.file("bin").c_str(), 0755);
    mkdir(dir.file("libexec").c_str(), 0755);
    mkdir(dir.file("libexec/checkpw").c_str(), 0755);
    const std::string copy = dir.file("bin/" + std::string(name));
    test::write_file(copy, test::read_file(kBuild + "/bin/" + name));
    chmod(copy.c_str(), 0755);
    stand_in_write(dir.file("libexec/checkpw/" + std::string(name)), dir.file("took-over"));
    const RunResult r =
        login(copy, kPgLocation, checkpassword_request("alice", "alice-pw"), dir.file("ran"));
    EXPECT_EQ(r.exit_code, 111) << name << ": " << r.err;
    EXPECT_NE(access(dir.file("took-over").c_str(), F_OK), 0) << name;
    EXPECT_TRUE(holds(r.err, installed + ": No such file")) << r.err;
  }
}

}  // namespace
}  // namespace checkpw
