// Load, since a mail host logs in while its administrator writes: eight concurrent login streams of
// the real programs (right, wrong and unknown; plaintext and CRAM-MD5; both programs) while the
// real userdb-tool adds, changes, disables, re-enables and deletes accounts. Every login's exit
// code is checked against what the administrator's writes allow at the time it ran (an operation
// finished before a login started is in force; one still to start is not), every administrator
// command must succeed, and at the end every administrator write is found in the database.
// Its size: CHECKPW_STRESS_LOGINS logins per stream (default 25; the closing note of issue
// 11 reports a large run); the administrator makes max(8, logins / 3) rounds.
#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/db.h"
#include "support/json.h"
#include "support/request.h"
#include "support/runner.h"
#include "support/util.h"

namespace checkpw {
namespace {

using Clock = std::chrono::steady_clock;
using test::checkpassword_request;

// The tests' copies of the programs (Makefile: TEST_PROG_BINS).
const std::string kBin = std::string(CHECKPW_BUILD_DIR) + "/tests/bin/";
constexpr char kChallenge[] = "<4711.1234567890@mail.example.org>";
constexpr int kStable = 4;  // accounts nobody changes: stable0..3, password stable-pw-N

int stress_logins() {
  const char* v = std::getenv("CHECKPW_STRESS_LOGINS");
  const int n = v != nullptr ? std::atoi(v) : 0;
  return n > 0 ? n : 25;
}

// Independent of lib/core on purpose (OpenSSL's HMAC): the response a client sends.
std::string cram_response(const std::string& password) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_md5(), password.data(), static_cast<int>(password.size()),
       reinterpret_cast<const unsigned char*>(kChallenge), sizeof kChallenge - 1, d, &n);
  return test::to_hex(d, n);
}

std::string password_a(int i) {
  return "churn-a-" + std::to_string(i);
}
std::string password_b(int i) {
  return "churn-b-" + std::to_string(i);
}

// The administrator's script for churn<i>: add (password a), passwd (b), disable, enable,
// and for even i del. Each step's start and end, as the login streams see the clock.
enum Step { kAdd, kPasswd, kDisable, kEnable, kDel, kSteps };
struct Times {
  std::array<std::optional<Clock::time_point>, kSteps> start, done;
};

class Timeline {
 public:
  explicit Timeline(int rounds) : times_(static_cast<std::size_t>(rounds)) {}
  void mark(int i, Step s, bool done) {
    std::lock_guard lock(m_);
    auto& t = times_[static_cast<std::size_t>(i)];
    (done ? t.done : t.start)[s] = Clock::now();
  }
  Times get(int i) {
    std::lock_guard lock(m_);
    return times_[static_cast<std::size_t>(i)];
  }

 private:
  std::mutex m_;
  std::vector<Times> times_;
};

// The exit codes a login of churn<i> with `password` may have if it ran within [s, e]:
// {0}, {1} or {0, 1} while a write it overlaps may or may not be in force.
struct Allowed {
  bool accept = false, reject = false;
};
Allowed allowed(const Times& t, int i, const std::string& password, Clock::time_point s,
                Clock::time_point e) {
  auto before = [&](Step st) { return t.done[st] && *t.done[st] < s; };    // surely in force
  auto after = [&](Step st) { return !t.start[st] || *t.start[st] > e; };  // surely not yet
  // The states the account may have been in during the login, in the script's order:
  // 0 absent, 1 password a, 2 password b, 3 disabled, 4 enabled (b), 5 deleted.
  int lo = 0, hi = 0;
  for (int st = kAdd; st < kSteps; ++st) {
    if (st == kDel && i % 2 != 0) break;
    if (before(static_cast<Step>(st))) lo = st + 1;
    if (!after(static_cast<Step>(st))) hi = st + 1;
  }
  Allowed a;
  for (int state = lo; state <= hi; ++state) {
    const bool ok = (state == 1 && password == password_a(i)) ||
                    ((state == 2 || state == 4) && password == password_b(i));
    (ok ? a.accept : a.reject) = true;
  }
  return a;
}

struct Tally {
  std::atomic<int> logins{0}, wrong{0};
  std::mutex m;
  std::vector<std::string> failures;
  void bad(const std::string& what) {
    ++wrong;
    std::lock_guard lock(m);
    if (failures.size() < 20) failures.push_back(what);
  }
};

class Stress : public testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("users.db");
    std::vector<std::pair<std::string, std::string>> accounts;
    for (int i = 0; i < kStable; ++i) {
      accounts.emplace_back("stable" + std::to_string(i), "stable-pw-" + std::to_string(i));
    }
    test::make_test_database(db_, accounts);
  }

  test::RunResult login(const std::string& program, const std::string& request) {
    test::RunOptions o;
    o.argv = {kBin + program, "/bin/true"};
    o.fd3_data = request;
    o.env = {"CHECKPW_DB=" + db_, "PATH=/usr/bin:/bin"};
    o.timeout_seconds = 30;
    return test::run(o);
  }

  test::TempDir dir_;
  std::string db_;
};

