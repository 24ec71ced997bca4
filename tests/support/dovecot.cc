#include "support/dovecot.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <thread>

#include "support/runner.h"

namespace checkpw::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Where Debian's dovecot-core puts the helper Dovecot appends to the passdb args
// (DOVECOT_REPLY in config.mk).
constexpr const char* kCheckpasswordReply = "/usr/lib/dovecot/checkpassword-reply";
constexpr auto kStartTimeout = std::chrono::seconds(10);
constexpr auto kStopTimeout = std::chrono::seconds(10);
// Longest socket name Dovecot 2.3 creates under base_dir ("replication-notify-fifo",
// "token-login/tokenlogin"), with room to spare; sun_path holds 108 bytes.
constexpr std::size_t kMaxBaseDirLength = 108 - 32;

// Binds 127.0.0.1:0 twice at once, so the kernel hands out two distinct free ports. They
// are released before Dovecot binds them; start() retries if another process wins the race.
bool free_ports(int& a, int& b) {
  int fds[2] = {-1, -1};
  int ports[2] = {0, 0};
  bool ok = true;
  for (int i = 0; i < 2 && ok; ++i) {
    fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    ok = fds[i] >= 0 && bind(fds[i], reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
         getsockname(fds[i], reinterpret_cast<sockaddr*>(&addr), &len) == 0;
    if (ok) ports[i] = ntohs(addr.sin_port);
  }
  for (int fd : fds) {
    if (fd >= 0) close(fd);
  }
  a = ports[0];
  b = ports[1];
  return ok;
}

bool port_accepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

pid_t read_pid_file(const std::string& path) {
  const std::string text = read_file(path);
  if (text.empty()) return -1;
  try {
    const long pid = std::stol(text);
    return pid > 1 ? static_cast<pid_t>(pid) : -1;
  } catch (const std::exception&) {
    return -1;
  }
}

// Waits up to `timeout` for our child `pid` to exit and reaps it.
bool wait_child(pid_t pid, Clock::duration timeout, int* status_out = nullptr) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) {
      if (status_out != nullptr) *status_out = status;
      return true;
    }
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "stopped";
}

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

}  // namespace

CurlResult curl_login(std::string_view proto, int port, std::string_view user,
                      std::string_view password, std::string_view mech) {
  CurlResult result;
  const std::string curl = find_executable("curl");
  if (curl.empty()) {
    result.transcript = "curl not found in PATH: run `make deps` (installs curl)";
    return result;
  }
  const std::string url = std::string(proto) + "://127.0.0.1:" + std::to_string(port) + "/";
  // -q first: ignore any ~/.curlrc. --noproxy: a CI proxy variable must not reroute us.
  const RunResult r =
      run({.argv = {curl, "-q", "-s", "-S", "-v", "--noproxy", "*", "--connect-timeout", "5",
                    "--max-time", "10", "--login-options", "AUTH=" + std::string(mech), "-u",
                    std::string(user) + ":" + std::string(password), url},
           .fd3 = Fd3::kClosed,
           .env = inherited_env(),
           .timeout_seconds = 15});
  result.exit_code = r.timed_out ? 28 : r.exit_code;
  result.output = r.out;
  result.transcript = r.err;
  return result;
}

DovecotInstance::DovecotInstance(const TempDir& dir, DovecotOptions options)
    : dir_(dir),
      options_(std::move(options)),
      config_path_(dir.file("dovecot.conf")),
      log_path_(dir.file("dovecot.log")),
      output_path_(dir.file("dovecot.out")),
      base_dir_(dir.file("run")),
      mail_dir_(dir.file("mail")) {
  if (const passwd* pw = getpwnam("nobody")) {
    mail_uid_ = pw->pw_uid;
    mail_gid_ = pw->pw_gid;
  }
}

DovecotInstance::~DovecotInstance() {
  if (testing::Test::HasFailure()) {
    std::printf("=== Dovecot diagnostics (%s) ===\n%s=== end of Dovecot diagnostics ===\n",
                dir_.path().c_str(), diagnostics().c_str());
    std::fflush(stdout);
  }
  if (running()) {
    const testing::AssertionResult stopped = stop();
    if (!stopped) ADD_FAILURE() << stopped.message();
  }
}

