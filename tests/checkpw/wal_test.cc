// The database's files under the login programs' writes (doc/design.md section 7): the WAL
// stays bounded (a bookkeeping write past kWalCheckpointBytes starts a checkpoint elsewhere), no
// login flushes the disk, and after passwd or del no earlier hash or CRAM-MD5 secret is left in any
// of the database's files. The real programs and userdb-tool, a real SQLite file.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <vector>

#include "store/sqlite_store.h"
#include "support/db.h"
#include "support/request.h"
#include "support/runner.h"
#include "support/util.h"

namespace checkpw {
namespace {

using test::checkpassword_request;

// The tests' copies of the programs (Makefile: TEST_PROG_BINS).
const std::string kBin = std::string(CHECKPW_BUILD_DIR) + "/tests/bin/";
constexpr int kAccounts = 40;

long file_size(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<long>(st.st_size) : -1;
}

class Wal : public testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("users.db");
    std::vector<std::pair<std::string, std::string>> accounts;
    for (int i = 0; i < kAccounts; ++i) {
      accounts.emplace_back("user" + std::to_string(i), "password-" + std::to_string(i));
    }
    // Every success is a write: the worst case for the WAL.
    test::make_test_database(db_, accounts, {{"last_login_interval_s", "0"}});
  }

  std::vector<std::string> argv(const std::string& program) const {
    return {kBin + program, "/bin/true"};
  }

  test::RunResult login(int i, const std::vector<std::string>& prefix = {}) {
    test::RunOptions o;
    o.argv = prefix;
    const auto a = argv("checkpw");
    o.argv.insert(o.argv.end(), a.begin(), a.end());
    const std::string n = std::to_string(i % kAccounts);
    // Right and wrong passwords: both are written.
    o.fd3_data = checkpassword_request("user" + n, i % 3 == 2 ? "wrong" : "password-" + n);
    o.env = {"CHECKPW_DB=" + db_, "PATH=/usr/bin:/bin"};
    return test::run(o);
  }

  test::TempDir dir_;
  std::string db_;
};

// Another process has -shm open and its index is unusable, as in the moment after a
// writer alone with the file has reset it and before it has rebuilt it. A login maps -shm
// read-only, so SQLite can only answer SQLITE_READONLY_RECOVERY; the program must then
// open the ordinary way, which rebuilds the index, and decide (it answered 111 instead,
// 14 times in 100,000 logins of login-rate's WAL phase, before it did).
TEST_F(Wal, LoginWhileTheIndexAwaitsItsRebuild) {
  test::DbConnection holder(db_);
  holder.exec("SELECT count(*) FROM accounts");  // -shm mapped and its lock held, here
  for (const char* program : {"checkpw", "cram-md5-checkpw"}) {
    // Both copies of the index header and the checkpoint information zeroed, from another
    // process (closing a descriptor of -shm in this one would drop the holder's locks).
    test::RunOptions zero;
    zero.argv = {"/bin/dd", "if=/dev/zero", "of=" + db_ + "-shm", "bs=136",
                 "count=1", "conv=notrunc", "status=none"};
    ASSERT_EQ(test::run(zero).exit_code, 0);
    test::RunOptions o;
    o.argv = argv(program);
    o.fd3_data = checkpassword_request("user1", "password-1");
    o.env = {"CHECKPW_DB=" + db_, "PATH=/usr/bin:/bin"};
    const test::RunResult r = test::run(o);
    EXPECT_EQ(r.exit_code, 0) << program << ": " << r.err;
  }
}

