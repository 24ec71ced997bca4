// A syslog daemon stand-in for the tests: a Unix datagram socket that a program sees as
// /dev/log. The program runs in its own mount namespace (unshare -m, root only) where /dev
// is a directory of the test's holding the socket and bind mounts of the real /dev/null,
// /dev/zero, /dev/urandom and /dev/random, so syslog(3) in the real binary, unchanged,
// talks to us. The system's /dev is never touched.
#pragma once

#include <string>
#include <vector>

#include "support/util.h"

namespace checkpw::test {

class SyslogSink {
 public:
  SyslogSink();  // throws when the socket cannot be made
  ~SyslogSink();
  SyslogSink(const SyslogSink&) = delete;
  SyslogSink& operator=(const SyslogSink&) = delete;

  // argv run inside the namespace with the sink as /dev/log.
  std::vector<std::string> wrap(const std::vector<std::string>& argv) const;
  // Every datagram received so far, in order (each "<PRI>TIMESTAMP TAG[PID]: text").
  std::vector<std::string> messages();

 private:
  TempDir dir_;
  int fd_ = -1;
};

}  // namespace checkpw::test
