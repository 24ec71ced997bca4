// Passwords typed at a terminal: asked twice for add and passwd, once for verify, with
// echo off. The tool runs on a pseudo-terminal that is its controlling terminal; on an
// SQLite file and on PostgreSQL.
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "auth/password.h"
#include "userdb-tool/fixture.h"

namespace checkpw::test {
namespace {

class Terminal {
 public:
  explicit Terminal(const std::vector<std::string>& argv) {
    master_ = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master_ < 0 || grantpt(master_) != 0 || unlockpt(master_) != 0) {
      throw std::runtime_error("no pseudo-terminal");
    }
    const std::string slave = ptsname(master_);
    std::vector<std::string> args(argv);
    std::vector<char*> cargv;
    for (auto& a : args) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
      setsid();
      const int fd = open(slave.c_str(), O_RDWR);
      if (fd < 0 || ioctl(fd, TIOCSCTTY, 0) != 0) _exit(126);
      // Standard input is not the terminal: the tool must open /dev/tty itself.
      const int null = open("/dev/null", O_RDONLY);
      dup2(null, 0);
      dup2(fd, 1);
      dup2(fd, 2);
      execv(cargv[0], cargv.data());
      _exit(127);
    }
  }
  ~Terminal() {
    if (pid_ > 0) wait_exit();
    if (master_ >= 0) close(master_);
  }

  // Reads until `text` has appeared (or the program ended, or 10 s passed).
  bool wait_for(std::string_view text) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (seen_.find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline || !read_some(100)) return false;
    }
    return true;
  }
  void type(std::string_view s) {
    if (write(master_, s.data(), s.size()) != static_cast<ssize_t>(s.size())) {
      throw std::runtime_error("write to terminal");
    }
  }
  int wait_exit() {
    while (read_some(100)) {
    }
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  const std::string& seen() const { return seen_; }
  // Linux shares the line settings between the two ends of a pseudo-terminal.
  bool echo_on() const {
    termios t{};
    return tcgetattr(master_, &t) == 0 && (t.c_lflag & ECHO) != 0;
  }

 private:
  // False at end of output (EIO once the program closed the terminal).
  bool read_some(int timeout_ms) {
    pollfd p{master_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return true;
    char buf[512];
    const ssize_t n = read(master_, buf, sizeof buf);
    if (n <= 0) return false;
    seen_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  int master_ = -1;
  pid_t pid_ = -1;
  std::string seen_;
};

class PromptTest : public StoreToolTest {
 protected:
  void SetUp() override { init_fast(); }
  std::vector<std::string> cmd(std::vector<std::string> args) {
    args.insert(args.begin(), {kTool, "--db", db});
    return args;
  }
};

INSTANTIATE_TEST_SUITE_P(Stores, PromptTest, all_stores(), store_test_name);

TEST_P(PromptTest, AddAsksTwiceWithoutEcho) {
  Terminal t(cmd({"add", "alice"}));
  ASSERT_TRUE(t.wait_for("Password for alice: ")) << t.seen();
  t.type("Typed-Secret-1\n");
  ASSERT_TRUE(t.wait_for("Retype password: ")) << t.seen();
  t.type("Typed-Secret-1\n");
  EXPECT_EQ(t.wait_exit(), 0) << t.seen();
  EXPECT_EQ(t.seen().find("Typed-Secret"), std::string::npos) << t.seen();
  EXPECT_EQ(password_verify(find("alice")->hash, bytes_of("Typed-Secret-1")),
            PasswordCheck::kMatch);
}

TEST_P(PromptTest, DifferentRetypeIsRefused) {
  const std::string before = store.dump();
  Terminal t(cmd({"add", "bob"}));
  ASSERT_TRUE(t.wait_for("Password for bob: ")) << t.seen();
  t.type("one\n");
  ASSERT_TRUE(t.wait_for("Retype password: ")) << t.seen();
  t.type("two\n");
  EXPECT_EQ(t.wait_exit(), 2);
  EXPECT_NE(t.seen().find("the two passwords differ"), std::string::npos) << t.seen();
  EXPECT_EQ(store.dump(), before);
}

TEST_P(PromptTest, EchoIsOffWhileAskingAndRestoredAfterwards) {
  add("carol", "pw");
  Terminal t(cmd({"passwd", "carol"}));
  ASSERT_TRUE(t.echo_on());
  ASSERT_TRUE(t.wait_for("Password for carol: ")) << t.seen();
  EXPECT_FALSE(t.echo_on());
  t.type("new-pw\n");
  ASSERT_TRUE(t.wait_for("Retype password: ")) << t.seen();
  t.type("new-pw\n");
  EXPECT_EQ(t.wait_exit(), 0) << t.seen();
  EXPECT_TRUE(t.echo_on());
  EXPECT_EQ(password_verify(find("carol")->hash, bytes_of("new-pw")), PasswordCheck::kMatch);
}

TEST_P(PromptTest, VerifyAsksOnce) {
  add("dave", "right");
  Terminal t(cmd({"verify", "dave"}));
  ASSERT_TRUE(t.wait_for("Password for dave: ")) << t.seen();
  t.type("right\n");
  EXPECT_EQ(t.wait_exit(), 0) << t.seen();
  EXPECT_EQ(t.seen().find("Retype"), std::string::npos);
  EXPECT_NE(t.seen().find("password correct"), std::string::npos) << t.seen();
}

}  // namespace
}  // namespace checkpw::test
