// The checkpassword request (DESIGN.md section 2): read fd 3 to end of file, at most
// 512 bytes, into a wiped buffer, then split `user\0secret\0third\0` by walking NUL
// terminators only. The fields are views into the buffer: they never outlive it and
// never become std::string. Also tells the CRAM-MD5 field orders apart by shape.
#pragma once

#include <cstddef>
#include <span>

#include "checkpw/secret_buffer.h"
#include "checkpw/verdict.h"
#include "checkpw/visibility.h"

namespace checkpw {

inline constexpr std::size_t kRequestMax = 512;

struct Request {
  SecretBuffer<kRequestMax + 1> buffer;  // one spare byte detects input over 512
  std::span<const unsigned char> user;
  std::span<const unsigned char> secret;
  std::span<const unsigned char> third;  // empty when missing
};

// Reads `fd` to end of file (retrying EINTR) and closes it. kMisuse when the
// descriptor is not open or not readable; kReject when more than 512 bytes arrive;
// kAccept when the bytes are in req.buffer.
[[nodiscard]] CHECKPW_API Verdict request_read(int fd, Request& req) noexcept;

// Splits req.buffer into the fields. kMisuse when the user or secret field is not
// NUL-terminated; kAccept otherwise (emptiness is the caller's judgement).
[[nodiscard]] CHECKPW_API Verdict request_parse(Request& req) noexcept;

enum class Mechanism { kPlain, kCramMd5 };

// What cram-md5-checkpw makes of the secret and third fields (DESIGN.md section 4).
struct CramFields {
  Mechanism mechanism = Mechanism::kPlain;
  std::span<const unsigned char> password;   // kPlain
  std::span<const unsigned char> challenge;  // kCramMd5
  std::span<const unsigned char> response;   // kCramMd5
};

// Exactly 32 hex digits, either case.
CHECKPW_API bool looks_like_cram_response(std::span<const unsigned char> field) noexcept;

CHECKPW_API CramFields classify_cram_fields(const Request& req) noexcept;

}  // namespace checkpw
