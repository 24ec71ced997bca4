// The third deployment of doc/design.md section 7: the program runs unprivileged as a
// member of the database's group (file 0640, directory writable by root only), and
// must decide correctly with no writer running and with one in the middle of a write.
#include <grp.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "support/db.h"
#include "support/request.h"
#include "support/runner.h"
#include "support/util.h"

namespace checkpw {
namespace {

using test::checkpassword_request;
using test::RunOptions;
using test::RunResult;

// The tests' copies of the programs (Makefile: TEST_PROG_BINS).
const std::string kBin = std::string(CHECKPW_BUILD_DIR) + "/tests/bin/";

class GroupReader : public testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to create a group and switch to it";
    group_ = "cpwgrp" + std::to_string(getpid() % 100000);
    ASSERT_EQ(std::system(("groupadd " + group_).c_str()), 0);
    const struct group* gr = getgrnam(group_.c_str());
    ASSERT_NE(gr, nullptr);
    gid_ = gr->gr_gid;
    ASSERT_EQ(chmod(dir_.path().c_str(), 0755), 0);
    db_ = dir_.file("users.db");
    tool({"init", "--group", group_});
    tool({"config", "argon2_opslimit", "1"});
    tool({"config", "argon2_memlimit", "8192"});
    tool({"config", "failure_delay_ms", "0"});
    tool({"add", "alice", "--password-stdin"}, "alice-pw\n");
    // The programs are copied where the unprivileged caller can reach them.
    for (const char* name : {"checkpw", "cram-md5-checkpw"})
      test::reachable_copy(dir_, kBin + name);
  }

  void TearDown() override {
    if (!group_.empty() && std::system(("groupdel " + group_).c_str()) != 0) {
      ADD_FAILURE() << "groupdel " << group_ << " failed";
    }
  }

  void tool(const std::vector<std::string>& args, const std::string& stdin_data = "") {
    const RunResult r = test::run_userdb_tool(db_, args, stdin_data);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  RunResult call(const std::string& fd3, const char* prog = "checkpw") {
    RunOptions o;
    o.argv = {dir_.file(prog), "/bin/sh", "-c", "echo uid=$(id -u); echo ran"};
    o.fd3_data = fd3;
    o.env = test::base_env();
    o.env.push_back("CHECKPW_DB=" + db_);
    o.as = test::Credentials{test::kNobody.uid, gid_};
    RunResult r = test::run(o);
    test::expect_no_secrets(r.err, {"alice-pw"});
    return r;
  }

  test::TempDir dir_;
  std::string group_;
  gid_t gid_ = 0;
  std::string db_;
};

TEST_F(GroupReader, FilesAreGroupReadableOnlyAndTheWalFilesExist) {
  for (const std::string suffix : {"", "-wal", "-shm"}) {
    struct stat st;
    ASSERT_EQ(stat((db_ + suffix).c_str(), &st), 0) << suffix << " missing";
    EXPECT_EQ(st.st_mode & 07777, 0640u) << suffix;
    EXPECT_EQ(st.st_gid, gid_) << suffix;
  }
}

TEST_F(GroupReader, DecidesWithoutAWriter) {
  for (const char* prog : {"checkpw", "cram-md5-checkpw"}) {
    RunResult r = call(checkpassword_request("alice", "alice-pw"), prog);
    EXPECT_EQ(r.exit_code, 0) << prog << ": " << r.err;
    EXPECT_NE(r.out.find("uid=65534\nran\n"), std::string::npos) << r.out;
    r = call(checkpassword_request("alice", "wrong"), prog);
    EXPECT_EQ(r.exit_code, 1) << prog << ": " << r.err;
  }
}

TEST_F(GroupReader, DecidesWhileAWriterIsMidTransaction) {
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db_.c_str(), &h), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(h,
                         "BEGIN IMMEDIATE; UPDATE accounts SET failures = failures + 1; "
                         "UPDATE accounts SET hash = 'half-written' WHERE name = 'alice';",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  RunResult r = call(checkpassword_request("alice", "alice-pw"));
  EXPECT_EQ(r.exit_code, 0) << r.err;  // the reader sees the last committed account
  r = call(checkpassword_request("alice", "wrong"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  sqlite3_exec(h, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(h);
}

// A group member cannot rebuild an index that a writer reset (SQLITE_READONLY_RECOVERY);
// it tries again for the busy timeout and then fails closed: 111, never 1.
TEST_F(GroupReader, IndexNobodyRebuildsIsTemporaryFailure) {
  test::DbConnection holder(db_);
  holder.exec("SELECT count(*) FROM accounts");  // -shm mapped and its lock held, here
  // Zeroed from another process: closing a descriptor of -shm here would drop our locks.
  test::RunOptions zero;
  zero.argv = {"/bin/dd", "if=/dev/zero", "of=" + db_ + "-shm", "bs=136",
               "count=1", "conv=notrunc", "status=none"};
  ASSERT_EQ(test::run(zero).exit_code, 0);
  const RunResult r = call(checkpassword_request("alice", "alice-pw"), "cram-md5-checkpw");
  EXPECT_EQ(r.exit_code, 111) << r.err;
  EXPECT_NE(r.err.find("reason=database-unavailable"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("ran"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace checkpw
