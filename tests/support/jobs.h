// Runs the test binary's tests as parallel jobs, one job per test source file: a file's
// tests share what it sets up (a fixed path such as the setuid copies' database, a
// server started once per suite), so they stay in one process and run in their order;
// different files share nothing and run side by side. Each job is this binary again
// with a --gtest_filter naming its tests; its output is printed whole when it ends, so
// jobs never interleave. The longest jobs start first: the times of the last run (kept
// in the build directory), else the weight a file states with CHECKPW_TEST_WEIGHT.
#pragma once

#include <string>
#include <vector>

namespace checkpw::test {

// Registers `seconds` as the expected run time of the tests in `file` (a scheduling
// hint for the first run, before any time was measured).
bool job_weight_register(const char* file, int seconds);
#define CHECKPW_TEST_WEIGHT(seconds)                        \
  [[maybe_unused]] static const bool checkpw_test_weight_ = \
      ::checkpw::test::job_weight_register(__FILE__, seconds)

struct JobCounts {
  int passed = 0, failed = 0, skipped = 0;
  std::vector<std::string> skips;  // "Suite.Name: reason"
};

// Runs every registered test in `jobs` parallel processes of `self` (this binary), keeps
// the measured times in `times_path`, and returns the sums. Call after InitGoogleTest,
// instead of RUN_ALL_TESTS.
JobCounts jobs_run(const std::string& self, int jobs, const std::string& times_path);

}  // namespace checkpw::test