TEST_F(Stress, EightLoginStreamsWhileTheAdministratorWrites) {
  const int logins = stress_logins();
  const int rounds = std::max(8, logins / 3);
  Timeline timeline(rounds);
  std::atomic<int> started_rounds{0};
  Tally tally;
  std::vector<std::string> admin_errors;

  // Streams 0-6: the stable accounts; each request has one right answer.
  struct Stream {
    const char* program;
    int expect;
    std::string (*request)(int k);
  };
  static const Stream kStreams[] = {
      {"checkpw", 0,
       [](int k) {
         const std::string n = std::to_string(k % kStable);
         return checkpassword_request("stable" + n, "stable-pw-" + n);
       }},
      {"checkpw", 1,
       [](int k) { return checkpassword_request("stable" + std::to_string(k % kStable), "nope"); }},
      {"checkpw", 1, [](int k) { return checkpassword_request("ghost" + std::to_string(k), "x"); }},
      {"cram-md5-checkpw", 0,
       [](int k) {
         const std::string n = std::to_string(k % kStable);
         return checkpassword_request("stable" + n, cram_response("stable-pw-" + n), kChallenge);
       }},
      {"cram-md5-checkpw", 1,
       [](int k) {
         return checkpassword_request("stable" + std::to_string(k % kStable), cram_response("nope"),
                                      kChallenge);
       }},
      {"cram-md5-checkpw", 0,
       [](int k) {
         const std::string n = std::to_string(k % kStable);
         return checkpassword_request("stable" + n, "stable-pw-" + n);
       }},
      {"cram-md5-checkpw", 1,
       [](int k) {
         return checkpassword_request("ghost" + std::to_string(k), cram_response("x"), kChallenge);
       }},
  };
  std::vector<std::thread> threads;
  for (const Stream& s : kStreams) {
    threads.emplace_back([&, s] {
      for (int k = 0; k < logins; ++k) {
        const test::RunResult r = login(s.program, s.request(k));
        ++tally.logins;
        if (r.exit_code != s.expect) {
          tally.bad(std::string(s.program) + " request " + std::to_string(k) + ": exit " +
                    std::to_string(r.exit_code) + ", expected " + std::to_string(s.expect) + ": " +
                    r.err);
        }
      }
    });
  }
  // Stream 7: the accounts the administrator is changing, with any of their passwords or one
  // never set, through both programs and both mechanisms.
  threads.emplace_back([&] {
    std::mt19937 rng(7);
    for (int k = 0; k < logins; ++k) {
      const int i =
          static_cast<int>(rng() % static_cast<unsigned>(started_rounds.load() + 1)) % rounds;
      const std::string user = "churn" + std::to_string(i);
      const std::string passwords[] = {password_a(i), password_b(i), "never-set"};
      const std::string& pw = passwords[rng() % 3];
      const bool cram = rng() % 2 == 0;
      const Clock::time_point s = Clock::now();
      const test::RunResult r =
          cram
              ? login("cram-md5-checkpw",
                      checkpassword_request(user, cram_response(pw), kChallenge))
              : login(k % 4 == 1 ? "cram-md5-checkpw" : "checkpw", checkpassword_request(user, pw));
      const Clock::time_point e = Clock::now();
      ++tally.logins;
      const Allowed a = allowed(timeline.get(i), i, pw, s, e);
      if (!((r.exit_code == 0 && a.accept) || (r.exit_code == 1 && a.reject))) {
        tally.bad(user + " with " + pw + (cram ? " (CRAM-MD5)" : "") + ": exit " +
                  std::to_string(r.exit_code) + ": " + r.err);
      }
    }
  });
  // The administrator.
  std::thread admin([&] {
    auto step = [&](int i, Step st, std::vector<std::string> args, const std::string& in = "") {
      timeline.mark(i, st, false);
      const test::RunResult r = test::run_userdb_tool(db_, args, in);
      timeline.mark(i, st, true);
      if (r.exit_code != 0) {
        admin_errors.push_back(args[0] + " " + args[1] + ": exit " + std::to_string(r.exit_code) +
                               ": " + r.err);
      }
    };
    for (int i = 0; i < rounds; ++i) {
      const std::string user = "churn" + std::to_string(i);
      step(i, kAdd, {"add", user, "--password-stdin"}, password_a(i) + "\n");
      started_rounds = i + 1;
      step(i, kPasswd, {"passwd", user, "--password-stdin"}, password_b(i) + "\n");
      step(i, kDisable, {"disable", user});
      step(i, kEnable, {"enable", user});
      if (i % 2 == 0) step(i, kDel, {"del", user});
    }
  });
  admin.join();
  for (std::thread& t : threads) t.join();

  EXPECT_EQ(tally.logins.load(), 8 * logins);
  EXPECT_EQ(tally.wrong.load(), 0);
  for (const std::string& f : tally.failures) ADD_FAILURE() << f;
  EXPECT_TRUE(admin_errors.empty());
  for (const std::string& f : admin_errors) ADD_FAILURE() << f;

  // Nothing the administrator wrote was lost: odd rounds are there, enabled, with password b;
  // even rounds are gone; the stable accounts are untouched.
  const test::Json list = test::json_parse(test::run_userdb_tool(db_, {"list", "--json"}).out);
  EXPECT_EQ(list.array().size(), static_cast<std::size_t>(kStable + rounds / 2));
  for (int i = 0; i < rounds; ++i) {
    const std::string user = "churn" + std::to_string(i);
    const test::RunResult show = test::run_userdb_tool(db_, {"show", user, "--json"});
    if (i % 2 == 0) {
      EXPECT_EQ(show.exit_code, 1) << user << " was deleted";
      continue;
    }
    ASSERT_EQ(show.exit_code, 0) << user << ": " << show.err;
    EXPECT_TRUE(test::json_parse(show.out)["enabled"].boolean()) << user;
    EXPECT_EQ(login("checkpw", checkpassword_request(user, password_b(i))).exit_code, 0) << user;
    EXPECT_EQ(login("checkpw", checkpassword_request(user, password_a(i))).exit_code, 1) << user;
  }
  const test::RunResult check = test::run_userdb_tool(db_, {"check"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

}  // namespace
}  // namespace checkpw