std::string DovecotInstance::render_config() const {
  const std::string& d = dir_.path();
  std::string env = "TZ";
  for (const std::string& e : options_.environment) env += " " + e;
  std::ostringstream c;
  c << "# Written by tests/support/dovecot.cc for one test: a private Dovecot whose sockets,\n"
       "# state, logs and mail live in "
    << d
    << ".\n"
       "# Nothing is read from /etc/dovecot. Only 127.0.0.1 is used.\n"
       "base_dir = "
    << base_dir_ << "\nstate_dir = " << d << "/state\n"
    << "log_path = " << log_path_ << "\ninfo_log_path = " << log_path_
    << "\ndebug_log_path = " << log_path_ << "\n"
    << "listen = 127.0.0.1\n"
       "protocols = imap pop3\n"
       "ssl = no\n"
       "disable_plaintext_auth = no\n"
       "auth_mechanisms = plain login cram-md5\n"
       "# No penalty delays from Dovecot itself (a failed login still costs up to 0.5 s:\n"
       "# the auth process flushes failures on a 500 ms timer).\n"
       "auth_failure_delay = 0\n"
       "auth_verbose = yes\n"
       "auth_debug = yes\n"
       "# Dovecot clears the environment of its processes; these reach the program.\n"
       "import_environment = "
    << env << "\n"
    << "mail_location = maildir:" << mail_dir_ << "/%u\n"
    << "service anvil {\n"
       "  unix_listener anvil-auth-penalty {\n"
       "    mode = 0\n"
       "  }\n"
       "}\n";
  // The auth process's address-space limit (256M by default) is inherited by the
  // checkpassword program; the sanitizer build reserves far more than that.
  c << "service auth {\n  vsz_limit = 0\n";
  if (!options_.auth_user.empty()) c << "  user = " << options_.auth_user << "\n";
  c << "}\n";
  c << "service imap-login {\n"
       "  inet_listener imap {\n"
       "    address = 127.0.0.1\n"
       "    port = "
    << imap_port_
    << "\n"
       "  }\n"
       "  inet_listener imaps {\n"
       "    port = 0\n"
       "  }\n"
       "}\n"
       "service pop3-login {\n"
       "  inet_listener pop3 {\n"
       "    address = 127.0.0.1\n"
       "    port = "
    << pop3_port_
    << "\n"
       "  }\n"
       "  inet_listener pop3s {\n"
       "    port = 0\n"
       "  }\n"
       "}\n";
  if (!options_.auth_blocks.empty()) {
    c << options_.auth_blocks;
    return c.str();
  }
  c << "passdb {\n"
       "  driver = checkpassword\n"
       "  args = "
    << options_.program << "\n}\n";
  // Mail processes refuse uid 0 ("userdb returned 0 as uid"), and checkpassword-reply reports
  // the auth process's own uid when the program names none: run mail as nobody instead.
  const std::string override_fields = "  override_fields = uid=" + std::to_string(mail_uid_) +
                                      " gid=" + std::to_string(mail_gid_) + "\n";
  if (options_.userdb == DovecotUserdb::kPrefetch) {
    c << "userdb {\n  driver = prefetch\n" << override_fields << "}\n";
  }
  c << "userdb {\n  driver = checkpassword\n  args = " << options_.program << "\n"
    << override_fields << "}\n";
  return c.str();
}

testing::AssertionResult DovecotInstance::start() {
  if (running()) return testing::AssertionFailure() << "Dovecot is already running";
  const std::string dovecot = find_executable("dovecot");
  if (dovecot.empty()) {
    return testing::AssertionFailure()
           << "dovecot not found in PATH, /usr/sbin or /sbin: run `make deps` (installs "
              "dovecot-core dovecot-imapd dovecot-pop3d)";
  }
  if (find_executable("curl").empty()) {
    return testing::AssertionFailure() << "curl not found in PATH: run `make deps`";
  }
  if (!is_executable_file(kCheckpasswordReply)) {
    return testing::AssertionFailure()
           << kCheckpasswordReply << " is missing: run `make deps` (dovecot-core)";
  }
  const std::string program = options_.program.substr(0, options_.program.find(' '));
  if (options_.auth_blocks.empty() && !is_executable_file(program)) {
    return testing::AssertionFailure()
           << "passdb program " << program << " is not an executable file";
  }
  for (const std::string& e : options_.environment) {
    if (e.find_first_of(" \t\n") != std::string::npos || e.find('=') == std::string::npos) {
      return testing::AssertionFailure() << "import_environment entry must be NAME=VALUE "
                                            "without spaces: "
                                         << e;
    }
  }
  if (base_dir_.size() > kMaxBaseDirLength) {
    return testing::AssertionFailure() << "base_dir " << base_dir_
                                       << " is too long for Dovecot's unix sockets; set a "
                                          "shorter TMPDIR";
  }
  // Mail processes run as nobody and must reach mail_dir_; 0711 lets them through without
  // letting them list (or read the database in) the directory.
  if (chmod(dir_.path().c_str(), 0711) != 0 ||
      (mkdir(mail_dir_.c_str(), 0700) != 0 && errno != EEXIST) ||
      chown(mail_dir_.c_str(), mail_uid_, mail_gid_) != 0) {
    return testing::AssertionFailure()
           << "unable to prepare " << mail_dir_ << ": " << std::strerror(errno);
  }
  // Orphaned Dovecot processes must become ours to reap, whatever PID 1 does (see reap_group).
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  testing::AssertionResult started = testing::AssertionFailure();
  for (int attempt = 0; attempt < 3; ++attempt) {
    started = start_once();
    if (started) return started;
    if (running()) (void)stop();
    // Another process may have taken a port between our probe and Dovecot's bind.
    if (log().find("Address already in use") == std::string::npos) break;
  }
  return started << "\n" << diagnostics();
}

