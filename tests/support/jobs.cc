#include "support/jobs.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "support/util.h"

namespace checkpw::test {
namespace {

std::map<std::string, int>& stated_weights() {
  static std::map<std::string, int> weights;
  return weights;
}

struct Job {
  std::string file;
  std::vector<std::string> tests;  // Suite.Name, in the order they are registered
  double expected_s = 0;
  pid_t pid = -1;
  double started_s = 0;
  std::string log, counts;
};

double now_s() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

std::map<std::string, double> times_read(const std::string& path) {
  std::map<std::string, double> times;
  std::ifstream in(path);
  double s = 0;
  std::string file;
  while (in >> s >> file) times[file] = s;
  return times;
}

std::vector<Job> jobs_of_tests(const std::string& times_path) {
  const testing::UnitTest& ut = *testing::UnitTest::GetInstance();
  std::map<std::string, Job> by_file;
  std::vector<std::string> order;
  for (int i = 0; i < ut.total_test_suite_count(); ++i) {
    const testing::TestSuite& suite = *ut.GetTestSuite(i);
    for (int j = 0; j < suite.total_test_count(); ++j) {
      const testing::TestInfo& t = *suite.GetTestInfo(j);
      const std::string name = std::string(t.test_suite_name()) + "." + t.name();
      if (name.find("DISABLED_") != std::string::npos) continue;
      const std::string file = t.file();
      if (!by_file.count(file)) order.push_back(file);
      by_file[file].file = file;
      by_file[file].tests.push_back(name);
    }
  }
  const auto measured = times_read(times_path);
  std::vector<Job> jobs;
  for (const std::string& file : order) {
    Job job = by_file[file];
    if (const auto m = measured.find(file); m != measured.end()) {
      job.expected_s = m->second;
    } else if (const auto w = stated_weights().find(file); w != stated_weights().end()) {
      job.expected_s = w->second;
    } else {
      job.expected_s = 0.1 * static_cast<double>(job.tests.size());
    }
    jobs.push_back(std::move(job));
  }
  // Longest first, so that the run ends with short jobs on every worker.
  std::stable_sort(jobs.begin(), jobs.end(),
                   [](const Job& a, const Job& b) { return a.expected_s > b.expected_s; });
  return jobs;
}

void job_start(Job& job, const std::string& self, const std::string& dir, int index) {
  job.log = dir + "/job" + std::to_string(index) + ".log";
  job.counts = dir + "/job" + std::to_string(index) + ".counts";
  std::string filter = "--gtest_filter=";
  for (const std::string& t : job.tests) filter += t + ":";
  filter.pop_back();
  job.started_s = now_s();
  job.pid = fork();
  if (job.pid < 0) throw std::runtime_error("jobs: fork failed");
  if (job.pid == 0) {
    const int fd = open(job.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) _exit(127);
    setenv("CHECKPW_TEST_COUNTS", job.counts.c_str(), 1);
    setenv("CHECKPW_TEST_JOBS", "1", 1);
    const std::string color = "--gtest_color=no";
    char* argv[] = {const_cast<char*>(self.c_str()), filter.data(),
                    const_cast<char*>(color.c_str()), nullptr};
    execv(self.c_str(), argv);
    _exit(127);
  }
}

// The job's report: its log, and its counts (with the skipped tests' reasons).
void job_finish(const Job& job, int status, JobCounts& sum, std::map<std::string, double>& times) {
  const double took = now_s() - job.started_s;
  times[job.file] = took;
  std::fputs(read_file(job.log).c_str(), stdout);
  JobCounts c;
  std::ifstream in(job.counts);
  const bool reported = static_cast<bool>(in >> c.passed >> c.failed >> c.skipped);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) sum.skips.push_back(line);
  const bool exited_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!reported) {
    c.passed = c.skipped = 0;
    c.failed = 1;
    std::printf("jobs: %s ended (status %d) without reporting its results\n", job.file.c_str(),
                status);
  } else if (!exited_ok && c.failed == 0) {
    c.failed = 1;
  }
  std::printf("== job %s: %d passed, %d failed, %d skipped in %.1f s\n", job.file.c_str(), c.passed,
              c.failed, c.skipped, took);
  std::fflush(stdout);
  sum.passed += c.passed;
  sum.failed += c.failed;
  sum.skipped += c.skipped;
}

}  // namespace

bool job_weight_register(const char* file, int seconds) {
  stated_weights()[file] = seconds;
  return true;
}

JobCounts jobs_run(const std::string& self, int workers, const std::string& times_path) {
  std::vector<Job> jobs = jobs_of_tests(times_path);
  TempDir dir;
  std::printf("jobs: %zu test files in %d parallel jobs\n", jobs.size(), workers);
  std::fflush(stdout);
  JobCounts sum;
  auto times = times_read(times_path);
  std::size_t next = 0, running = 0;
  const double start = now_s();
  while (next < jobs.size() || running > 0) {
    while (next < jobs.size() && running < static_cast<std::size_t>(workers)) {
      job_start(jobs[next], self, dir.path(), static_cast<int>(next));
      ++next;
      ++running;
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) throw std::runtime_error("jobs: waitpid failed");
    for (Job& job : jobs) {
      if (job.pid != pid) continue;
      job_finish(job, status, sum, times);
      job.pid = -1;
      --running;
    }
  }
  std::ofstream out(times_path);
  for (const auto& [file, s] : times) out << s << ' ' << file << '\n';
  std::printf("jobs: %.1f s in all\n", now_s() - start);
  return sum;
}

}  // namespace checkpw::test
