// Concurrent writers and a reader kept open during writes (on an SQLite file and on
// PostgreSQL); an unwritable file, and the plaintext password's absence from every file
// SQLite writes.
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>

#include "userdb-tool/fixture.h"

namespace checkpw::test {
namespace {

class ConcurrencyTest : public StoreToolTest {
 protected:
  void SetUp() override { init_fast(); }
};

INSTANTIATE_TEST_SUITE_P(Stores, ConcurrencyTest, all_stores(), store_test_name);

// About SQLite's files.
class ConcurrencyFileTest : public ToolTest {
 protected:
  void SetUp() override { init_fast(); }
};

// 50 adds each: every one of 100 busy-waiting writes must land, which is what 1,000 proved
// at ten times the run time.
constexpr int kAddsPerWriter = 50;

TEST_P(ConcurrencyTest, TwoWritersAdd50UsersEach) {
  std::atomic<int> failures{0};
  std::string first_error;
  auto writer = [&](const std::string& prefix) {
    for (int i = 0; i < kAddsPerWriter; ++i) {
      const auto r = tool({"add", prefix + std::to_string(i), "--password-stdin"}, "pw\n");
      if (r.exit_code != 0 && failures++ == 0) first_error = r.err;
    }
  };
  std::thread a(writer, "a");
  std::thread b(writer, "b");
  a.join();
  b.join();
  EXPECT_EQ(failures, 0) << first_error;
  auto u = admin_store_open(db, AdminAccess::kRead);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ((*u)->count().value(), 2 * kAddsPerWriter);
  EXPECT_EQ(tool({"check"}).exit_code, 0);
}

TEST_P(ConcurrencyTest, ReaderKeptOpenNeverSeesAHalfWrittenAccount) {
  add("a", "pw", {"--uid", "1", "--gid", "1", "--home", "/home/1"});
  auto opened = admin_store_open(db, AdminAccess::kRead);
  ASSERT_TRUE(opened.ok());
  AdminStore* ro = opened->get();
  std::atomic<bool> done{false};
  std::atomic<int> bad{0}, reads{0};
  std::string first_bad;  // the reader's own until it is joined: what went wrong first
  std::thread reader([&] {
    auto note = [&](std::string what) {
      if (bad++ == 0) first_bad = std::move(what);
    };
    while (!done) {
      auto f = ro->find("a");
      if (!f) {
        note("find failed: " + f.error().message);
        continue;
      }
      if (!f->has_value()) {
        note("find saw no account");
        continue;
      }
      const Account& acc = **f;
      // Each `set` below changes uid, gid and home together.
      if (acc.uid != acc.gid || acc.home != "/home/" + std::to_string(acc.uid.value_or(0))) {
        note("half a set: uid " + std::to_string(acc.uid.value_or(0)) + ", gid " +
             std::to_string(acc.gid.value_or(0)) + ", home " + acc.home.value_or("(none)"));
      } else if (password_verify(acc.hash, bytes_of("pw")) != PasswordCheck::kMatch) {
        note("the hash does not verify");
      }
      ++reads;
    }
  });
  for (int i = 2; i <= 60; ++i) {
    const std::string n = std::to_string(i);
    const auto r = tool({"set", "a", "--uid", n, "--gid", n, "--home", "/home/" + n});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (i % 10 == 0) {
      ASSERT_EQ(tool({"passwd", "a", "--password-stdin"}, "pw\n").exit_code, 0);
    }
  }
  done = true;
  reader.join();
  EXPECT_EQ(bad, 0) << "first: " << first_bad;
  EXPECT_GT(reads, 0);
  EXPECT_EQ(ro->find("a").value()->uid, 60u);
}

// As root, "unwritable" has to be made real: the file belongs to root, mode 0644, and
// the tool runs as nobody, who can read it but not write it or the directory.
TEST_F(ConcurrencyFileTest, UnwritableFileIsTemporaryAndChangesNothing) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to run the tool as another user";
  add("a", "pw");
  ASSERT_EQ(chmod(dir.path().c_str(), 0755), 0);
  for (const char* suffix : {"", "-wal", "-shm"}) {
    ASSERT_EQ(chmod((db + suffix).c_str(), 0644), 0);
  }
  // Readable: reads work.
  EXPECT_EQ(tool({"show", "a"}, "", kNobody).exit_code, 0);
  for (const auto& [args, in] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"add", "b", "--password-stdin"}, "pw\n"},
           {{"passwd", "a", "--password-stdin"}, "new\n"},
           {{"del", "a"}, ""},
           {{"disable", "a"}, ""},
           {{"set", "a", "--uid", "5"}, ""},
           {{"config", "failure_delay_ms", "5"}, ""}}) {
    const auto r = refused(111, args, in, kNobody);
    EXPECT_NE(r.err.find("not writable"), std::string::npos) << r.err;
  }
  // init on a file another user owns refuses to adopt it (and changes nothing either).
  const auto r = refused(1, {"init"}, "", kNobody);
  EXPECT_NE(r.err.find("refusing to adopt"), std::string::npos) << r.err;
}

TEST_F(ConcurrencyFileTest, PlaintextNeverReachesTheDisk) {
  const std::string pw = "Needle-Pl4in-8812";
  add("a", pw);
  add("b", pw + "b", {"--no-cram-md5"});
  ASSERT_EQ(tool({"passwd", "a", "--password-stdin"}, pw + "new\n").exit_code, 0);
  ASSERT_EQ(tool({"verify", "a", "--password-stdin"}, pw + "new\n").exit_code, 0);
  ASSERT_EQ(tool({"del", "b"}).exit_code, 0);
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string bytes = read_file(db + suffix);
    EXPECT_EQ(bytes.find("Needle-Pl4in"), std::string::npos) << suffix;
  }
  // Nor any other file in the directory (no stray temporaries).
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(read_file(entry.path()).find("Needle-Pl4in"), std::string::npos) << entry.path();
  }
}

}  // namespace
}  // namespace checkpw::test
