// userdb-tool export --format passwd-file, a way in for Dovecot 2.4: Dovecot's own `doveadm pw -t`
// verifies every exported hash with the right password and refuses a wrong one; the
// fields and the nologin rule; an account that cannot be a line makes the export write
// nothing. On an SQLite file and on PostgreSQL.
#include <crypt.h>

#include <sstream>

#include "userdb-tool/fixture.h"

namespace checkpw::test {
namespace {

class ExportTest : public StoreToolTest {
 protected:
  // doveadm pw -t HASH -p PASSWORD: 0 when Dovecot verifies it.
  int doveadm_verifies(const std::string& hash, const std::string& password) {
    const std::string doveadm = find_executable("doveadm");
    EXPECT_FALSE(doveadm.empty()) << "doveadm comes with dovecot-core (make deps)";
    return run({.argv = {doveadm, "pw", "-t", hash, "-p", password},
                .fd3 = Fd3::kClosed,
                .env = base_env()})
        .exit_code;
  }
};

INSTANTIATE_TEST_SUITE_P(Stores, ExportTest, all_stores(), store_test_name);

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<std::string> fields_of(const std::string& line) {
  std::vector<std::string> out;
  std::string::size_type start = 0;
  for (;;) {
    const auto colon = line.find(':', start);
    out.push_back(line.substr(start, colon - start));
    if (colon == std::string::npos) return out;
    start = colon + 1;
  }
}

TEST_P(ExportTest, DovecotVerifiesEveryHashAsExported) {
  init_fast();
  add("alice@example.org", "alice-pw", {"--uid", "1001", "--gid", "1002", "--home", "/home/alice"});
  add("bob", "bob-pw");
  add("carol", "carol-pw");
  // carol came from /etc/shadow with a SHA-512 crypt(3) hash.
  const char* legacy = crypt("carol-pw", "$6$saltsalt$");
  ASSERT_NE(legacy, nullptr);
  store.exec(std::string("UPDATE accounts SET hash = '") + legacy + "' WHERE name = 'carol'");
  ASSERT_EQ(tool({"disable", "bob"}).exit_code, 0);

  const RunResult r = tool({"export", "--format", "passwd-file"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  const auto a = fields_of(lines[0]), b = fields_of(lines[1]), c = fields_of(lines[2]);
  ASSERT_EQ(a.size(), 8u) << lines[0];
  EXPECT_EQ(a[0], "alice@example.org");
  EXPECT_EQ(a[1].rfind("{ARGON2ID}$argon2id$", 0), 0u) << a[1];
  EXPECT_EQ(a[2], "1001");
  EXPECT_EQ(a[3], "1002");
  EXPECT_EQ(a[5], "/home/alice");
  EXPECT_EQ(a[7], "");
  EXPECT_EQ(b[0], "bob");
  EXPECT_EQ(b[7], "nologin=y") << "a disabled account must not log in through Dovecot either";
  EXPECT_EQ(c[1], std::string("{SHA512-CRYPT}") + legacy);

  EXPECT_EQ(doveadm_verifies(a[1], "alice-pw"), 0);
  EXPECT_NE(doveadm_verifies(a[1], "alice-pw-typo"), 0);
  EXPECT_EQ(doveadm_verifies(b[1], "bob-pw"), 0);
  EXPECT_EQ(doveadm_verifies(c[1], "carol-pw"), 0);
  EXPECT_NE(doveadm_verifies(c[1], "bob-pw"), 0);
}

TEST_P(ExportTest, AnAccountThatCannotBeALineMeansNothingIsWritten) {
  init_fast();
  add("alice", "alice-pw");
  add("odd:name", "odd-pw");  // a valid account name, but ':' separates passwd-file fields
  RunResult r = tool({"export", "--format", "passwd-file"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("odd:name"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("$argon2id$"), std::string::npos) << "never a hash on stderr";
  r = tool({"export"});
  EXPECT_EQ(r.exit_code, 2) << "the format is required";
  r = tool({"export", "--format", "shadow"});
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace checkpw::test
