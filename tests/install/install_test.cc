// make install (issue 11, item 5): nothing setuid by default; with SETUID_GROUP the two
// checkpassword programs root-owned, 4750 and that group, and userdb-tool never setuid.
// Runs the real `make install` into a DESTDIR, as root (chown needs it).
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "support/runner.h"
#include "support/util.h"

namespace checkpw {
namespace {

struct stat stat_of(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) st.st_mode = 0;
  return st;
}

test::RunResult make_install(const std::string& destdir, const std::string& group) {
  test::RunOptions o;
  o.argv = {test::find_executable("make"),
            "--no-print-directory",
            "-C",
            CHECKPW_SOURCE_DIR,
            "BUILD=" CHECKPW_BUILD_DIR,
            "install",
            "PREFIX=/usr",
            "DESTDIR=" + destdir};
  if (!group.empty()) o.argv.push_back("SETUID_GROUP=" + group);
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
    const struct stat st = stat_of(plain.path() + "/usr/bin/" + prog);
    EXPECT_EQ(st.st_mode & 07777, 0755u) << prog;
    EXPECT_TRUE(S_ISREG(st.st_mode)) << prog;
  }

  const test::TempDir setuid;
  r = make_install(setuid.path(), "nogroup");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* prog : {"checkpw", "cram-md5-checkpw"}) {
    const struct stat st = stat_of(setuid.path() + "/usr/bin/" + prog);
    EXPECT_EQ(st.st_mode & 07777, 04750u) << prog;
    EXPECT_EQ(st.st_uid, 0u) << prog;
    EXPECT_EQ(st.st_gid, nogroup) << prog;
  }
  const struct stat tool = stat_of(setuid.path() + "/usr/bin/userdb-tool");
  EXPECT_EQ(tool.st_mode & 07777, 0755u) << "userdb-tool refuses setuid; it is never installed so";
  EXPECT_EQ(stat_of(setuid.path() + "/usr/include/checkpw.h").st_mode & 07777, 0644u);
  for (const char* page :
       {"man8/checkpw.8", "man8/cram-md5-checkpw.8", "man8/userdb-tool.8", "man3/libcheckpw.3"}) {
    EXPECT_EQ(stat_of(setuid.path() + "/usr/share/man/" + page).st_mode & 07777, 0644u) << page;
  }
}

}  // namespace
}  // namespace checkpw
