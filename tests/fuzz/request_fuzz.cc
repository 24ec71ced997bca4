// libFuzzer target (make fuzz): whatever arrives on fd 3, the parser and the CRAM-MD5
// field classifier stay inside the buffer, and a field is a CRAM-MD5 response only when
// it is exactly 32 hex digits.
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "auth/request.h"

namespace {

bool inside(const checkpw::Request& req, std::span<const unsigned char> f) {
  const unsigned char* b = req.buffer.data();
  return f.empty() || (f.data() >= b && f.data() + f.size() <= b + req.buffer.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  int p[2];
  if (pipe(p) != 0) return 0;
  const std::size_t n = size < 4096 ? size : 4096;  // a pipe holds this much unread
  if (write(p[1], data, n) != static_cast<ssize_t>(n)) std::abort();
  close(p[1]);
  checkpw::Request req;
  const checkpw::Verdict v = checkpw::request_read(p[0], req);
  if ((n > checkpw::kRequestMax) != (v == checkpw::Verdict::kReject)) std::abort();
  if (v != checkpw::Verdict::kAccept) return 0;
  if (checkpw::request_parse(req) != checkpw::Verdict::kAccept) {
    if (std::memchr(data, 0, n) != nullptr &&
        std::memchr(static_cast<const unsigned char*>(std::memchr(data, 0, n)) + 1, 0,
                    n - (static_cast<const unsigned char*>(std::memchr(data, 0, n)) - data) - 1) !=
            nullptr) {
      std::abort();  // two NULs make a valid request
    }
    return 0;
  }
  if (!inside(req, req.user) || !inside(req, req.secret) || !inside(req, req.third)) std::abort();
  const checkpw::CramFields f = checkpw::classify_cram_fields(req.secret, req.third);
  if (f.mechanism == checkpw::Mechanism::kCramMd5) {
    if (!checkpw::looks_like_cram_response(f.response) || !inside(req, f.challenge)) std::abort();
  } else if (!inside(req, f.password)) {
    std::abort();
  }
  return 0;
}