testing::AssertionResult DovecotInstance::start_once() {
  if (!free_ports(imap_port_, pop3_port_)) {
    return testing::AssertionFailure() << "unable to find free ports on 127.0.0.1";
  }
  write_file(config_path_, render_config());
  write_file(log_path_, "");
  unlink((base_dir_ + "/master.pid").c_str());

  const std::string dovecot = find_executable("dovecot");
  std::vector<std::string> argv = {dovecot, "-F", "-c", config_path_};
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const int out_fd = open(output_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out_fd < 0) return testing::AssertionFailure() << "unable to create " << output_path_;
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    // Own process group, so stop() can sweep up every Dovecot process; and SIGTERM when
    // the test binary dies, so a crashed test leaves no Dovecot behind.
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(111);
    const int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0) {
      _exit(111);
    }
    execv(args[0], args.data());
    _exit(127);
  }
  close(out_fd);
  if (pid < 0) return testing::AssertionFailure() << "fork failed: " << std::strerror(errno);
  setpgid(pid, pid);  // also here: whichever runs first wins, the result is the same
  child_ = pid;

  const std::string pid_file = base_dir_ + "/master.pid";
  const auto deadline = Clock::now() + kStartTimeout;
  while (Clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      reap_group();
      child_ = -1;
      return testing::AssertionFailure()
             << "dovecot " << describe_status(status) << " while starting";
    }
    if (read_pid_file(pid_file) > 0 && port_accepts(imap_port_) && port_accepts(pop3_port_)) {
      master_pid_ = read_pid_file(pid_file);
      if (master_pid_ != pid) {
        return testing::AssertionFailure()
               << "master.pid holds " << master_pid_ << ", but dovecot -F runs as " << pid;
      }
      return testing::AssertionSuccess();
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  const testing::AssertionResult stopped = stop();
  return testing::AssertionFailure()
         << "Dovecot did not accept connections on ports " << imap_port_ << " and " << pop3_port_
         << " within " << kStartTimeout.count() << " s" << (stopped ? "" : "; ")
         << (stopped ? "" : stopped.message());
}

testing::AssertionResult DovecotInstance::stop() {
  if (!running()) return testing::AssertionSuccess();
  testing::AssertionResult result = testing::AssertionSuccess();
  const pid_t pid = read_pid_file(base_dir_ + "/master.pid");
  if (pid != child_) {
    result = testing::AssertionFailure()
             << "master.pid holds " << pid << " instead of the master " << child_ << "; ";
  }
  // Dovecot's own pid file names the process to stop; our child is the same process.
  kill(pid > 0 ? pid : child_, SIGTERM);
  int status = 0;
  if (!wait_child(child_, kStopTimeout, &status)) {
    kill(child_, SIGKILL);
    wait_child(child_, std::chrono::seconds(5), &status);
    result = testing::AssertionFailure()
             << "Dovecot ignored SIGTERM for " << kStopTimeout.count() << " s and was killed";
  }
  reap_group();
  child_ = -1;
  return result;
}

// Dovecot's master stops its children on SIGTERM, but they may outlive it by a moment.
// The test process is a child subreaper (see start()), so those orphans become our
// children: reap the whole process group, and SIGKILL whatever is still alive after 2 s.
void DovecotInstance::reap_group() {
  if (child_ <= 0) return;
  auto deadline = Clock::now() + std::chrono::seconds(2);
  bool killed = false;
  for (;;) {
    int status = 0;
    while (waitpid(-child_, &status, WNOHANG) > 0) {
    }
    if (kill(-child_, 0) != 0) return;  // ESRCH: the group is empty
    if (Clock::now() >= deadline) {
      if (killed) return;  // nothing more we can do; never hang a test run
      kill(-child_, SIGKILL);
      killed = true;
      deadline = Clock::now() + std::chrono::seconds(2);
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
}

CurlResult DovecotInstance::login(std::string_view proto, std::string_view user,
                                  std::string_view password, std::string_view mech) const {
  return curl_login(proto, port(proto), user, password, mech);
}

std::string DovecotInstance::log() const {
  return read_file(log_path_);
}

std::size_t DovecotInstance::log_count(std::string_view text) const {
  const std::string text_log = log();
  std::size_t n = 0;
  for (std::size_t at = text_log.find(text); at != std::string::npos;
       at = text_log.find(text, at + text.size())) {
    ++n;
  }
  return n;
}

testing::AssertionResult DovecotInstance::log_contains(std::string_view text,
                                                       std::size_t times) const {
  const auto deadline = Clock::now() + std::chrono::seconds(3);
  std::size_t n = log_count(text);
  while (n < times && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
    n = log_count(text);
  }
  if (n >= times) return testing::AssertionSuccess();
  return testing::AssertionFailure() << "the Dovecot log holds \"" << text << "\" " << n
                                     << " times, expected at least " << times;
}

std::string DovecotInstance::diagnostics() const {
  return "--- " + config_path_ + " ---\n" + read_file(config_path_) + "--- " + log_path_ +
         " ---\n" + log() + "--- " + output_path_ + " (dovecot's stdout and stderr) ---\n" +
         read_file(output_path_);
}

}  // namespace checkpw::test
