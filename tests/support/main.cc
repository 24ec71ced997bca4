// GoogleTest entry point. Besides GoogleTest's own report it writes "passed failed"
// to $CHECKPW_TEST_COUNTS so tests/run.sh can print the suite's one summary line.
#include <gtest/gtest.h>
#include <sodium.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  if (sodium_init() < 0) {
    std::fprintf(stderr, "checkpw_tests: fatal: unable to initialise libsodium\n");
    return 111;
  }
  const int rc = RUN_ALL_TESTS();
  const testing::UnitTest& ut = *testing::UnitTest::GetInstance();
  if (const char* path = std::getenv("CHECKPW_TEST_COUNTS")) {
    if (FILE* f = std::fopen(path, "w")) {
      std::fprintf(f, "%d %d\n", ut.successful_test_count(),
                   ut.failed_test_count() + (ut.ad_hoc_test_result().Failed() ? 1 : 0));
      std::fclose(f);
    }
  }
  return rc;
}
