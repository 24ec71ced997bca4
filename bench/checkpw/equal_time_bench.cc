// Equal time for every rejection (doc/design.md section 4), so that the time of an answer
// tells no attacker which kind of rejection it was: after the
// Argon2id cost is raised, an unknown user (a dummy verify at the new cost), a wrong
// password (an account at the new cost), a locked account (the right password) and a
// wrong password for an account still at the old cost must take the same time, because a
// rejection is answered failure_delay_ms after the request arrived, not after the verdict.
// The real programs, one process per login as a server runs them, the cases interleaved
// in one run: CHECKPW_TIMING_RUNS rounds (default 50) at CHECKPW_TIMING_DELAY_MS (default
// 1000, the setting's default), plaintext through checkpw and CRAM-MD5 through
// cram-md5-checkpw. Counters: each case's median in ms and, per mechanism, the spread
// (slowest median / fastest median - 1). A second, shorter pass with the delay at 0 shows
// the raw work the delay hides. The table goes to stderr.
// Alone: make bench BENCH_ARGS=--benchmark_filter=EqualTime
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "support/spawn.h"

namespace checkpw::bench {
namespace {

// The programs of bin/ with the build tree's PostgreSQL builds (Makefile: BENCH_PROG_BINS).
const std::string kBin = std::string(CHECKPW_BUILD_DIR) + "/bench/bin/";
const std::string kChallenge = "<1896.697170952@postoffice.reston.mci.net>";

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  const int n = v != nullptr && *v != '\0' ? std::atoi(v) : fallback;
  return n > 0 ? n : fallback;
}

struct Case {
  const char* name;
  std::string program;
  std::string request;
};

// old is hashed at the default cost (t=2, 19 MiB); then the cost is raised to t=4,
// 128 MiB and cur is added; locked is locked by three real failures (lockout_failures 3),
// after which the threshold goes up to 1000 so that the measured failures lock nobody else.
struct Fixture {
  std::string dir, db;
  std::vector<std::string> env;
  Fixture() {
    char templ[] = "/tmp/checkpw-timing-XXXXXX";
    if (mkdtemp(templ) == nullptr) std::abort();
    dir = templ;
    db = dir + "/users.db";
    env = {"CHECKPW_DB=" + db, "PATH=/usr/bin:/bin", "TCPREMOTEIP=192.0.2.7"};
    userdb_tool(db, "init");
    userdb_tool(db, "config failure_delay_ms 0");
    userdb_tool(db, "add old --password-stdin", "old-password\n");
    userdb_tool(db, "add locked --password-stdin", "locked-password\n");
    userdb_tool(db, "config argon2_opslimit 4");
    userdb_tool(db, "config argon2_memlimit 128M");
    userdb_tool(db, "add cur --password-stdin", "cur-password\n");
    userdb_tool(db, "config lockout_failures 3");
    userdb_tool(db, "config lockout_duration_s 86400");
    for (int i = 0; i < 3; ++i) {
      if (spawn_login(kBin + "checkpw", env, request_of("locked", "wrong")).exit_code != 1)
        std::abort();
    }
    userdb_tool(db, "config lockout_failures 1000");
    if (spawn_login(kBin + "checkpw", env, request_of("locked", "locked-password")).exit_code !=
        1) {
      std::fputs("timing fixture: the locked account is not locked\n", stderr);
      std::abort();
    }
  }
  ~Fixture() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;
};

std::vector<Case> cases() {
  const std::string plain = kBin + "checkpw";
  const std::string cram = kBin + "cram-md5-checkpw";
  auto response = [](const char* pw) { return cram_md5_response(pw, kChallenge); };
  return {
      {"plain unknown", plain, request_of("nobody-here", "guess")},
      {"plain wrong", plain, request_of("cur", "guess")},
      {"plain locked", plain, request_of("locked", "locked-password")},
      {"plain lower-cost", plain, request_of("old", "guess")},
      {"cram unknown", cram, request_of("nobody-here", response("guess"), kChallenge)},
      {"cram wrong", cram, request_of("cur", response("guess"), kChallenge)},
      {"cram locked", cram, request_of("locked", response("locked-password"), kChallenge)},
      {"cram lower-cost", cram, request_of("old", response("guess"), kChallenge)},
  };
}

// Interleaved rounds; the median wall time of each case in ms, or empty on a wrong exit.
std::vector<double> measure(const Fixture& f, const std::vector<Case>& all, int rounds) {
  std::vector<std::vector<double>> ms(all.size());
  for (int r = 0; r < rounds; ++r) {
    for (std::size_t c = 0; c < all.size(); ++c) {
      const Spawned s = spawn_login(all[c].program, f.env, all[c].request);
      if (s.exit_code != 1) {
        std::fprintf(stderr, "timing: %s exited %d, not 1\n", all[c].name, s.exit_code);
        return {};
      }
      ms[c].push_back(static_cast<double>(s.wall_ns) / 1e6);
    }
  }
  std::vector<double> medians;
  for (auto& v : ms) medians.push_back(median(v));
  return medians;
}

// Slowest / fastest - 1 over the four cases from `first`.
double spread(const std::vector<double>& m, std::size_t first) {
  const auto [lo, hi] = std::minmax_element(m.begin() + static_cast<std::ptrdiff_t>(first),
                                            m.begin() + static_cast<std::ptrdiff_t>(first + 4));
  return *hi / *lo - 1;
}

void BM_EqualTimeRejections(benchmark::State& state) {
  const int rounds = env_int("CHECKPW_TIMING_RUNS", 50);
  const int raw_rounds = std::max(1, rounds / 5);
  const int delay = env_int("CHECKPW_TIMING_DELAY_MS", 1000);
  const Fixture f;
  const std::vector<Case> all = cases();
  std::vector<double> delayed, raw;
  for (auto _ : state) {
    userdb_tool(f.db, "config failure_delay_ms " + std::to_string(delay));
    delayed = measure(f, all, rounds);
    userdb_tool(f.db, "config failure_delay_ms 0");
    raw = measure(f, all, raw_rounds);
  }
  if (delayed.empty() || raw.empty()) {
    state.SkipWithError("a rejection did not exit 1");
    return;
  }
  std::fprintf(stderr,
               "\nrejections after a cost raise: median ms of %d rounds at %d ms, %d at 0\n",
               rounds, delay, raw_rounds);
  std::fprintf(stderr, "%-18s %10s %10s\n", "case", "delayed", "raw");
  for (std::size_t c = 0; c < all.size(); ++c) {
    std::fprintf(stderr, "%-18s %10.1f %10.1f\n", all[c].name, delayed[c], raw[c]);
    std::string key = all[c].name;
    std::replace(key.begin(), key.end(), ' ', '_');
    state.counters[key + "_ms"] = delayed[c];
    state.counters[key + "_raw_ms"] = raw[c];
  }
  state.counters["plain_spread"] = spread(delayed, 0);
  state.counters["cram_spread"] = spread(delayed, 4);
  state.counters["plain_raw_spread"] = spread(raw, 0);
  state.counters["cram_raw_spread"] = spread(raw, 4);
  std::fprintf(stderr,
               "spread, slowest/fastest - 1: plain %.2f%%, cram %.2f%% (raw %.0f%%, %.0f%%)\n",
               100 * spread(delayed, 0), 100 * spread(delayed, 4), 100 * spread(raw, 0),
               100 * spread(raw, 4));
}

BENCHMARK(BM_EqualTimeRejections)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace checkpw::bench
