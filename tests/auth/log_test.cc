#include "auth/log.h"

#include <gtest/gtest.h>

namespace checkpw {
namespace {

std::span<const unsigned char> bytes(std::string_view s) {
  return {reinterpret_cast<const unsigned char*>(s.data()), s.size()};
}

TEST(AuthLog, LineShape) {
  LogEntry e{"checkpw", Verdict::kAccept, "plain", "192.0.2.7", bytes("alice"), "ok"};
  EXPECT_EQ(log_line(e), "checkpw: accept mech=plain remote=192.0.2.7 user=alice reason=ok\n");
  e.verdict = Verdict::kReject;
  e.user = {};
  e.remote = "";
  e.reason = "bad-password";
  EXPECT_EQ(log_line(e), "checkpw: reject mech=plain remote=- reason=bad-password\n");
}

TEST(AuthLog, EscapesEverythingThatCouldForgeAFieldOrLine) {
  EXPECT_EQ(log_escape(bytes("a b=c\\d\ne\x7f\xc3\xa9")),
            "a\\x20b\\x3dc\\x5cd\\x0ae\\x7f\\xc3\\xa9");
  LogEntry e{"checkpw", Verdict::kAccept, "plain", "1.2.3.4 reason=ok", bytes("x\nchecksum"), "ok"};
  const std::string line = log_line(e);
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_NE(line.find("remote=1.2.3.4\\x20reason\\x3dok "), std::string::npos);
}

}  // namespace
}  // namespace checkpw
