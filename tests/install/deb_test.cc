// The Debian package (issue 12, item 5): `make deb` builds it with dpkg-buildpackage and
// lintian reports no error; the package is not called checkpw and conflicts with Debian's
// unrelated checkpw; it holds the programs, their manual pages and the examples; and the
// programs unpacked from it create a database and decide a login.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "support/request.h"
#include "support/runner.h"
#include "support/util.h"

namespace checkpw {
namespace {

const std::string kDebDir = std::string(CHECKPW_BUILD_DIR) + "/deb";
const std::string kDeb = kDebDir + "/checkpw-argon2_1.0.0_amd64.deb";

test::RunResult tool_run(std::vector<std::string> argv, const std::string& in = "") {
  return test::run({.argv = std::move(argv),
                    .fd3 = test::Fd3::kClosed,
                    .env = test::base_env(),
                    .stdin_data = in,
                    .timeout_seconds = 900});
}

TEST(Deb, BuildsLintianCleanConflictsWithDebiansCheckpwAndWorksUnpacked) {
  if (geteuid() != 0) GTEST_SKIP() << "make deps installs the build tools as root";
#ifdef __SANITIZE_ADDRESS__
  // dpkg-buildpackage builds the package from the source with its own flags, not from this
  // build: under make san it would build the very package make test built and checked.
  GTEST_SKIP() << "the package does not depend on this build's sanitizers (make test checks it)";
#endif
  test::RunResult r = tool_run({test::find_executable("make"), "--no-print-directory", "-C",
                                CHECKPW_SOURCE_DIR, "BUILD=" CHECKPW_BUILD_DIR, "deb"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string lintian = test::read_file(kDebDir + "/lintian.log");
  EXPECT_EQ(lintian.find("\nE: "), std::string::npos) << lintian;
  EXPECT_NE(lintian.rfind("E: ", 0), 0u) << lintian;

  const std::string dpkg_deb = test::find_executable("dpkg-deb");
  r = tool_run({dpkg_deb, "-f", kDeb, "Package", "Conflicts", "Section"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Package: checkpw-argon2\nConflicts: checkpw\nSection: mail\n");

  r = tool_run({dpkg_deb, "-c", kDeb});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* path :
       {"./usr/bin/checkpw", "./usr/bin/cram-md5-checkpw", "./usr/bin/userdb-tool",
        "./usr/libexec/checkpw/checkpw", "./usr/libexec/checkpw/cram-md5-checkpw",
        "./usr/share/man/man8/checkpw.8.gz", "./usr/share/man/man8/cram-md5-checkpw.8.gz",
        "./usr/share/man/man8/userdb-tool.8.gz",
        "./usr/share/doc/checkpw-argon2/examples/qmail-smtpd.run",
        "./usr/share/doc/checkpw-argon2/examples/qmail-popup.run",
        "./usr/share/doc/checkpw-argon2/examples/checkpw-smtpd@.service",
        "./usr/share/doc/checkpw-argon2/examples/dovecot-sql.conf.ext",
        "./usr/share/doc/checkpw-argon2/examples/dovecot-pgsql.conf.ext",
        "./usr/share/doc/checkpw-argon2/copyright"}) {
    EXPECT_NE(r.out.find(std::string(" ") + path + "\n"), std::string::npos) << path;
  }
  EXPECT_EQ(r.out.find("rwsr"), std::string::npos) << "the package installs nothing setuid";

  // Unpacked into a throwaway root, the programs do their job.
  const test::TempDir root;
  ASSERT_EQ(tool_run({dpkg_deb, "-x", kDeb, root.path()}).exit_code, 0);
  const std::string bin = root.path() + "/usr/bin/";
  const std::string db = root.file("users.db");
  ASSERT_EQ(tool_run({bin + "userdb-tool", "--db", db, "init"}).exit_code, 0);
  ASSERT_EQ(
      tool_run({bin + "userdb-tool", "--db", db, "config", "failure_delay_ms", "0"}).exit_code, 0);
  ASSERT_EQ(
      tool_run({bin + "userdb-tool", "--db", db, "add", "alice", "--password-stdin"}, "alice-pw\n")
          .exit_code,
      0);
  test::RunOptions login;
  login.argv = {bin + "checkpw", "/bin/true"};
  login.env = {"CHECKPW_DB=" + db, "PATH=/usr/bin:/bin"};
  login.fd3_data = test::checkpassword_request("alice", "alice-pw");
  EXPECT_EQ(test::run(login).exit_code, 0);
  login.fd3_data = test::checkpassword_request("alice", "wrong");
  EXPECT_EQ(test::run(login).exit_code, 1);
  // A postgresql:// location goes to the packaged PostgreSQL build, whose libpq then
  // finds no server (111, its message): the package's two builds fit together.
  login.env = {"CHECKPW_DB=postgresql://login@/accounts?host=/nonexistent", "PATH=/usr/bin:/bin"};
  for (const char* prog : {"checkpw", "cram-md5-checkpw"}) {
    login.argv = {bin + prog, "/bin/true"};
    const test::RunResult pg = test::run(login);
    EXPECT_EQ(pg.exit_code, 111) << prog << pg.err;
    EXPECT_NE(pg.err.find("/nonexistent/.s.PGSQL.5432"), std::string::npos) << prog << pg.err;
  }
}

}  // namespace
}  // namespace checkpw
