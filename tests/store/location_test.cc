// Where the store is (location.h): the location file that names it under setuid, and a
// location as messages may show it.
#include "store/location.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/util.h"

namespace checkpw {
namespace {

TEST(LocationFile, MissingIsNoneAndOneLineAmongCommentsIsTheLocation) {
  const test::TempDir dir;
  const std::string f = dir.file("location");
  auto none = location_file_read(f.c_str());
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_FALSE(none->has_value());
  test::write_file(f,
                   "# the mail hosts' store\n\n"
                   "postgresql://login:s3cret@/mail?host=/run/postgresql  \r\n");
  ASSERT_EQ(chmod(f.c_str(), 0600), 0);
  if (geteuid() != 0) GTEST_SKIP() << "the file must be root's";
  auto got = location_file_read(f.c_str());
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, "postgresql://login:s3cret@/mail?host=/run/postgresql");
}

// Each way the file can be unsafe or unclear: kTempFail naming it, never a location.
TEST(LocationFile, UnsafeOrUnclearFilesAreRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to make root-owned and foreign files";
  const test::TempDir dir;
  const std::string f = dir.file("location");
  struct Case {
    std::string contents;
    mode_t mode;
    uid_t owner;
    const char* says;
  };
  const Case cases[] = {
      {"/var/db/users.db\n", 0620, 0, "writable by group or others"},
      {"/var/db/users.db\n", 0602, 0, "writable by group or others"},
      {"/var/db/users.db\n", 0600, 65534, "not owned by root"},
      {"/a.db\n/b.db\n", 0600, 0, "more than one location"},
      {"# nothing\n\n", 0600, 0, "no location in it"},
      {"/a\x01.db\n", 0600, 0, "control character"},
      {std::string(5000, 'a') + "\n", 0600, 0, "longer than 4096 bytes"},
  };
  for (const Case& c : cases) {
    unlink(f.c_str());
    test::write_file(f, c.contents);
    ASSERT_EQ(chmod(f.c_str(), c.mode), 0);
    ASSERT_EQ(chown(f.c_str(), c.owner, 0), 0);
    auto got = location_file_read(f.c_str());
    ASSERT_FALSE(got) << c.says;
    EXPECT_EQ(got.error().verdict, Verdict::kTempFail);
    EXPECT_NE(got.error().message.find(c.says), std::string::npos) << got.error().message;
  }
  // A symbolic link, even to a good file, and a directory.
  unlink(f.c_str());
  const std::string good = dir.file("good");
  test::write_file(good, "/var/db/users.db\n");
  ASSERT_EQ(chmod(good.c_str(), 0600), 0);
  ASSERT_TRUE(location_file_read(good.c_str()));
  ASSERT_EQ(symlink(good.c_str(), f.c_str()), 0);
  EXPECT_FALSE(location_file_read(f.c_str()));
  EXPECT_FALSE(location_file_read(dir.path().c_str()));
}

TEST(LocationShown, APostgresPasswordIsNeverShownAPathIsAsItIs) {
  EXPECT_EQ(location_shown("/etc/checkpw/users.db"), "/etc/checkpw/users.db");
  EXPECT_EQ(location_shown("postgresql://login:s3cret@db1,db2/mail?target_session_attrs=any"),
            "postgresql://login:***@db1,db2/mail?target_session_attrs=any");
  EXPECT_EQ(location_shown("postgres://login@/mail?host=/run/pg&password=s3cret&port=5433"),
            "postgres://login@/mail?host=/run/pg&password=***&port=5433");
  EXPECT_EQ(location_shown("postgresql:///mail?password=s3cret"),
            "postgresql:///mail?password=***");
  EXPECT_EQ(location_shown("postgresql://db/mail"), "postgresql://db/mail");
}

// libpq's own words about a URI it cannot parse quote the URI: its passwords go.
TEST(LocationScrubbed, EveryPasswordTheLocationHoldsIsHidden) {
  const std::string uri = "postgresql://login:s3cret@[::1/mail";
  EXPECT_EQ(location_scrubbed("matching \"]\" in URI: \"" + uri + "\"", uri),
            "matching \"]\" in URI: \"postgresql://login:***@[::1/mail\"");
  EXPECT_EQ(location_scrubbed("token: \"s3%zz\" s3%zz", "postgres://u:s3%zz@/m"),
            "token: \"***\" ***");
  EXPECT_EQ(location_scrubbed("in URI: \"postgresql://[x/m?password=pw1&a=1&password=pw2\"",
                              "postgresql://[x/m?password=pw1&a=1&password=pw2"),
            "in URI: \"postgresql://[x/m?password=***&a=1&password=***\"");
  // An empty password hides nothing; a path holds none.
  EXPECT_EQ(location_scrubbed("user u:@ failed", "postgresql://u:@/m"), "user u:@ failed");
  EXPECT_EQ(location_scrubbed("/var/db/s3cret.db: no", "/var/db/s3cret.db"),
            "/var/db/s3cret.db: no");
}

}  // namespace
}  // namespace checkpw
