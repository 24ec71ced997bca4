// HMAC-MD5 (RFC 2104) and CRAM-MD5 (RFC 2195).
// The CRAM-MD5 secret is the HMAC-MD5 key state after the pads, in Dovecot's
// {CRAM-MD5} layout: the outer (opad) MD5 state A,B,C,D, then the inner (ipad) state,
// each word 32-bit little-endian; 32 bytes in all. It is password-equivalent for
// CRAM-MD5: keep it in wiped buffers and never log it.
// Verification compares in constant time (sodium_memcmp) and never branches on the
// response's contents.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "core/md5.h"

namespace checkpw {

inline constexpr std::size_t kCramMd5SecretSize = 32;
inline constexpr std::size_t kCramMd5ResponseSize = 32;  // hex digits

void hmac_md5(std::span<const unsigned char> key, std::span<const unsigned char> msg,
              std::span<unsigned char, kMd5DigestSize> digest) noexcept;

void cram_md5_secret(std::span<const unsigned char> password,
                     std::span<unsigned char, kCramMd5SecretSize> secret) noexcept;

// HMAC-MD5 of `msg` keyed by a stored secret (no password needed).
void cram_md5_digest(std::span<const unsigned char, kCramMd5SecretSize> secret,
                     std::span<const unsigned char> msg,
                     std::span<unsigned char, kMd5DigestSize> digest) noexcept;

// True when `response` is exactly the 32 hex digits (either case) of
// HMAC-MD5(challenge) under `secret`. Time depends only on the lengths.
[[nodiscard]] bool cram_md5_verify(std::span<const unsigned char, kCramMd5SecretSize> secret,
                                   std::span<const unsigned char> challenge,
                                   std::span<const unsigned char> response) noexcept;

}  // namespace checkpw
