// The shipped fail2ban filter (contrib/fail2ban/filter.d/checkpw.conf) run by Debian's
// own fail2ban-regex on lines the real programs wrote, in the two places they land: a
// multilog "current" file (tai64n stamps, as qmail's run files log) and syslog. Every
// rejection and lock matches with the remote address; no acceptance or temporary
// failure does.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>
#include <string>
#include <vector>

#include "support/db.h"
#include "support/request.h"
#include "support/runner.h"
#include "support/syslog_sink.h"
#include "support/util.h"

namespace checkpw {
namespace {

using test::checkpassword_request;

// The tests' copies of the programs (Makefile: TEST_PROG_BINS).
const std::string kBin = std::string(CHECKPW_BUILD_DIR) + "/tests/bin/";
const std::string kFilter =
    std::string(CHECKPW_SOURCE_DIR) + "/contrib/fail2ban/filter.d/checkpw.conf";
constexpr char kChallenge[] = "<1896.697170952@postoffice.reston.mci.net>";

struct Attempt {
  const char* prog;
  const char* ip;
  std::string request;
  std::vector<std::string> sub;
  bool banned;  // a rejection: the filter must match it
};

std::vector<Attempt> attempts(const std::string& dir) {
  const std::vector<std::string> ok = {"/bin/true"};
  return {
      {"checkpw", "192.0.2.1", checkpassword_request("alice", "wrong-pw"), ok, true},
      {"cram-md5-checkpw", "192.0.2.2",
       checkpassword_request("carol", "00000000000000000000000000000000", kChallenge), ok, true},
      {"checkpw", "192.0.2.3", checkpassword_request("nobody-here", "wrong-pw"), ok, true},
      // The second failure of bob locks him; then even his right password is a "locked" line.
      {"checkpw", "192.0.2.4", checkpassword_request("bob", "wrong-pw"), ok, true},
      {"checkpw", "192.0.2.4", checkpassword_request("bob", "wrong-pw"), ok, true},
      {"cram-md5-checkpw", "192.0.2.5", checkpassword_request("bob", "bob-pw"), ok, true},
      {"checkpw", "198.51.100.1", checkpassword_request("alice", "alice-pw"), ok, false},
      {"checkpw",
       "198.51.100.2",
       checkpassword_request("alice", "alice-pw"),
       {dir + "/no-such-program"},
       false},
  };
}

class Fail2ban : public testing::Test {
 protected:
  void SetUp() override {
    regex_ = test::find_executable("fail2ban-regex");
    ASSERT_FALSE(regex_.empty()) << "fail2ban is installed by make deps";
    db_ = dir_.file("users.db");
    test::make_test_database(db_, {{"alice", "alice-pw"}, {"bob", "bob-pw"}, {"carol", "carol-pw"}},
                             {{"lockout_failures", "2"}, {"log_failed_names", "yes"}});
    // fail2ban resolves the filter's "before = common.conf" beside it, as in
    // /etc/fail2ban/filter.d where an administrator installs it.
    const std::string conf = dir_.file("filter.d");
    ASSERT_EQ(mkdir(conf.c_str(), 0755), 0);
    test::write_file(conf + "/common.conf", test::read_file("/etc/fail2ban/filter.d/common.conf"));
    filter_ = conf + "/checkpw.conf";
    test::write_file(filter_, test::read_file(kFilter));
  }

  // Runs every attempt, each command wrapped by `wrap`; returns the stderr of all runs.
  std::string run_attempts(const test::SyslogSink* sink = nullptr) {
    std::string err;
    for (const Attempt& a : attempts(dir_.path())) {
      std::vector<std::string> argv = {kBin + a.prog};
      argv.insert(argv.end(), a.sub.begin(), a.sub.end());
      test::RunOptions o;
      o.argv = sink != nullptr ? sink->wrap(argv) : argv;
      o.fd3_data = a.request;
      o.env = {"CHECKPW_DB=" + db_, "PATH=/usr/bin:/bin", std::string("TCPREMOTEIP=") + a.ip};
      const test::RunResult r = test::run(o);
      test::expect_no_secrets(r.err, {"alice-pw", "bob-pw", "carol-pw", "wrong-pw"});
      err += r.err;
    }
    return err;
  }

  // The addresses fail2ban-regex finds in `log`, one per matched line.
  std::vector<std::string> matched_ips(const std::string& log) {
    const test::RunResult r = test::run({.argv = {regex_, "-o", "ip", log, filter_},
                                         .fd3 = test::Fd3::kClosed,
                                         .env = test::base_env()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> ips;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) ips.push_back(line);
    }
    return ips;
  }

  static std::vector<std::string> expected_ips() {
    std::vector<std::string> ips;
    for (const Attempt& a : attempts("")) {
      if (a.banned) ips.emplace_back(a.ip);
    }
    return ips;
  }

  test::TempDir dir_;
  std::string db_, regex_, filter_;
};

TEST_F(Fail2ban, MultilogCurrentFile) {
  const std::string err = run_attempts();
  ASSERT_NE(err.find("reason=locked"), std::string::npos) << err;
  ASSERT_NE(err.find("accept mech=plain remote=198.51.100.1"), std::string::npos) << err;
  ASSERT_NE(err.find("tempfail mech=plain remote=198.51.100.2"), std::string::npos) << err;
  const std::string multilog = test::find_executable("multilog");
  ASSERT_FALSE(multilog.empty()) << "daemontools is installed by make deps";
  const std::string logdir = dir_.file("log");
  const test::RunResult m = test::run({.argv = {multilog, "t", logdir},
                                       .fd3 = test::Fd3::kClosed,
                                       .env = test::base_env(),
                                       .stdin_data = err});
  ASSERT_EQ(m.exit_code, 0) << m.err;
  const std::string current = test::read_file(logdir + "/current");
  ASSERT_EQ(current.rfind("@4000", 0), 0u) << current;
  EXPECT_EQ(matched_ips(logdir + "/current"), expected_ips()) << current;
}

TEST_F(Fail2ban, Syslog) {
  if (geteuid() != 0) GTEST_SKIP() << "a private /dev/log needs a mount namespace (root)";
  ASSERT_EQ(test::run_userdb_tool(db_, {"config", "log_destination", "syslog"}).exit_code, 0);
  test::SyslogSink sink;
  run_attempts(&sink);
  // As rsyslog writes them to /var/log/auth.log: the priority gone, the host added.
  std::string file;
  for (const std::string& m : sink.messages()) {
    const auto close = m.find('>');
    ASSERT_NE(close, std::string::npos) << m;
    const std::string rest = m.substr(close + 1);  // "Mmm dd hh:mm:ss TAG[PID]: text"
    file += rest.substr(0, 15) + " mx1" + rest.substr(15) + "\n";
  }
  ASSERT_NE(file.find("checkpw["), std::string::npos) << file;
  const std::string log = dir_.file("auth.log");
  test::write_file(log, file);
  EXPECT_EQ(matched_ips(log), expected_ips()) << file;
}

}  // namespace
}  // namespace checkpw
