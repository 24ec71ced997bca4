// HMAC-MD5 per RFC 2104 section 2, with the pad states saved after one compression
// each: that pair is the CRAM-MD5 secret (Dovecot's {CRAM-MD5}, DESIGN.md section 4),
// so a verify costs the compressions over the challenge plus one for the outer hash.
#include "checkpw/cram_md5.h"

#include <sodium.h>

#include <array>
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

void store_state(unsigned char* p, const Md5State& s) noexcept {
  for (std::size_t i = 0; i < 4; ++i) {
    for (std::size_t j = 0; j < 4; ++j) p[4 * i + j] = static_cast<unsigned char>(s[i] >> (8 * j));
  }
}

void load_state(Md5State& s, const unsigned char* p) noexcept {
  for (std::size_t i = 0; i < 4; ++i) {
    s[i] = 0;
    for (std::size_t j = 0; j < 4; ++j) s[i] |= static_cast<std::uint32_t>(p[4 * i + j]) << (8 * j);
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

bool cram_md5_verify(std::span<const unsigned char, kCramMd5SecretSize> secret,
                     std::span<const unsigned char> challenge,
                     std::span<const unsigned char> response) noexcept {
  if (response.size() != kCramMd5ResponseSize) return false;  // length is public
  std::array<unsigned char, kMd5DigestSize> expected;
  std::array<unsigned char, kMd5DigestSize> given;
  cram_md5_digest(secret, challenge, expected);
  // Decode and compare unconditionally so a bad digit costs the same as a mismatch.
  const bool decoded = hex_decode(given, response);
  const bool same = sodium_memcmp(expected.data(), given.data(), kMd5DigestSize) == 0;
  sodium_memzero(expected.data(), expected.size());
  sodium_memzero(given.data(), given.size());
  return decoded & same;
}

}  // namespace checkpw
