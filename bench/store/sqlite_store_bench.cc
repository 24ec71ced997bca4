// BM_UserdbLookup/N: what a checkpassword program pays for the database per login (open
// read-only, look up one account, close) with N accounts; the target is the largest N
// within 1.2x of the smallest. BM_Argon2idVerify: one verify at the default settings,
// with the peak resident memory of a child process doing one verify as a counter.
// Fixture databases are built once (one transaction, prepared insert, one shared fake
// hash) in $CHECKPW_BENCH_DIR, else build/bench-data, and reused while their count fits.
#include <benchmark/benchmark.h>
#include <sodium.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>

#include "auth/password.h"
#include "store/sqlite_store.h"

namespace {

using namespace checkpw;

std::string name_of(std::int64_t i) {
  return "user" + std::to_string(i) + "@example.org";
}

std::string bench_dir() {
  const char* env = std::getenv("CHECKPW_BENCH_DIR");
  std::string dir = env != nullptr && *env != '\0' ? env : "build/bench-data";
  mkdir("build", 0755);
  mkdir(dir.c_str(), 0700);
  return dir;
}

void check(const Status& s, const char* what) {
  if (!s) throw std::runtime_error(std::string(what) + ": " + s.error().message);
}

// A database with exactly n accounts, built once.
std::string fixture(std::int64_t n) {
  const std::string path = bench_dir() + "/users-" + std::to_string(n) + ".db";
  if (auto ro = SqliteStore::open(path, SqliteStore::Mode::kDecide);
      ro && ro->count().ok() && ro->count().value() == n) {
    return path;
  }
  for (const char* suffix : {"", "-wal", "-shm"}) unlink((path + suffix).c_str());
  {
    auto u = SqliteStore::create(path, std::nullopt);
    if (!u) throw std::runtime_error("create: " + u.error().message);
  }
  auto db = SqliteDb::open(path, SQLITE_OPEN_READWRITE);
  if (!db) throw std::runtime_error("open: " + db.error().message);
  const unsigned char pw[] = {'p', 'w'};
  auto hash = password_hash(pw, PasswordCost{1, 8192});
  if (!hash) throw std::runtime_error("hash");
  check(db->exec("BEGIN"), "begin");
  auto st = SqliteStmt::prepare(
      *db,
      "INSERT INTO accounts (name, hash, cram_md5, enabled, uid, gid, home, created, changed) "
      "VALUES (?1, ?2, zeroblob(32), 1, 1000, 1000, ?3, 0, 0)");
  if (!st) throw std::runtime_error("prepare");
  for (std::int64_t i = 0; i < n; ++i) {
    st->reset();
    st->bind_text(1, name_of(i));
    st->bind_text(2, *hash);
    st->bind_text(3, "/home/" + std::to_string(i));
    if (!st->step()) throw std::runtime_error("insert");
  }
  check(db->exec("COMMIT"), "commit");
  check(db->exec("PRAGMA wal_checkpoint(TRUNCATE)"), "checkpoint");
  return path;
}

void BM_UserdbLookup(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  const std::string path = fixture(n);
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::int64_t> pick(0, n - 1);
  for (auto _ : state) {
    state.PauseTiming();
    const std::string name = name_of(pick(rng));
    state.ResumeTiming();
    auto u = SqliteStore::open(path, SqliteStore::Mode::kDecide);
    if (!u) {
      state.SkipWithError(u.error().message.c_str());
      break;
    }
    auto a = u->find(name);
    if (!a || !a->has_value()) {
      state.SkipWithError("lookup failed");
      break;
    }
    benchmark::DoNotOptimize(a->value().uid);
  }
}
BENCHMARK(BM_UserdbLookup)->Arg(1000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMicrosecond);

// Peak resident set of a fresh child that verifies once: Argon2id's memory plus the
// process itself.
double verify_peak_rss_mib(const std::string& hash) {
  const pid_t pid = fork();
  if (pid == 0) {
    const unsigned char pw[] = {'p', 'w'};
    _exit(password_verify(hash, pw) == PasswordCheck::kMatch ? 0 : 1);
  }
  int status = 0;
  rusage ru{};
  if (pid < 0 || wait4(pid, &status, 0, &ru) != pid || status != 0) return -1;
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

void BM_Argon2idVerify(benchmark::State& state) {
  const Settings defaults;
  const unsigned char pw[] = {'p', 'w'};
  auto hash = password_hash(pw, defaults.cost);
  if (!hash) {
    state.SkipWithError("hash failed");
    return;
  }
  for (auto _ : state) {
    if (password_verify(*hash, pw) != PasswordCheck::kMatch) {
      state.SkipWithError("verify failed");
      break;
    }
  }
  state.counters["opslimit"] = static_cast<double>(defaults.cost.opslimit);
  state.counters["memlimit_MiB"] = static_cast<double>(defaults.cost.memlimit) / (1 << 20);
  state.counters["child_peak_rss_MiB"] = verify_peak_rss_mib(*hash);
}
BENCHMARK(BM_Argon2idVerify)->Unit(benchmark::kMillisecond);

}  // namespace
