#include "base/verdict.h"

#include <gtest/gtest.h>

namespace checkpw {
namespace {

// doc/design.md section 3, row by row.
TEST(Verdict, ExitCodeTable) {
  EXPECT_EQ(exit_code(Verdict::kReject), 1);
  EXPECT_EQ(exit_code(Verdict::kMisuse), 2);
  EXPECT_EQ(exit_code(Verdict::kUnknownUser), 3);
  EXPECT_EQ(exit_code(Verdict::kTempFail), 111);
  // Accept has no exit status: reaching exit with it means exec failed.
  EXPECT_EQ(exit_code(Verdict::kAccept), 111);
  EXPECT_EQ(exit_code(static_cast<Verdict>(99)), 111);  // fail closed
}

TEST(Verdict, NamesForLogLines) {
  EXPECT_STREQ(verdict_name(Verdict::kAccept), "accept");
  EXPECT_STREQ(verdict_name(Verdict::kReject), "reject");
  EXPECT_STREQ(verdict_name(Verdict::kTempFail), "tempfail");
}

}  // namespace
}  // namespace checkpw
