// make install, which decides what may run as root: nothing setuid by default; with SETUID_GROUP
// the two checkpassword programs root-owned, 4750 and that group, and userdb-tool never setuid.
// Runs the real `make install` into a DESTDIR, as root (chown needs it), with the build's
// own PREFIX (/usr/local): another would rebuild the programs the other tests run.
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "support/request.h"
#include "support/runner.h"
#include "support/util.h"

namespace checkpw {
namespace {

struct stat stat_of(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) st.st_mode = 0;
  return st;
}

test::RunResult make_install(const std::string& destdir, const std::string& group,
                             const std::string& modes = "") {
  test::RunOptions o;
  o.argv = {test::find_executable("make"),
            "--no-print-directory",
            "-C",
            CHECKPW_SOURCE_DIR,
            "BUILD=" CHECKPW_BUILD_DIR,
            "install",
            "DESTDIR=" + destdir};
  if (!group.empty()) o.argv.push_back("SETUID_GROUP=" + group);
  if (!modes.empty()) o.argv.push_back("INSTALL_MODES=" + modes);
  o.env = test::base_env();
  o.timeout_seconds = 600;
  return test::run(o);
}

TEST(Install, NothingSetuidUnlessAskedThenTheCheckpasswordProgramsAre4750) {
  if (geteuid() != 0) GTEST_SKIP() << "installing setuid root needs root";
  const group* g = getgrnam("nogroup");
  ASSERT_NE(g, nullptr);
  const gid_t nogroup = g->gr_gid;

  const test::TempDir plain;
  test::RunResult r = make_install(plain.path(), "");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* prog : {"checkpw", "cram-md5-checkpw", "userdb-tool"}) {
    const struct stat st = stat_of(plain.path() + "/usr/local/bin/" + prog);
    EXPECT_EQ(st.st_mode & 07777, 0755u) << prog;
    EXPECT_TRUE(S_ISREG(st.st_mode)) << prog;
  }

  // The PostgreSQL builds (install/helpers), and the installed layout fitting together:
  // the copy in bin/ hands a postgresql:// login to the compiled-in HELPERDIR, which is
  // where the install put the full build (under DESTDIR here, so it is not found: 111
  // naming it), and that build's libpq finds no server (111, its own message).
  for (const char* prog : {"checkpw", "cram-md5-checkpw"}) {
    const std::string helper = "/usr/local/libexec/checkpw/" + std::string(prog);
    const struct stat st = stat_of(plain.path() + helper);
    EXPECT_EQ(st.st_mode & 07777, 0755u) << prog;
    EXPECT_TRUE(S_ISREG(st.st_mode)) << prog;
    test::RunOptions login;
    login.argv = {plain.path() + "/usr/local/bin/" + prog, "/bin/true"};
    login.env = {"CHECKPW_DB=postgresql://login@/accounts?host=/nonexistent", "PATH=/usr/bin:/bin"};
    login.fd3_data = test::checkpassword_request("alice", "alice-pw");
    test::RunResult pg = test::run(login);
    EXPECT_EQ(pg.exit_code, 111) << prog << pg.err;
    if (access(helper.c_str(), F_OK) != 0) {
      EXPECT_NE(pg.err.find(helper + ": No such file"), std::string::npos) << prog << pg.err;
    }
    login.argv[0] = plain.path() + helper;
    pg = test::run(login);
    EXPECT_EQ(pg.exit_code, 111) << prog << pg.err;
    EXPECT_NE(pg.err.find("/nonexistent/.s.PGSQL.5432"), std::string::npos) << prog << pg.err;
  }

  const test::TempDir setuid;
  r = make_install(setuid.path(), "nogroup");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* prog : {"checkpw", "cram-md5-checkpw"}) {
    const struct stat st = stat_of(setuid.path() + "/usr/local/bin/" + prog);
    EXPECT_EQ(st.st_mode & 07777, 04750u) << prog;
    EXPECT_EQ(st.st_uid, 0u) << prog;
    EXPECT_EQ(st.st_gid, nogroup) << prog;
  }
  for (const char* prog : {"checkpw", "cram-md5-checkpw"}) {
    const struct stat st = stat_of(setuid.path() + "/usr/local/libexec/checkpw/" + prog);
    EXPECT_EQ(st.st_mode & 07777, 0755u) << prog << ": the PostgreSQL builds are never setuid";
  }
  const struct stat tool = stat_of(setuid.path() + "/usr/local/bin/userdb-tool");
  EXPECT_EQ(tool.st_mode & 07777, 0755u) << "userdb-tool refuses setuid; it is never installed so";
  EXPECT_EQ(stat_of(setuid.path() + "/usr/local/include/checkpw.h").st_mode & 07777, 0644u);
  for (const char* page :
       {"man8/checkpw.8", "man8/cram-md5-checkpw.8", "man8/userdb-tool.8", "man3/libcheckpw.3"}) {
    EXPECT_EQ(stat_of(setuid.path() + "/usr/local/share/man/" + page).st_mode & 07777, 0644u)
        << page;
  }
}

