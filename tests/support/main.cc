// GoogleTest entry point. Besides GoogleTest's own report it writes its counts to
// $CHECKPW_TEST_COUNTS ("passed failed skipped", then one line per skipped test with the
// reason) so tests/run.sh can print the run's one summary line. With CHECKPW_TEST_JOBS=N
// (N > 1) and no --gtest_filter, the tests run as N parallel jobs (support/jobs.h).
#include <gtest/gtest.h>
#include <sodium.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "support/jobs.h"

namespace {

// "Suite.Name: reason" for every skipped test of this process.
std::vector<std::string> skips_of_run() {
  std::vector<std::string> skips;
  const testing::UnitTest& ut = *testing::UnitTest::GetInstance();
  for (int i = 0; i < ut.total_test_suite_count(); ++i) {
    const testing::TestSuite& suite = *ut.GetTestSuite(i);
    for (int j = 0; j < suite.total_test_count(); ++j) {
      const testing::TestInfo& t = *suite.GetTestInfo(j);
      if (!t.should_run() || !t.result()->Skipped()) continue;
      std::string why;
      for (int k = 0; k < t.result()->total_part_count(); ++k) {
        const testing::TestPartResult& part = t.result()->GetTestPartResult(k);
        if (part.skipped()) why = part.message();
      }
      for (char& c : why) {
        if (c == '\n') c = ' ';
      }
      skips.push_back(std::string(t.test_suite_name()) + "." + t.name() + ": " + why);
    }
  }
  return skips;
}

void counts_write(int passed, int failed, int skipped, const std::vector<std::string>& skips) {
  const char* path = std::getenv("CHECKPW_TEST_COUNTS");
  if (path == nullptr) return;
  if (FILE* f = std::fopen(path, "w")) {
    std::fprintf(f, "%d %d %d\n", passed, failed, skipped);
    for (const std::string& s : skips) std::fprintf(f, "%s\n", s.c_str());
    std::fclose(f);
  }
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  if (sodium_init() < 0) {
    std::fprintf(stderr, "checkpw_tests: fatal: unable to initialise libsodium\n");
    return 111;
  }
  const char* jobs_env = std::getenv("CHECKPW_TEST_JOBS");
  const int jobs = jobs_env != nullptr ? std::atoi(jobs_env) : 1;
  const char* times = std::getenv("CHECKPW_TEST_TIMES");
  if (jobs > 1 && testing::GTEST_FLAG(filter) == "*" && !testing::GTEST_FLAG(list_tests)) {
    char self[4096];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return 111;
    const checkpw::test::JobCounts c = checkpw::test::jobs_run(
        std::string(self, static_cast<std::size_t>(n)), jobs, times != nullptr ? times : "");
    counts_write(c.passed, c.failed, c.skipped, c.skips);
    return c.failed == 0 ? 0 : 1;
  }
  const int rc = RUN_ALL_TESTS();
  const testing::UnitTest& ut = *testing::UnitTest::GetInstance();
  counts_write(ut.successful_test_count(),
               ut.failed_test_count() + (ut.ad_hoc_test_result().Failed() ? 1 : 0),
               ut.skipped_test_count(), skips_of_run());
  return rc;
}
