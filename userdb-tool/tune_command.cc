// tune: measures Argon2id on this machine and proposes the strongest cost that fits a time
// and a memory limit, since every plaintext login pays one such verify; with --apply it
// stores that cost. The memory
// limit is the whole process's: the default, 200,000,000 bytes, is the softlimit of the
// qmail run files (softlimit -m), and kProcessHeadroom of it is left to the program.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <optional>
#include <vector>

#include "auth/password.h"
#include "tool.h"

namespace checkpw::tool {
namespace {

constexpr long long kDefaultMaxMs = 100;
constexpr std::size_t kDefaultMaxMemory = 200000000;
constexpr std::size_t kProcessHeadroom = 16u << 20;  // the program beside Argon2id
constexpr std::size_t kMinMemlimit = 8u << 20;
constexpr std::size_t kMaxMemlimit = 1u << 30;   // argon2_memlimit's range
constexpr unsigned long long kMaxOpslimit = 64;  // argon2_opslimit's range

// Digits with an optional K, M or G (KiB, MiB, GiB); false when malformed or absurd.
bool parse_amount(const std::string& s, unsigned long long unit_k, unsigned long long& out) {
  unsigned long long mult = 1;
  std::string digits = s;
  if (!digits.empty() && unit_k != 0) {
    const char last = digits.back();
    mult = last == 'K' ? 1ull << 10 : last == 'M' ? 1ull << 20 : last == 'G' ? 1ull << 30 : 1;
    if (mult != 1) digits.pop_back();
  }
  unsigned long long n = 0;
  const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size()) return false;
  if (n > (1ull << 40) / mult) return false;
  out = n * mult;
  return true;
}

struct Sample {
  PasswordCost cost;
  long long ms;
  bool fits;
};

// Milliseconds for one hash at `cost` (what a verify costs too); -1 when it fails.
long long time_hash(const PasswordCost& cost) {
  static const unsigned char kProbe[] = "tune-probe-password";
  const auto t0 = std::chrono::steady_clock::now();
  Result<std::string> h = password_hash(kProbe, cost);
  const auto t1 = std::chrono::steady_clock::now();
  if (!h) return -1;
  return std::chrono::duration_cast<std::chrono::milliseconds>(t1 - t0).count();
}

std::string mib(std::size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0fM", static_cast<double>(bytes) / (1u << 20));
  return buf;
}

}  // namespace

Status cmd_tune(const Invocation& inv) {
  unsigned long long max_ms = kDefaultMaxMs, max_memory = kDefaultMaxMemory;
  if (const std::string* v = inv.last("--max-ms")) {
    if (!parse_amount(*v, 0, max_ms) || max_ms < 1 || max_ms > 60000) {
      return usage_error("--max-ms must be an integer from 1 to 60000");
    }
  }
  if (const std::string* v = inv.last("--max-memory")) {
    if (!parse_amount(*v, 1, max_memory) || max_memory < kMinMemlimit + kProcessHeadroom) {
      return usage_error("--max-memory must be at least 24M (bytes, or with K, M or G)");
    }
  }
  const std::size_t cap = std::min<std::size_t>(
      kMaxMemlimit, (static_cast<std::size_t>(max_memory) - kProcessHeadroom) & ~std::size_t{1023});
  // The most memory that fits, then the most passes at it (RFC 9106 section 4): memory is
  // what makes guessing expensive on dedicated hardware. One pass at 8M, 16M, 32M... and
  // the cap, until one is over the time; then, at the largest that fits, the most passes,
  // found by doubling and halving.
  const auto fits = [&](long long ms) { return ms >= 0 && ms <= static_cast<long long>(max_ms); };
  std::vector<std::size_t> memories;
  for (std::size_t m = kMinMemlimit; m < cap; m *= 2) memories.push_back(m);
  memories.push_back(cap);
  std::vector<Sample> table;
  std::optional<Sample> best;
  for (std::size_t m : memories) {
    const long long one = time_hash({1, m});
    if (one < 0) warn("Argon2id could not get " + mib(m) + " of memory here");
    table.push_back({{1, m}, one, fits(one)});
    if (!fits(one)) break;
  }
  for (const Sample& s : table) {
    if (s.fits) best = s;
  }
  if (best) {
    const std::size_t m = best->cost.memlimit;
    Sample good = *best, over{{0, m}, -1, false};
    for (unsigned long long t = 2; t <= kMaxOpslimit; t *= 2) {
      const long long ms = time_hash({t, m});
      if (!fits(ms)) {
        over = {{t, m}, ms, false};
        break;
      }
      good = {{t, m}, ms, true};
    }
    unsigned long long hi = over.cost.opslimit != 0 ? over.cost.opslimit : kMaxOpslimit + 1;
    while (hi - good.cost.opslimit > 1) {
      const unsigned long long t = good.cost.opslimit + (hi - good.cost.opslimit) / 2;
      const long long ms = time_hash({t, m});
      if (fits(ms)) {
        good = {{t, m}, ms, true};
      } else {
        over = {{t, m}, ms, false};
        hi = t;
      }
    }
    if (good.cost.opslimit > 1) table.push_back(good);
    if (over.cost.opslimit != 0) table.push_back(over);
    best = good;
  }
  out("Argon2id on this machine (one hash; a verify costs the same):\n");
  out("  memlimit   opslimit        ms\n");
  for (const Sample& s : table) {
    char line[96];
    std::snprintf(line, sizeof line, "  %8s %10llu %9lld%s\n", mib(s.cost.memlimit).c_str(),
                  s.cost.opslimit, s.ms, s.fits ? "" : "  over the limit");
    out(line);
  }
  if (!best) {
    return failure(Verdict::kReject, "tune",
                   "no cost fits " + std::to_string(max_ms) + " ms: even t=1 at 8M is slower");
  }
  out("proposed: argon2_opslimit=" + std::to_string(best->cost.opslimit) +
      " argon2_memlimit=" + std::to_string(best->cost.memlimit) + " (" + mib(best->cost.memlimit) +
      ", " + std::to_string(best->ms) + " ms; limits " + std::to_string(max_ms) + " ms, " +
      std::to_string(max_memory) + " bytes per process)\n");
  if (!inv.has("--apply")) {
    out("nothing changed; run with --apply to store it\n");
    return ok_status();
  }
  auto u = open_for_write(inv);
  if (!u) return u.error();
  for (const auto& [key, value] :
       {std::pair<const char*, std::string>{"argon2_opslimit", std::to_string(best->cost.opslimit)},
        {"argon2_memlimit", std::to_string(best->cost.memlimit)}}) {
    if (auto r = (*u)->set_setting(key, value); !r) return as(r.error(), std::string("set ") + key);
  }
  keep_wal_files(**u);
  out("stored; new and changed passwords get it, and each older hash is upgraded at its next "
      "successful plaintext login\n");
  return ok_status();
}

}  // namespace checkpw::tool
