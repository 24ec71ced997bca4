// Equal work (doc/design.md section 4): the real checkpw binary deciding a wrong password
// for a known user beside the same request for an unknown user, at the database's
// default Argon2id cost, one process per iteration as a server runs it. The two times
// should match; their ratio is read from one run. BENCH_ARGS=--benchmark_filter=Checkpw
// with a database whose failure_delay_ms is 0 shows the raw difference (the write).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

extern char** environ;

namespace {

const std::string kBin = std::string(CHECKPW_BUILD_DIR) + "/bin/";
// A short failure delay (the default is 1000 ms): the delay is counted from the verdict,
// so it also covers the failure-counter write that only a known user causes.
constexpr int kDelayMs = 100;

// A throwaway database with one account, made once by the real userdb-tool and
// removed when the benchmark exits.
struct Fixture {
  std::string dir, db;
  Fixture() {
    char templ[] = "/tmp/checkpw-bench-XXXXXX";
    if (mkdtemp(templ) == nullptr) std::abort();
    dir = templ;
    db = dir + "/users.db";
    const std::string tool = kBin + "userdb-tool --db " + db;
    if (std::system((tool + " init >/dev/null").c_str()) != 0 ||
        std::system((tool + " config failure_delay_ms " + std::to_string(kDelayMs) + " >/dev/null")
                        .c_str()) != 0 ||
        std::system(
            ("printf 'right-password\\n' | " + tool + " add alice --password-stdin").c_str()) !=
            0) {
      std::abort();
    }
  }
  ~Fixture() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

const std::string& fixture_db() {
  static const Fixture fixture;
  return fixture.db;
}

// Runs checkpw with `request` on fd 3; returns its exit status.
int decide(const std::string& request) {
  int p[2];
  if (pipe(p) != 0) return -1;
  if (write(p[1], request.data(), request.size()) != static_cast<ssize_t>(request.size()))
    return -1;
  close(p[1]);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[0], 3);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  const std::string program = kBin + "checkpw";
  const std::string env_db = "CHECKPW_DB=" + fixture_db();
  char* argv[] = {const_cast<char*>(program.c_str()), const_cast<char*>("/bin/true"), nullptr};
  char* envp[] = {const_cast<char*>(env_db.c_str()), nullptr};
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, program.c_str(), &fa, nullptr, argv, envp);
  posix_spawn_file_actions_destroy(&fa);
  close(p[0]);
  if (rc != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

void run(benchmark::State& state, const char* user) {
  std::string request = user;
  request += '\0';
  request += "wrong-password";
  request += '\0';
  request += '\0';
  for (auto _ : state) {
    if (decide(request) != 1) {
      state.SkipWithError("checkpw did not reject with exit 1");
      break;
    }
  }
}

void BM_CheckpwWrongPassword(benchmark::State& state) {
  run(state, "alice");
}
void BM_CheckpwUnknownUser(benchmark::State& state) {
  run(state, "mallory");
}

BENCHMARK(BM_CheckpwWrongPassword)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_CheckpwUnknownUser)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
