#include "support/runner.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace checkpw::test {
namespace {

void must(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("run: ") + what + ": " + std::strerror(errno));
}

void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// In the child: put `fd` at `target`, whatever number it has now.
void place(int fd, int target) {
  if (fd == target) {
    fcntl(fd, F_SETFD, 0);
  } else {
    dup2(fd, target);
  }
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> c;
  for (const auto& s : strings) c.push_back(const_cast<char*>(s.c_str()));
  c.push_back(nullptr);
  return c;
}

}  // namespace

std::vector<std::string> base_env() {
  return {"PATH=/usr/local/bin:/usr/bin:/bin"};
}

std::vector<std::string> inherited_env(const std::vector<std::string>& replace) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const std::string_view name = entry.substr(0, entry.find('=') + 1);  // with its '='
    const bool replaced = std::any_of(replace.begin(), replace.end(),
                                      [&](const std::string& r) { return r.rfind(name, 0) == 0; });
    if (!replaced) env.emplace_back(entry);
  }
  env.insert(env.end(), replace.begin(), replace.end());
  return env;
}

std::string find_executable(std::string_view name) {
  const char* env_path = std::getenv("PATH");
  std::string dirs = env_path != nullptr ? env_path : "/usr/bin:/bin";
  dirs += ":/usr/sbin:/sbin";
  std::istringstream in(dirs);
  std::string dir;
  while (std::getline(in, dir, ':')) {
    if (dir.empty()) continue;
    const std::string candidate = dir + "/" + std::string(name);
    struct stat st {};
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return {};
}

void become(const Credentials& as) {
  if (setgroups(0, nullptr) != 0 || setresgid(as.gid, as.gid, as.gid) != 0 ||
      setresuid(as.uid, as.uid, as.uid) != 0) {
    _exit(126);
  }
}

RunResult run(const RunOptions& o) {
  if (o.argv.empty()) throw std::invalid_argument("run: empty argv");
  // Everything the child needs is built before fork: after it, async-signal-safe calls only.
  const std::vector<char*> argv = c_strings(o.argv);
  const std::vector<char*> envp = c_strings(o.env);

  int in[2], out[2], err[2], fd3[2] = {-1, -1};
  must(pipe2(in, O_CLOEXEC) == 0, "pipe");
  must(pipe2(out, O_CLOEXEC) == 0, "pipe");
  must(pipe2(err, O_CLOEXEC) == 0, "pipe");
  if (o.fd3 == Fd3::kPipe) {
    must(pipe2(fd3, O_CLOEXEC) == 0, "pipe");
    fcntl(fd3[1], F_SETPIPE_SZ, 1 << 16);
    // The request is small: it fits in the pipe before the child starts.
    const ssize_t w = write(fd3[1], o.fd3_data.data(), o.fd3_data.size());
    must(w == static_cast<ssize_t>(o.fd3_data.size()), "write fd3");
    close_fd(fd3[1]);
  } else if (o.fd3 == Fd3::kWriteOnly) {
    must(pipe2(fd3, O_CLOEXEC) == 0, "pipe");
  }
  // A child that exits before reading all its input must not kill the test with SIGPIPE.
  signal(SIGPIPE, SIG_IGN);

  const pid_t pid = fork();
  must(pid >= 0, "fork");
  if (pid == 0) {
    signal(SIGPIPE, SIG_DFL);  // what a server would hand the program, whatever ran before
    if (o.new_session) setsid();
    place(in[0], 0);
    place(out[1], 1);
    place(err[1], 2);
    if (o.fd3 == Fd3::kPipe) {
      place(fd3[0], 3);
    } else if (o.fd3 == Fd3::kWriteOnly) {
      place(fd3[1], 3);
    } else {
      close(3);
    }
    if (o.as) become(*o.as);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close_fd(in[0]);
  close_fd(out[1]);
  close_fd(err[1]);
  close_fd(fd3[0]);
  close_fd(fd3[1]);
  if (o.stdin_data.empty()) {
    close_fd(in[1]);
  } else {
    fcntl(in[1], F_SETFL, O_NONBLOCK);
  }

  RunResult r;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeout_seconds);
  std::size_t written = 0;
  int poll_errno = 0;
  char buf[4096];
  while (out[0] >= 0 || err[0] >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      r.timed_out = true;
      // A new session is its own process group: take the child's children with it (a
      // server under test may be waiting on a program it started). Before setsid the
      // group does not exist yet, and the child alone is killed.
      if (!o.new_session || kill(-pid, SIGKILL) != 0) kill(pid, SIGKILL);
      break;
    }
    // Negative descriptors (closed ones) are ignored by poll.
    pollfd fds[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {in[1], POLLOUT, 0}};
    if (poll(fds, 3, static_cast<int>(left)) < 0) {
      if (errno == EINTR) continue;
      poll_errno = errno;
      kill(pid, SIGKILL);
      break;
    }
    for (int i = 0; i < 2; ++i) {
      int& fd = i == 0 ? out[0] : err[0];
      if (fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = read(fd, buf, sizeof buf);
      if (n > 0) {
        (i == 0 ? r.out : r.err).append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close_fd(fd);
      }
    }
    if (in[1] >= 0 && fds[2].revents != 0) {
      const ssize_t n = write(in[1], o.stdin_data.data() + written, o.stdin_data.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == o.stdin_data.size()) {
        close_fd(in[1]);
      }
    }
  }
  close_fd(in[1]);
  close_fd(out[0]);
  close_fd(err[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  errno = poll_errno;
  must(poll_errno == 0, "poll");
  if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.exit_code = 128 + WTERMSIG(status);
  }
  return r;
}

}  // namespace checkpw::test
