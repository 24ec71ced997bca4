// HMAC-MD5 per RFC 2104 section 2, with the pad states saved after one compression
// each: that pair is the CRAM-MD5 secret (Dovecot's {CRAM-MD5}, DESIGN.md section 4),
// so a verify costs the compressions over the challenge plus one for the outer hash.
#include "checkpw/cram_md5.h"

#include <sodium.h>

#include <array>
#include <bit>
#include <cstring>

#include "checkpw/hex.h"

namespace checkpw {
namespace {

struct PadStates {
  Md5State inner;
  Md5State outer;
  ~PadStates() { sodium_memzero(this, sizeof *this); }
};

void pad_states(std::span<const unsigned char> key, PadStates& st) noexcept {
  std::array<unsigned char, kMd5BlockSize> k{};
  if (key.size() > kMd5BlockSize) {
    md5(key, std::span<unsigned char, kMd5DigestSize>(k.data(), kMd5DigestSize));
  } else if (!key.empty()) {
    std::memcpy(k.data(), key.data(), key.size());
  }
  std::array<unsigned char, kMd5BlockSize> pad;
  for (std::size_t i = 0; i < kMd5BlockSize; ++i) pad[i] = static_cast<unsigned char>(k[i] ^ 0x36);
  st.inner = kMd5Init;
  md5_compress(st.inner, pad.data(), 1);
  for (std::size_t i = 0; i < kMd5BlockSize; ++i) pad[i] = static_cast<unsigned char>(k[i] ^ 0x5c);
  st.outer = kMd5Init;
  md5_compress(st.outer, pad.data(), 1);
  sodium_memzero(k.data(), k.size());
  sodium_memzero(pad.data(), pad.size());
}

void finish(const PadStates& st, std::span<const unsigned char> msg,
            std::span<unsigned char, kMd5DigestSize> digest) noexcept {
  std::array<unsigned char, kMd5DigestSize> inner_digest;
  {
    Md5 inner(st.inner, kMd5BlockSize);
    inner.update(msg);
    inner.final(inner_digest);
  }
  Md5 outer(st.outer, kMd5BlockSize);
  outer.update(inner_digest);
  outer.final(digest);
  sodium_memzero(inner_digest.data(), inner_digest.size());
}

// The secret's words are 32-bit little-endian whatever the host's order.
void store_state(unsigned char* p, const Md5State& s) noexcept {
  Md5State le = s;
  if constexpr (std::endian::native == std::endian::big) {
    for (auto& w : le) w = __builtin_bswap32(w);
  }
  std::memcpy(p, le.data(), sizeof le);
}

void load_state(Md5State& s, const unsigned char* p) noexcept {
  std::memcpy(s.data(), p, sizeof s);
  if constexpr (std::endian::native == std::endian::big) {
    for (auto& w : s) w = __builtin_bswap32(w);
  }
}

}  // namespace

void hmac_md5(std::span<const unsigned char> key, std::span<const unsigned char> msg,
              std::span<unsigned char, kMd5DigestSize> digest) noexcept {
  PadStates st;
  pad_states(key, st);
  finish(st, msg, digest);
}

void cram_md5_secret(std::span<const unsigned char> password,
                     std::span<unsigned char, kCramMd5SecretSize> secret) noexcept {
  PadStates st;
  pad_states(password, st);
  store_state(secret.data(), st.outer);
  store_state(secret.data() + 16, st.inner);
}

void cram_md5_digest(std::span<const unsigned char, kCramMd5SecretSize> secret,
                     std::span<const unsigned char> msg,
                     std::span<unsigned char, kMd5DigestSize> digest) noexcept {
  PadStates st;
  load_state(st.outer, secret.data());
  load_state(st.inner, secret.data() + 16);
  finish(st, msg, digest);
}

namespace {

// RFC 1321 section 3.1-3.2 padding for a message whose last `tail` bytes (< 56) are
// already in `block`, after `total` bytes in all.
void pad_block(unsigned char* block, std::size_t tail, std::uint64_t total) noexcept {
  block[tail] = 0x80;
  std::memset(block + tail + 1, 0, 56 - tail - 1);
  const std::uint64_t bits = total * 8;
  for (std::size_t i = 0; i < 8; ++i) block[56 + i] = static_cast<unsigned char>(bits >> (8 * i));
}

// Everything a short verify touches that depends on the secret, wiped in one call.
struct ShortVerify {
  unsigned char block[kMd5BlockSize];
  Md5State inner, outer;
  unsigned char expected[kMd5DigestSize];
  unsigned char given[kMd5DigestSize];
};

// The HMAC-MD5 of a challenge short enough (< 56 bytes, every real CRAM-MD5 challenge)
// that the inner and the outer hash each take one compression after the pads: the floor.
void cram_md5_digest_short(std::span<const unsigned char, kCramMd5SecretSize> secret,
                           std::span<const unsigned char> msg, ShortVerify& v) noexcept {
  load_state(v.outer, secret.data());
  load_state(v.inner, secret.data() + 16);
  if (!msg.empty()) std::memcpy(v.block, msg.data(), msg.size());
  pad_block(v.block, msg.size(), kMd5BlockSize + msg.size());
  md5_compress(v.inner, v.block, 1);
  store_state(v.block, v.inner);
  pad_block(v.block, kMd5DigestSize, kMd5BlockSize + kMd5DigestSize);
  md5_compress(v.outer, v.block, 1);
  store_state(v.expected, v.outer);
}

}  // namespace

bool cram_md5_verify(std::span<const unsigned char, kCramMd5SecretSize> secret,
                     std::span<const unsigned char> challenge,
                     std::span<const unsigned char> response) noexcept {
  if (response.size() != kCramMd5ResponseSize) return false;  // length is public
  ShortVerify v;
  if (challenge.size() < 56) {
    cram_md5_digest_short(secret, challenge, v);
  } else {
    cram_md5_digest(secret, challenge, v.expected);
  }
  // Decode and compare unconditionally so a bad digit costs the same as a mismatch.
  const bool decoded = hex_decode(v.given, response);
  const bool same = sodium_memcmp(v.expected, v.given, kMd5DigestSize) == 0;
  sodium_memzero(&v, sizeof v);
  return decoded & same;
}

}  // namespace checkpw
