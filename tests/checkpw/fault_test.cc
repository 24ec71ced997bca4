// Faults, which must answer 111 (try again), never 1 (wrong password): each against the
// real program with the exact exit code and the database checked afterwards: Argon2id
// without its memory, a read-only or full file system under the bookkeeping, a corrupted
// page, signals inherited ignored or blocked.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "support/db.h"
#include "support/request.h"
#include "support/runner.h"
#include "support/util.h"

namespace checkpw {
namespace {

using test::checkpassword_request;

const std::string kCheckpw = std::string(CHECKPW_BUILD_DIR) + "/tests/bin/checkpw";

class Fault : public testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("users.db");
    test::make_test_database(db_, {{"alice", "alice-pw"}});
  }
  void tool(const std::vector<std::string>& args, const std::string& in = "") {
    const test::RunResult r = test::run_userdb_tool(db_, args, in);
    ASSERT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
  }
  // checkpw with `prefix` (a wrapper such as prlimit) in front.
  test::RunResult login(const std::string& user, const std::string& pw,
                        std::vector<std::string> prefix = {}, const std::string& db = "") {
    std::vector<std::string> argv = prefix;
    argv.push_back(kCheckpw);
    argv.push_back("/bin/true");
    test::RunOptions o;
    o.argv = argv;
    o.fd3_data = checkpassword_request(user, pw);
    o.env = {"CHECKPW_DB=" + (db.empty() ? db_ : db), "PATH=/usr/bin:/bin"};
    test::RunResult r = test::run(o);
    test::expect_no_secrets(r.err, {"alice-pw", "wrong-pw"});
    return r;
  }
  test::TempDir dir_;
  std::string db_;
};

// Argon2id needs 64 MiB here and the address space allows less: 111 for the known user,
// right or wrong, and for the unknown one (whose dummy hash needs the same memory).
TEST_F(Fault, Argon2idWithoutItsMemoryIsTemporaryForEveryone) {
#ifdef __SANITIZE_ADDRESS__
  GTEST_SKIP() << "needs RLIMIT_AS, which AddressSanitizer cannot run under";
#endif
  tool({"config", "argon2_memlimit", "64M"});
  tool({"passwd", "alice", "--password-stdin"}, "alice-pw\n");
  const std::string prlimit = test::find_executable("prlimit");
  ASSERT_FALSE(prlimit.empty());
  const std::vector<std::string> limited = {prlimit, "--as=50331648", "--"};
  const std::string before = test::db_dump(db_);
  for (const auto& [user, pw] : std::vector<std::pair<std::string, std::string>>{
           {"alice", "alice-pw"}, {"alice", "wrong-pw"}, {"nobody-here", "wrong-pw"}}) {
    const test::RunResult r = login(user, pw, limited);
    EXPECT_EQ(r.exit_code, 111) << user << " " << pw << ": " << r.err;
    EXPECT_NE(r.err.find("reason=out-of-memory"), std::string::npos) << r.err;
  }
  EXPECT_EQ(test::db_dump(db_), before);
  EXPECT_EQ(login("alice", "alice-pw").exit_code, 0) << "and with the memory it works";
}

// The bookkeeping cannot write (the file system is mounted read-only): the verdicts
// stand and nothing changes.
TEST_F(Fault, ReadOnlyFileSystemKeepsTheVerdicts) {
  if (geteuid() != 0) GTEST_SKIP() << "a read-only bind mount needs root";
  const std::string d = dir_.path();
  const std::string before = test::db_dump(db_);
  for (const auto& [pw, code] :
       std::vector<std::pair<std::string, int>>{{"wrong-pw", 1}, {"alice-pw", 0}}) {
    const std::string script = "mount --bind " + d + " " + d + " && mount -o remount,bind,ro " + d +
                               " " + d + " && exec \"$@\"";
    const test::RunResult r =
        login("alice", pw, {"/usr/bin/unshare", "-m", "/bin/sh", "-c", script, "sh"});
    EXPECT_EQ(r.exit_code, code) << pw << ": " << r.err;
  }
  EXPECT_EQ(test::db_dump(db_), before);
}