// install/modes is data: another file gives other modes, owners and groups, and setuid
// stays opt-in even there.
TEST(Install, ProgramsGetTheModeOwnerAndGroupThatInstallModesGives) {
  if (geteuid() != 0) GTEST_SKIP() << "chown needs root";
  const group* g = getgrnam("nogroup");
  ASSERT_NE(g, nullptr);
  const test::TempDir dir;
  const std::string modes = dir.file("modes");
  test::write_file(modes,
                   "# a site's own choice\n"
                   "checkpw 0750 root nogroup opt-in\n"
                   "\n"
                   "cram-md5-checkpw 0711 root root opt-in\n"
                   "userdb-tool 0700 root root never\n");
  const test::TempDir dest;
  const test::RunResult r = make_install(dest.path(), "", modes);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const struct stat cp = stat_of(dest.path() + "/usr/local/bin/checkpw");
  EXPECT_EQ(cp.st_mode & 07777, 0750u);
  EXPECT_EQ(cp.st_gid, g->gr_gid);
  EXPECT_EQ(stat_of(dest.path() + "/usr/local/bin/cram-md5-checkpw").st_mode & 07777, 0711u);
  EXPECT_EQ(stat_of(dest.path() + "/usr/local/bin/userdb-tool").st_mode & 07777, 0700u);
}

// Every rule of install/modes, broken once: make install fails (exit 2 from the script,
// so make's own is nonzero), names the line, and no program is copied.
TEST(Install, AnInstallModesLineThatBreaksARuleStopsTheInstallBeforeAnyCopy) {
  const std::string good_cp = "checkpw 0755 root root opt-in\n";
  const std::string good_cram = "cram-md5-checkpw 0755 root root opt-in\n";
  const std::string good_tool = "userdb-tool 0755 root root never\n";
  struct Case {
    std::string modes, says;
  };
  const std::vector<Case> cases = {
      {good_cp + good_cram + "userdb-tool 4755 root root never\n", "setuid, setgid or sticky"},
      {good_cp + good_cram + "userdb-tool 0775 root root never\n", "group or others write"},
      {good_cp + good_cram + "userdb-tool 0757 root root never\n", "group or others write"},
      {good_cp + good_cram + "userdb-tool 755 root root never\n", "four octal digits"},
      {good_cp + good_cram + "userdb-tool 0755 root root opt-in\n", "must be never"},
      {good_cp + good_cram + "userdb-tool 0755 root root\n", "5 fields"},
      {good_cp + good_cram + "userdb-tool 0755 root root never extra\n", "5 fields"},
      {good_cp + good_cram + "userdb-tool 0755 root root sometimes\n", "opt-in or never"},
      {good_cp + good_cram + "userdb-tool 0755 r00t;x root never\n", "not a user or group name"},
      {good_cp + good_cram, "no line for userdb-tool"},
      {good_cp + good_cram + good_tool + good_cp, "named twice"},
      {good_cp + good_cram + good_tool + "sendmail 0755 root root never\n", "not a program"},
  };
  for (const Case& c : cases) {
    const test::TempDir dir;
    const std::string modes = dir.file("modes");
    test::write_file(modes, c.modes);
    const test::TempDir dest;
    const test::RunResult r = make_install(dest.path(), "", modes);
    EXPECT_NE(r.exit_code, 0) << c.modes;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.modes << r.err;
    EXPECT_NE(r.err.find(modes), std::string::npos) << "names the file: " << r.err;
    for (const char* prog : {"checkpw", "cram-md5-checkpw", "userdb-tool"}) {
      EXPECT_EQ(stat_of(dest.path() + "/usr/local/bin/" + prog).st_mode, 0u) << prog << c.modes;
    }
    EXPECT_EQ(stat_of(dest.path() + "/usr/local/libexec/checkpw").st_mode, 0u) << c.modes;
  }
  if (geteuid() == 0) {
    const test::TempDir dest;
    const test::RunResult r = make_install(dest.path(), "no-such-group-here");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("no such group"), std::string::npos) << r.err;
    EXPECT_EQ(stat_of(dest.path() + "/usr/local/bin/checkpw").st_mode, 0u);
  }
}

}  // namespace
}  // namespace checkpw
