#include "support/syslog_sink.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace checkpw::test {

SyslogSink::SyslogSink() {
  const std::string dev = dir_.file("dev");
  if (mkdir(dev.c_str(), 0755) != 0) throw std::runtime_error("mkdir dev");
  for (const char* node : {"null", "zero", "urandom", "random"}) {
    write_file(dev + "/" + node, "");
  }
  fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) throw std::runtime_error("socket");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string path = dev + "/log";
  if (path.size() >= sizeof addr.sun_path) throw std::runtime_error("socket path too long");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("bind " + path);
  }
  chmod(path.c_str(), 0666);
  chmod(dir_.path().c_str(), 0755);
}

SyslogSink::~SyslogSink() {
  if (fd_ >= 0) close(fd_);
}

std::vector<std::string> SyslogSink::wrap(const std::vector<std::string>& argv) const {
  const std::string dev = dir_.file("dev");
  std::string script;
  for (const char* node : {"null", "zero", "urandom", "random"}) {
    script += "mount --bind /dev/" + std::string(node) + " " + dev + "/" + node + " && ";
  }
  script += "mount --bind " + dev + " /dev && exec \"$@\"";
  std::vector<std::string> out = {"/usr/bin/unshare", "-m", "/bin/sh", "-c", script, "sh"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

std::vector<std::string> SyslogSink::messages() {
  std::vector<std::string> out;
  char buf[4096];
  for (;;) {
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n < 0) break;
    out.emplace_back(buf, static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace checkpw::test