// A full file system: SQLite's first reader must rebuild the -shm index and cannot, so
// every login is a temporary failure, the same for known and unknown users (never a
// verdict that tells them apart, never a crash).
TEST_F(Fault, FullFileSystemIsTemporaryForEveryone) {
  if (geteuid() != 0) GTEST_SKIP() << "a private tmpfs needs root";
  const std::string full = dir_.file("full");
  ASSERT_EQ(mkdir(full.c_str(), 0700), 0);
  const std::string script = "mount -t tmpfs -o size=1m none " + full + " && cp " + db_ + " " +
                             db_ + "-wal " + db_ + "-shm " + full +
                             "/ && (dd if=/dev/zero of=" + full +
                             "/fill bs=4k 2>/dev/null; true) && exec \"$@\"";
  const std::vector<std::string> in_full = {
      "/usr/bin/unshare", "-m", "/bin/sh", "-c", script, "sh"};
  std::vector<int> codes;
  for (const auto& [user, pw] : std::vector<std::pair<std::string, std::string>>{
           {"alice", "wrong-pw"}, {"alice", "alice-pw"}, {"nobody-here", "wrong-pw"}}) {
    const test::RunResult r = login(user, pw, in_full, full + "/users.db");
    codes.push_back(r.exit_code);
  }
  // Either SQLite could not open it at all (what this system does: all 111), or it could
  // and the verdicts stand; never a mixture that tells the users apart.
  EXPECT_TRUE(codes == std::vector<int>({111, 111, 111}) || codes == std::vector<int>({1, 0, 1}))
      << codes[0] << " " << codes[1] << " " << codes[2];
}

// A page of the file overwritten: 111, for every user.
TEST_F(Fault, CorruptedPageIsTemporaryFailure) {
  for (int i = 0; i < 50; ++i) {
    tool({"add", "filler" + std::to_string(i), "--password-stdin"}, "filler-pw\n");
  }
  test::db_exec(db_, "PRAGMA wal_checkpoint(TRUNCATE)");
  {
    std::fstream f(db_, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.good());
    f.seekg(0, std::ios::end);
    const auto size = static_cast<std::size_t>(f.tellg());
    ASSERT_GT(size, 8192u);
    f.seekp(4096);  // every page after the header page: tables and indexes
    const std::string junk(size - 4096, '\xA5');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  for (const auto& [user, pw] : std::vector<std::pair<std::string, std::string>>{
           {"alice", "alice-pw"}, {"alice", "wrong-pw"}, {"nobody-here", "wrong-pw"}}) {
    const test::RunResult r = login(user, pw);
    EXPECT_EQ(r.exit_code, 111) << user << " " << pw << ": " << r.err;
  }
}

// SIGPIPE, SIGTERM and SIGALRM inherited as ignored, or blocked: the same verdicts (the
// deadline's SIGALRM is taken back and unblocked).
TEST_F(Fault, InheritedSignalStateChangesNoVerdict) {
  const std::string python = test::find_executable("python3");
  ASSERT_FALSE(python.empty());
  const std::string ignore =
      "import os, signal, sys\n"
      "for s in (signal.SIGPIPE, signal.SIGTERM, signal.SIGALRM): signal.signal(s, "
      "signal.SIG_IGN)\n"
      "os.execv(sys.argv[1], sys.argv[1:])\n";
  const std::string block =
      "import os, signal, sys\n"
      "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGPIPE, signal.SIGTERM, signal.SIGALRM})\n"
      "os.execv(sys.argv[1], sys.argv[1:])\n";
  for (const std::string& code : {ignore, block}) {
    EXPECT_EQ(login("alice", "alice-pw", {python, "-c", code}).exit_code, 0);
    EXPECT_EQ(login("alice", "wrong-pw", {python, "-c", code}).exit_code, 1);
    EXPECT_EQ(login("nobody-here", "wrong-pw", {python, "-c", code}).exit_code, 1);
  }
}

}  // namespace
}  // namespace checkpw