// Without the checkpoint, 300 bookkeeping writes leave a WAL of about 1.2 MB.
TEST_F(Wal, StaysBoundedUnderBookkeepingWrites) {
  long largest = 0;
  for (int i = 0; i < 300; ++i) {
    const test::RunResult r = login(i);
    ASSERT_EQ(r.exit_code, i % 3 == 2 ? 1 : 0) << r.err;
    largest = std::max(largest, file_size(db_ + "-wal"));
  }
  EXPECT_GT(largest, 0);
  // The bound plus the frames written while a checkpoint was starting.
  EXPECT_LT(largest, kWalCheckpointBytes + 64 * 1024) << "largest -wal: " << largest;
  EXPECT_EQ(test::db_value(db_, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(test::db_value(db_, "SELECT sum(total_failures) FROM accounts"), "100");
}

// No fsync or fdatasync in the login's own process (strace without -f: the checkpoint runs
// in a process of its own), over enough logins to pass the WAL's bound several times.
TEST_F(Wal, NoLoginFlushesTheDisk) {
  const std::string strace = test::find_executable("strace");
  ASSERT_FALSE(strace.empty()) << "strace is installed by make deps";
  int flushes = 0;
  for (int i = 0; i < 60; ++i) {
    const std::string log = dir_.file("strace.log");
    const test::RunResult r =
        login(i, {strace, "-o", log, "-e", "trace=fsync,fdatasync,sync_file_range,msync"});
    ASSERT_EQ(r.exit_code, i % 3 == 2 ? 1 : 0) << r.err;
    const std::string trace = test::read_file(log);
    for (const char* call : {"fsync(", "fdatasync(", "sync_file_range(", "msync("}) {
      for (std::size_t at = trace.find(call); at != std::string::npos;
           at = trace.find(call, at + 1)) {
        ++flushes;
        ADD_FAILURE() << "login " << i << " flushed: " << trace;
      }
    }
  }
  EXPECT_EQ(flushes, 0);
}

// The bytes of every file of the database: the file itself, -wal and -shm.
std::string all_files(const std::string& db) {
  std::string out;
  for (const char* suffix : {"", "-wal", "-shm"}) out += test::read_file(db + suffix);
  return out;
}

TEST_F(Wal, NoEarlierHashOrSecretIsLeftAfterPasswdOrDel) {
  // Logins first, so that pages holding the hashes are in the WAL as well.
  for (int i = 0; i < 12; ++i) ASSERT_LE(login(i).exit_code, 1);
  auto hash_of = [&](const std::string& u) {
    return test::db_value(db_, "SELECT hash FROM accounts WHERE name = '" + u + "'");
  };
  auto cram_of = [&](const std::string& u) {
    return test::from_hex(
        test::db_value(db_, "SELECT hex(cram_md5) FROM accounts WHERE name = '" + u + "'"));
  };
  const std::string old_hash = hash_of("user1"), gone_hash = hash_of("user2");
  const test::Bytes old_cram = cram_of("user1"), gone_cram = cram_of("user2");
  ASSERT_FALSE(old_hash.empty());
  ASSERT_EQ(old_cram.size(), 32u);
  ASSERT_NE(all_files(db_).find(old_hash), std::string::npos) << "the test sees the hashes";

  ASSERT_EQ(
      test::run_userdb_tool(db_, {"passwd", "user1", "--password-stdin"}, "new-pw\n").exit_code, 0);
  ASSERT_EQ(test::run_userdb_tool(db_, {"del", "user2"}).exit_code, 0);
  ASSERT_NE(hash_of("user1"), old_hash);
  const std::string files = all_files(db_);
  const std::string cram1(old_cram.begin(), old_cram.end()),
      cram2(gone_cram.begin(), gone_cram.end());
  EXPECT_EQ(files.find(old_hash), std::string::npos) << "user1's old hash is still in a file";
  EXPECT_EQ(files.find(gone_hash), std::string::npos) << "user2's hash is still in a file";
  EXPECT_EQ(files.find(cram1), std::string::npos)
      << "user1's old CRAM-MD5 secret is still in a file";
  EXPECT_EQ(files.find(cram2), std::string::npos) << "user2's CRAM-MD5 secret is still in a file";
  EXPECT_NE(files.find(hash_of("user3")), std::string::npos) << "the others are all there";
  // And logins go on: the new password works, the old one and the deleted account do not.
  test::RunOptions o;
  o.argv = argv("checkpw");
  o.env = {"CHECKPW_DB=" + db_, "PATH=/usr/bin:/bin"};
  o.fd3_data = checkpassword_request("user1", "new-pw");
  EXPECT_EQ(test::run(o).exit_code, 0);
  o.fd3_data = checkpassword_request("user1", "password-1");
  EXPECT_EQ(test::run(o).exit_code, 1);
  o.fd3_data = checkpassword_request("user2", "password-2");
  EXPECT_EQ(test::run(o).exit_code, 1);
}

}  // namespace
}  // namespace checkpw
