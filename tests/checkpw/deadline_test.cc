// The deadline (doc/design.md section 2): a request pipe that never reaches end of file, or a
// FIFO where the database should be, used to block the programs forever. Now: 111 and a
// log line with reason=deadline, after the deadline that holds until the settings are
// read (10 s; 2 s in the tests' copies of the programs, lib/store/built_in.h).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "support/db.h"
#include "support/request.h"
#include "support/runner.h"
#include "support/util.h"

namespace checkpw {
namespace {

// The tests' copies of the programs (Makefile: TEST_PROG_BINS).
const std::string kBin = std::string(CHECKPW_BUILD_DIR) + "/tests/bin/";

class Deadline : public testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("users.db");
    test::make_test_database(db_, {{"alice", "alice-pw"}});
  }
  test::TempDir dir_;
  std::string db_;
};

TEST_F(Deadline, FifoWhereTheDatabaseShouldBeIsTemporaryFailure) {
  const std::string fifo = dir_.file("fifo.db");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  for (const char* prog : {"checkpw", "cram-md5-checkpw"}) {
    test::RunOptions o;
    o.argv = {kBin + prog, "/bin/sh", "-c", "echo ran"};
    o.fd3_data = test::checkpassword_request("alice", "alice-pw");
    o.env = {"CHECKPW_DB=" + fifo, "PATH=/usr/bin:/bin"};
    o.timeout_seconds = 30;
    const test::RunResult r = test::run(o);
    EXPECT_FALSE(r.timed_out) << prog;
    EXPECT_EQ(r.exit_code, 111) << prog << ": " << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find(std::string(prog) + ": tempfail mech=none remote=- reason=deadline\n"),
              std::string::npos)
        << r.err;
  }
}

// The writer of fd 3 keeps its end open past the deadline (a stuck server): without the
// deadline the program would read end of file at 12 s and exit 2 (empty request).
TEST_F(Deadline, RequestThatNeverEndsIsTemporaryFailure) {
  test::RunOptions o;
  o.argv = {"/bin/bash", "-c",
            "exec \"$0\" /bin/sh -c 'echo ran' 3< <(exec sleep 12 </dev/null 2>/dev/null)",
            kBin + "checkpw"};
  o.fd3 = test::Fd3::kClosed;
  o.env = {"CHECKPW_DB=" + db_, "PATH=/usr/bin:/bin"};
  o.timeout_seconds = 30;
  const test::RunResult r = test::run(o);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 111) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("checkpw: tempfail mech=none remote=- reason=deadline\n"), std::string::npos)
      << r.err;
}

// The deadline never reaches the subprogram: exec deletes the timer, so a subprogram
// that outlives the deadline (deadline_ms 100 here) is not killed by it.
TEST_F(Deadline, SubprogramOutlivesTheDeadline) {
  ASSERT_EQ(test::run_userdb_tool(db_, {"config", "deadline_ms", "100"}).exit_code, 0);
  test::RunOptions o;
  o.argv = {kBin + "checkpw", "/bin/sh", "-c", "sleep 1; echo ran"};
  o.fd3_data = test::checkpassword_request("alice", "alice-pw");
  o.env = {"CHECKPW_DB=" + db_, "PATH=/usr/bin:/bin"};
  const test::RunResult r = test::run(o);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ran\n");
}

}  // namespace
}  // namespace checkpw
