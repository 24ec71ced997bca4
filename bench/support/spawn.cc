#include "support/spawn.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "core/cram_md5.h"
#include "core/hex.h"

namespace checkpw::bench {
namespace {

std::int64_t ns_of(const timeval& tv) {
  return static_cast<std::int64_t>(tv.tv_sec) * 1'000'000'000 +
         static_cast<std::int64_t>(tv.tv_usec) * 1000;
}

}  // namespace

Spawned spawn_login(const std::string& program, const std::vector<std::string>& env,
                    const std::string& request) {
  Spawned s;
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return s;
  // At most 512 bytes: the pipe holds them all, as a server's write does.
  const bool written =
      write(p[1], request.data(), request.size()) == static_cast<ssize_t>(request.size());
  close(p[1]);
  if (!written) {
    close(p[0]);
    return s;
  }
  std::vector<char*> envp;
  for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  char* argv[] = {const_cast<char*>(program.c_str()), const_cast<char*>("/bin/true"), nullptr};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[0], 3);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, program.c_str(), &fa, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&fa);
  close(p[0]);
  if (rc != 0) return s;
  int status = 0;
  rusage ru{};
  if (wait4(pid, &status, 0, &ru) != pid) return s;
  s.wall_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count();
  s.cpu_ns = ns_of(ru.ru_utime) + ns_of(ru.ru_stime);
  s.minor_faults = ru.ru_minflt;
  if (WIFEXITED(status)) s.exit_code = WEXITSTATUS(status);
  return s;
}

std::string request_of(const std::string& user, const std::string& secret,
                       const std::string& third) {
  std::string r = user;
  r += '\0';
  r += secret;
  r += '\0';
  r += third;
  r += '\0';
  return r;
}

std::string cram_md5_response(const std::string& password, const std::string& challenge) {
  std::array<unsigned char, kCramMd5SecretSize> secret{};
  cram_md5_secret(
      std::span(reinterpret_cast<const unsigned char*>(password.data()), password.size()), secret);
  std::array<unsigned char, kMd5DigestSize> digest{};
  cram_md5_digest(
      secret, std::span(reinterpret_cast<const unsigned char*>(challenge.data()), challenge.size()),
      digest);
  std::string hex(2 * digest.size(), '\0');
  hex_encode(std::span<char>(hex.data(), hex.size()), digest);
  return hex;
}

double median(std::vector<double>& v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void userdb_tool(const std::string& db, const std::string& args, const std::string& input) {
  const std::string command =
      std::string(CHECKPW_BUILD_DIR) + "/bin/userdb-tool --db '" + db + "' " + args + " >/dev/null";
  FILE* f = popen(command.c_str(), "w");
  bool ok = f != nullptr;
  if (ok) ok = std::fwrite(input.data(), 1, input.size(), f) == input.size();
  if (f != nullptr) ok = pclose(f) == 0 && ok;
  if (!ok) {
    std::fprintf(stderr, "bench fixture: userdb-tool %s failed\n", args.c_str());
    std::abort();
  }
}

}  // namespace checkpw::bench
