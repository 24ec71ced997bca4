// The installed library is the core alone, so a C mail server that links it gets no
// SQLite and no policy: libcheckpw.so.1 exports only the
// checkpw_* C functions and needs neither SQLite nor libcrypt. Checked with the tools an
// administrator or packager would use: nm -D and ldd.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "support/runner.h"

namespace checkpw {
namespace {

const std::string kSo = std::string(CHECKPW_BUILD_DIR) + "/lib/libcheckpw.so.1";

test::RunResult tool(const std::string& name, const std::string& arg) {
  const std::string path = test::find_executable(name);
  EXPECT_FALSE(path.empty()) << name;
  return test::run({.argv = {path, arg}, .fd3 = test::Fd3::kClosed, .env = test::base_env()});
}

TEST(Library, ExportsOnlyTheCAbi) {
  const test::RunResult nm =
      test::run({.argv = {test::find_executable("nm"), "-D", "--defined-only", kSo},
                 .fd3 = test::Fd3::kClosed,
                 .env = test::base_env()});
  ASSERT_EQ(nm.exit_code, 0) << nm.err;
  std::istringstream lines(nm.out);
  std::string line;
  int exported = 0;
  for (; std::getline(lines, line);) {
    const std::string symbol = line.substr(line.rfind(' ') + 1);
    if (symbol == "_init" || symbol == "_fini" || symbol == "_edata" || symbol == "_end" ||
        symbol == "__bss_start") {
      continue;
    }
    EXPECT_EQ(symbol.rfind("checkpw_", 0), 0u) << "exported: " << line;
    ++exported;
  }
  // checkpw.h declares these seven; all of them are there.
  EXPECT_EQ(exported, 7) << nm.out;
  for (const char* f :
       {"checkpw_md5", "checkpw_hmac_md5", "checkpw_cram_md5_secret", "checkpw_cram_md5_verify",
        "checkpw_base64_encoded_size", "checkpw_base64_encode", "checkpw_base64_decode"}) {
    EXPECT_NE(nm.out.find(std::string(" T ") + f + "\n"), std::string::npos) << f;
  }
}

TEST(Library, LinksNeitherSqliteNorLibcrypt) {
  const test::RunResult ldd = tool("ldd", kSo);
  ASSERT_EQ(ldd.exit_code, 0) << ldd.err;
  EXPECT_NE(ldd.out.find("libsodium"), std::string::npos) << ldd.out;
  EXPECT_EQ(ldd.out.find("libsqlite3"), std::string::npos) << ldd.out;
  EXPECT_EQ(ldd.out.find("libcrypt.so"), std::string::npos) << ldd.out;
  EXPECT_EQ(ldd.out.find("libcrypto"), std::string::npos) << ldd.out;
}

}  // namespace
}  // namespace checkpw
