// HMAC-MD5 per RFC 2104 section 2, with the pad states saved after one compression
// each: that pair is the CRAM-MD5 secret (Dovecot's {CRAM-MD5}, doc/design.md section 4),
// so a verify costs the compressions over the challenge plus one for the outer hash.
#include "core/cram_md5.h"

#include <sodium.h>

#include <array>
#include <bit>
#include <cstring>

#include "core/hex.h"

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
  for (std::size_t i = 0; i < 4; ++i) md5_store_word(p + 4 * i, s[i]);
}

void load_state(Md5State& s, const unsigned char* p) noexcept {
  for (std::size_t i = 0; i < 4; ++i) s[i] = md5_load_word(p + 4 * i);
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

// The inner hash's only block for a challenge of under 56 bytes (RFC 1321 section
// 3.1-3.2 padding after the 64-byte ipad block). Written one 32-bit word at a time, so
// each word the compression loads comes from exactly one store and is forwarded at once.
void fill_block(unsigned char* block, std::span<const unsigned char> msg) noexcept {
  const std::size_t full = msg.size() / 4, rest = msg.size() % 4;
  std::size_t i = 0;
  for (; i < full; ++i) std::memcpy(block + 4 * i, msg.data() + 4 * i, 4);
  std::uint32_t last = 0x80u << (8 * rest);
  for (std::size_t k = 0; k < rest; ++k) last |= std::uint32_t{msg[4 * full + k]} << (8 * k);
  md5_store_word(block + 4 * i++, last);
  for (; i < 14; ++i) md5_store_word(block + 4 * i, 0);
  md5_store_word(block + 56, static_cast<std::uint32_t>((kMd5BlockSize + msg.size()) * 8));
  md5_store_word(block + 60, 0);
}

// Everything a short verify holds that depends on the secret, and the response as
// words, wiped in one call. The block holds only the challenge and padding (public).
struct ShortVerify {
  Md5State inner, outer, mac, given;
};

// The 32 digits straight into the four words they spell (each little-endian, as the
// digest is laid out), so that they compare with the MAC's state as it stands: no byte
// stores in between. *bad gets a high bit for any character that is not a digit.
void response_words(const unsigned char* digits, Md5State& words, std::uint64_t* bad) noexcept {
  for (std::size_t i = 0; i < 4; ++i) {
    words[i] = hex_detail::decode8(hex_detail::load8(digits + 8 * i), bad);
  }
}

}  // namespace

// A challenge under 56 bytes (every real CRAM-MD5 challenge) costs two compressions
// after the stored pads: the floor. The response is decoded after the hashing: decoding
// it first measured slower, as its work then queues in front of the dependency chain.
bool cram_md5_verify(std::span<const unsigned char, kCramMd5SecretSize> secret,
                     std::span<const unsigned char> challenge,
                     std::span<const unsigned char> response) noexcept {
  if (response.size() != kCramMd5ResponseSize) return false;  // length is public
  ShortVerify v;
  if (challenge.size() < 56) {
    unsigned char block[kMd5BlockSize];
    load_state(v.outer, secret.data());
    load_state(v.inner, secret.data() + 16);
    fill_block(block, challenge);
    md5_hmac_block(md5_impl(), v.inner, v.outer, block, v.mac);
  } else {
    unsigned char expected[kMd5DigestSize];
    cram_md5_digest(secret, challenge, expected);
    load_state(v.mac, expected);
    sodium_memzero(expected, sizeof expected);
  }
  // Decode and compare unconditionally so a bad digit costs the same as a mismatch.
  std::uint64_t bad = 0;
  response_words(response.data(), v.given, &bad);
  const bool same = sodium_memcmp(v.mac.data(), v.given.data(), sizeof v.mac) == 0;
  sodium_memzero(&v, sizeof v);
  return (bad == 0) & same;
}

}  // namespace checkpw
