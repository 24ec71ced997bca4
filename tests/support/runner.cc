#include "support/runner.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

namespace checkpw::test {
namespace {

void must(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
}

// In the child: put `fd` at `target`, whatever number it has now.
void place(int fd, int target) {
  if (fd == target) {
    fcntl(fd, F_SETFD, 0);
  } else {
    dup2(fd, target);
  }
}

}  // namespace

std::vector<std::string> base_env() {
  return {"PATH=/usr/local/bin:/usr/bin:/bin"};
}

RunResult run(const RunOptions& o) {
  int in_pipe[2], out_pipe[2], err_pipe[2], fd3_pipe[2] = {-1, -1};
  must(pipe2(in_pipe, O_CLOEXEC) == 0, "pipe");
  must(pipe2(out_pipe, O_CLOEXEC) == 0, "pipe");
  must(pipe2(err_pipe, O_CLOEXEC) == 0, "pipe");
  if (o.fd3 == Fd3::kPipe) {
    must(pipe2(fd3_pipe, O_CLOEXEC) == 0, "pipe");
    fcntl(fd3_pipe[1], F_SETPIPE_SZ, 1 << 16);
    // The request is small: it fits in the pipe before the child starts.
    const ssize_t w = write(fd3_pipe[1], o.fd3_data.data(), o.fd3_data.size());
    must(w == static_cast<ssize_t>(o.fd3_data.size()), "write fd3");
    close(fd3_pipe[1]);
    fd3_pipe[1] = -1;
  } else if (o.fd3 == Fd3::kWriteOnly) {
    must(pipe2(fd3_pipe, O_CLOEXEC) == 0, "pipe");
  }

  std::vector<char*> argv, envp;
  for (const auto& a : o.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : o.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  const pid_t pid = fork();
  must(pid >= 0, "fork");
  if (pid == 0) {
    place(in_pipe[0], 0);
    place(out_pipe[1], 1);
    place(err_pipe[1], 2);
    if (o.fd3 == Fd3::kPipe) {
      place(fd3_pipe[0], 3);
    } else if (o.fd3 == Fd3::kWriteOnly) {
      place(fd3_pipe[1], 3);
    } else {
      close(3);
    }
    if (o.gid) {
      const gid_t g = *o.gid;
      if (setgroups(1, &g) != 0 || setgid(g) != 0) _exit(126);
    }
    if (o.uid && setuid(*o.uid) != 0) _exit(126);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (fd3_pipe[0] >= 0) close(fd3_pipe[0]);
  if (fd3_pipe[1] >= 0) close(fd3_pipe[1]);

  RunResult r;
  if (!o.stdin_data.empty()) {
    signal(SIGPIPE, SIG_IGN);
    ssize_t ignored = write(in_pipe[1], o.stdin_data.data(), o.stdin_data.size());
    (void)ignored;
  }
  close(in_pipe[1]);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeout_seconds);
  struct pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  bool killed = false;
  while (open_fds > 0) {
    if (std::chrono::steady_clock::now() > deadline && !killed) {
      kill(pid, SIGKILL);
      killed = true;
    }
    if (poll(fds, 2, 200) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        (i == 0 ? r.out : r.err).append(buf, static_cast<std::size_t>(n));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace checkpw::test
