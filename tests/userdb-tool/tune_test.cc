// userdb-tool tune: the table it measured, a proposal that fits both
// limits, nothing written without --apply, the proposal stored with it, bad limits refused;
// on an SQLite file and on PostgreSQL.
#include <string>

#include "userdb-tool/fixture.h"

namespace checkpw::test {
namespace {

class TuneTest : public StoreToolTest {};
INSTANTIATE_TEST_SUITE_P(Stores, TuneTest, all_stores(), store_test_name);

struct Proposal {
  unsigned long long opslimit = 0, memlimit = 0, ms = 0;
};

// "proposed: argon2_opslimit=T argon2_memlimit=M (NM, MS ms; ..." (no std::regex: GCC 12
// warns inside it under the sanitizers' -O1).
Proposal proposal_of(const std::string& out) {
  Proposal p;
  const auto number_after = [&](const std::string& key, unsigned long long& v) {
    const auto at = out.find(key);
    if (at == std::string::npos) return false;
    std::size_t used = 0;
    v = std::stoull(out.substr(at + key.size()), &used);
    return used > 0;
  };
  const auto paren = out.find(" (", out.find("proposed: "));
  const auto comma = paren == std::string::npos ? paren : out.find(", ", paren);
  if (!number_after("proposed: argon2_opslimit=", p.opslimit) ||
      !number_after(" argon2_memlimit=", p.memlimit) || comma == std::string::npos) {
    return {};
  }
  p.ms = std::stoull(out.substr(comma + 2));
  return p;
}

TEST_P(TuneTest, ProposesACostWithinBothLimitsAndWritesNothingWithoutApply) {
  init_fast();
  const std::string before = store.dump();
  const RunResult r = tool({"tune", "--max-ms", "60", "--max-memory", "48M"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("memlimit   opslimit        ms"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("        8M          1"), std::string::npos) << r.out;
  const Proposal p = proposal_of(r.out);
  ASSERT_GT(p.opslimit, 0u) << r.out;
  EXPECT_LE(p.memlimit, (48ull << 20) - (16ull << 20));  // the program's 16M left over
  EXPECT_GE(p.memlimit, 8ull << 20);
  EXPECT_EQ(p.memlimit % 1024, 0u);
  EXPECT_LE(p.ms, 60u);
  EXPECT_NE(r.out.find("nothing changed"), std::string::npos);
  EXPECT_EQ(store.dump(), before);
}

TEST_P(TuneTest, ApplyStoresTheProposalAndNewPasswordsGetIt) {
  init_fast();
  const RunResult r = tool({"tune", "--max-ms", "40", "--max-memory", "40M", "--apply"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Proposal p = proposal_of(r.out);
  ASSERT_GT(p.opslimit, 0u) << r.out;
  EXPECT_EQ(tool({"config", "argon2_opslimit"}).out, std::to_string(p.opslimit) + "\n");
  EXPECT_EQ(tool({"config", "argon2_memlimit"}).out, std::to_string(p.memlimit) + "\n");
  add("alice", "alice-pw");
  const std::string hash = store.value("SELECT hash FROM accounts WHERE name = 'alice'");
  EXPECT_NE(hash.find("m=" + std::to_string(p.memlimit / 1024) +
                      ",t=" + std::to_string(p.opslimit) + ","),
            std::string::npos)
      << hash;
}

TEST_P(TuneTest, RefusesLimitsOutOfRangeAndChangesNothing) {
  init_fast();
  const std::string before = store.dump();
  for (const std::vector<std::string>& args : {std::vector<std::string>{"tune", "--max-ms", "0"},
                                               {"tune", "--max-ms", "abc"},
                                               {"tune", "--max-ms", "60001"},
                                               {"tune", "--max-memory", "16M"},
                                               {"tune", "--max-memory", "12X"},
                                               {"tune", "--max-memory", ""},
                                               {"tune", "extra"}}) {
    const RunResult r = tool(args);
    EXPECT_EQ(r.exit_code, 2) << args[1] << ": " << r.out << r.err;
  }
  // No cost fits a 1 ms limit on any machine we run on: exit 1, nothing stored.
  const RunResult r = tool({"tune", "--max-ms", "1", "--apply"});
  if (r.exit_code == 0) GTEST_SKIP() << "this machine hashes 8M in under 1 ms";
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(store.dump(), before);
}

}  // namespace
}  // namespace checkpw::test
