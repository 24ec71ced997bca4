// The checkpassword request (doc/design.md section 2): read fd 3 to end of file, at most
// 512 bytes, into a wiped buffer, then split `user\0secret\0third\0` by walking NUL
// terminators only. The fields are views into the buffer: they never outlive it and
// never become std::string. Also tells the CRAM-MD5 field orders apart by shape.
#pragma once

#include <cstddef>
#include <span>

#include "base/secret_buffer.h"
#include "base/verdict.h"

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
[[nodiscard]] Verdict request_read(int fd, Request& req) noexcept;

// Splits req.buffer into the fields. kMisuse when the user or secret field is not
// NUL-terminated; kAccept otherwise (emptiness is the caller's judgement).
[[nodiscard]] Verdict request_parse(Request& req) noexcept;

enum class Mechanism { kPlain, kCramMd5 };

// What the secret and third fields hold (doc/design.md section 4).
struct CramFields {
  Mechanism mechanism = Mechanism::kPlain;
  std::span<const unsigned char> password;   // kPlain, and kCramMd5 when also_plain
  std::span<const unsigned char> challenge;  // kCramMd5
  std::span<const unsigned char> response;   // kCramMd5
  // The response sits where a password would (user\0<32 hex>\0third): it may be a
  // plaintext password of 32 hex digits under qmail-popup, to try when CRAM-MD5 fails.
  bool also_plain = false;
};

// Exactly 32 hex digits, either case.
bool looks_like_cram_response(std::span<const unsigned char> field) noexcept;

// checkpw: the secret is a plaintext password.
CramFields plain_fields(std::span<const unsigned char> secret) noexcept;
// cram-md5-checkpw: plaintext when the third field is empty; CRAM-MD5 in either field
// order, told apart by the response's shape (the first order when both fit); plaintext
// when neither field is a response (a POP3 timestamp).
CramFields classify_cram_fields(std::span<const unsigned char> secret,
                                std::span<const unsigned char> third) noexcept;

}  // namespace checkpw
