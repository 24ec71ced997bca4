// Base64 (RFC 4648 section 4) without secret-dependent table lookups or branches.
//
// The bulk works on fixed blocks (64 characters, then 16) in two steps, shaped so that
// compilers vectorise them with the baseline instruction set and no intrinsics (g++ -O2
// does; clang 14 vectorises encode only): a per-character step that maps each byte on
// its own with compares and masks, and a bit-moving step that regroups 6-bit and 8-bit
// fields inside 64-bit words (SWAR). The rest goes eight characters at a time through
// one 64-bit word, the per-character step done with carries inside the word, and the
// last partial word is loaded and stored in pieces chosen by its length. The tail holds
// data only in registers, so there is no buffer to wipe. Only lengths (and so the
// padding, which the decoded length reveals anyway) steer control flow.
#include "checkpw/base64.h"

#include <sodium.h>

#include <bit>
#include <cstdint>
#include <cstring>

namespace checkpw {
namespace {

using u8 = unsigned char;
using u64 = std::uint64_t;

constexpr std::size_t kBlockBytes = 48;  // one block: 48 bytes <-> 64 characters
constexpr std::size_t kBlockChars = 64;
constexpr std::size_t kSlack = 2;  // the 8-byte loads and stores touch 2 bytes past a block

inline u64 load_le64(const u8* p) noexcept {
  u64 v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

inline void store_le64(u8* p, u64 v) noexcept {
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  std::memcpy(p, &v, sizeof v);
}

// 0xff when lo <= c < lo + n, else 0. A compare yields a mask, never a jump; compilers
// vectorise it as a byte compare.
inline u8 mask_in(u8 c, u8 lo, u8 n) noexcept {
  return static_cast<u8>(-static_cast<int>(static_cast<u8>(c - lo) < n));
}

inline u8 mask_ge(u8 v, u8 k) noexcept {
  return static_cast<u8>(-static_cast<int>(v >= k));
}

// Six bytes (the low 48 bits of x, little-endian: first byte lowest) to eight 6-bit
// values, one per byte of the result, first lowest. RFC 4648 section 4 takes the
// groups most significant bit first.
inline u64 split_6_to_8(u64 x) noexcept {
  // Bytes 3..5 move up one byte, so each 32-bit half holds one 3-byte group.
  x = (x & 0xffffffu) | ((x << 8) & 0xffffff00000000u);
  return ((x >> 2) & 0x0000003f0000003fu) |                                      // b0 >> 2
         ((x & 0x0000000300000003u) << 12) | ((x >> 4) & 0x00000f0000000f00u) |  // b0:2 b1:4
         ((x & 0x00000f0000000f00u) << 10) | ((x >> 6) & 0x0003000000030000u) |  // b1:4 b2:2
         ((x << 8) & 0x3f0000003f000000u);                                       // b2 & 63
}

// The inverse: eight 6-bit values (one per byte, first lowest) to six bytes in the low
// 48 bits, first lowest.
inline u64 join_8_to_6(u64 x) noexcept {
  x = ((x & 0x0000003f0000003fu) << 2) | ((x >> 12) & 0x0000000300000003u) |  // v0:6 v1:2
      ((x & 0x00000f0000000f00u) << 4) | ((x >> 10) & 0x00000f0000000f00u) |  // v1:4 v2:4
      ((x & 0x0003000000030000u) << 6) | ((x >> 8) & 0x003f0000003f0000u);    // v2:2 v3:6
  return (x & 0xffffffu) | ((x >> 8) & 0xffffff000000u);
}

// The tail works on one 64-bit word of up to eight bytes or characters at a time (SWAR),
// so it needs no buffer in memory: the compare-and-mask steps of the blocks become
// per-byte carries inside the word.
constexpr u64 kOnes = 0x0101010101010101u;
constexpr u64 kHigh = 0x8080808080808080u;

// 1 in each byte of y (every byte below 128) that is at least k (1 <= k <= 128), else 0.
// y + 128 - k stays below 256 in every byte, so no carry crosses into the next byte.
inline u64 swar_ge(u64 y, unsigned k) noexcept {
  return ((y + (128 - k) * kOnes) & kHigh) >> 7;
}

// Eight 6-bit values to their characters: the encoder's offsets, one per range. Every
// byte's sum lies in 0..255, so the word's arithmetic is exact byte by byte.
inline u64 swar_encode_chars(u64 v) noexcept {
  return v + 'A' * kOnes + 6 * swar_ge(v, 26) - 75 * swar_ge(v, 52) - 15 * swar_ge(v, 62) +
         3 * swar_ge(v, 63);
}

// Eight characters to their 6-bit values; *bad gets a non-zero bit for any character
// outside the alphabet. Bytes of a bad word may take any value (the caller rejects it).
inline u64 swar_decode_chars(u64 x, u64* bad) noexcept {
  const u64 high = (x & kHigh) >> 7;
  const u64 y = x & ~kHigh;
  const u64 ge43 = swar_ge(y, '+'), ge44 = swar_ge(y, '+' + 1);
  const u64 ge47 = swar_ge(y, '/'), ge48 = swar_ge(y, '0'), ge58 = swar_ge(y, '9' + 1);
  const u64 ge65 = swar_ge(y, 'A'), ge91 = swar_ge(y, 'Z' + 1);
  const u64 ge97 = swar_ge(y, 'a'), ge123 = swar_ge(y, 'z' + 1);
  // Each range is a step up and a step down: a byte inside one gets 1, any other 0.
  const u64 valid = (ge43 ^ ge44) | (ge47 ^ ge48) | (ge48 ^ ge58) | (ge65 ^ ge91) | (ge97 ^ ge123);
  *bad |= (valid & ~high) ^ kOnes;
  // The offset steps only where a range starts: '+' + 19 = 62, '/' + 16 = 63, '0' + 4 = 52,
  // 'A' - 65 = 0, 'a' - 71 = 26.
  return y + 19 * ge43 - 3 * ge47 - 12 * ge48 - 69 * ge65 - 6 * ge97;
}

// The first k < 8 bytes at p, first lowest, the rest zero. Branches on k only.
inline u64 load_le_partial(const u8* p, std::size_t k) noexcept {
  u64 v = 0;
  std::size_t at = 0;
  if (k & 4) {
    std::uint32_t w;
    std::memcpy(&w, p, 4);
    if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap32(w);
    v = w;
    at = 4;
  }
  if (k & 2) {
    v |= (u64{p[at]} | u64{p[at + 1]} << 8) << (8 * at);
    at += 2;
  }
  if (k & 1) v |= u64{p[at]} << (8 * at);
  return v;
}

// The low k <= 8 bytes of v to p, first lowest. Branches on k only.
inline void store_le_partial(u8* p, u64 v, std::size_t k) noexcept {
  if (k == 8) return store_le64(p, v);
  if (k & 4) {
    auto w = static_cast<std::uint32_t>(v);
    if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap32(w);
    std::memcpy(p, &w, 4);
    p += 4;
    v >>= 32;
  }
  if (k & 2) {
    auto w = static_cast<std::uint16_t>(v);
    if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap16(w);
    std::memcpy(p, &w, 2);
    p += 2;
    v >>= 16;
  }
  if (k & 1) p[0] = static_cast<u8>(v);
}

// kChars / 4 * 3 bytes from in (which must have kSlack more readable bytes) to kChars
// characters. Big blocks carry the bulk; 16-character ones keep the tail short.
template <std::size_t kChars>
inline void encode_block(char* out, const u8* in) noexcept {
  static_assert(kChars % 16 == 0 && kChars <= kBlockChars);
  u64 w[kChars / 8];
  for (std::size_t j = 0; j < kChars / 8; ++j) w[j] = split_6_to_8(load_le64(in + 6 * j));
  u8 v[kChars];
  std::memcpy(v, w, kChars);
  u8 c[kChars];
  for (std::size_t i = 0; i < kChars; ++i) {
    // 'A' + v, then the offset of each later range of the alphabet: 'a' - 26 - 'A' = 6,
    // '0' - 52 - ('a' - 26) = -75, '+' - 62 - ('0' - 52) = -15, '/' - '+' - 1 = 3.
    c[i] = static_cast<u8>(v[i] + 'A' + (mask_ge(v[i], 26) & 6) - (mask_ge(v[i], 52) & 75) -
                           (mask_ge(v[i], 62) & 15) + (mask_ge(v[i], 63) & 3));
  }
  std::memcpy(out, c, kChars);
}

// kChars characters to kChars / 4 * 3 bytes; writes kSlack bytes more. Returns 0xff when
// any character is outside the alphabet, else 0.
template <std::size_t kChars>
inline u8 decode_block(u8* out, const u8* in) noexcept {
  static_assert(kChars % 16 == 0 && kChars <= kBlockChars);
  u8 c[kChars];
  std::memcpy(c, in, kChars);
  u8 v[kChars];
  u8 bad = 0;
  for (std::size_t i = 0; i < kChars; ++i) {
    const u8 ch = c[i];
    const u8 upper = mask_in(ch, 'A', 26);
    const u8 lower = mask_in(ch, 'a', 26);
    const u8 digit = mask_in(ch, '0', 10);
    const u8 plus = mask_in(ch, '+', 1);
    const u8 slash = mask_in(ch, '/', 1);
    bad |= static_cast<u8>(~(upper | lower | digit | plus | slash));
    v[i] = static_cast<u8>((upper & (ch - 'A')) | (lower & (ch - 'a' + 26)) |
                           (digit & (ch - '0' + 52)) | (plus & 62) | (slash & 63));
  }
  u64 w[kChars / 8];
  std::memcpy(w, v, kChars);
  for (std::size_t j = 0; j < kChars / 8; ++j) w[j] = join_8_to_6(w[j]);
  for (std::size_t j = 0; j < kChars / 8; ++j) store_le64(out + 6 * j, w[j]);
  return bad;
}

}  // namespace

std::size_t base64_encoded_size(std::size_t n) noexcept {
  const std::size_t groups = n / 3 + (n % 3 != 0);
  if (groups > SIZE_MAX / 4) return 0;
  return groups * 4;
}

std::size_t base64_decoded_max(std::size_t n) noexcept {
  return n / 4 * 3;
}

std::size_t base64_encode(std::span<char> out, std::span<const unsigned char> in) noexcept {
  const std::size_t need = base64_encoded_size(in.size());
  if (need == 0 || out.size() < need) return 0;
  const u8* p = in.data();
  char* o = out.data();
  std::size_t n = in.size();
  constexpr std::size_t kSmall = 16;  // characters in a tail block
  for (; n >= kBlockBytes + kSlack; n -= kBlockBytes, p += kBlockBytes, o += kBlockChars)
    encode_block<kBlockChars>(o, p);
  for (; n >= kSmall / 4 * 3 + kSlack; n -= kSmall / 4 * 3, p += kSmall / 4 * 3, o += kSmall)
    encode_block<kSmall>(o, p);
  // Then six bytes to eight characters in one word, while a whole word can be loaded.
  for (; n >= 8; n -= 6, p += 6, o += 8) {
    store_le64(reinterpret_cast<u8*>(o), swar_encode_chars(split_6_to_8(load_le64(p))));
  }
  // The rest (0 to 7 bytes) in one partial load: at most one more six, then the last group.
  u64 x = load_le_partial(p, n);
  if (n >= 6) {
    store_le64(reinterpret_cast<u8*>(o), swar_encode_chars(split_6_to_8(x)));
    x >>= 48;
    n -= 6;
    o += 8;
  }
  if (n != 0) {
    const std::size_t chars = n > 3 ? 8 : 4;
    u64 c = swar_encode_chars(split_6_to_8(x));
    // RFC 4648 section 4: one '=' per missing byte of the last group.
    if (n % 3 != 0) {
      const u64 pad = n % 3 == 1 ? 0xffffu : 0xffu;
      const unsigned shift = 8 * static_cast<unsigned>(chars) - (n % 3 == 1 ? 16 : 8);
      c = (c & ~(pad << shift)) | (('=' * kOnes) & (pad << shift));
    }
    store_le_partial(reinterpret_cast<u8*>(o), c, chars);
  }
  return need;
}

bool base64_decode(std::span<unsigned char> out, std::span<const char> in,
                   std::size_t* out_len) noexcept {
  if (out_len != nullptr) *out_len = 0;
  if (out_len == nullptr) return false;
  const std::size_t n = in.size();
  if (n == 0) return true;
  if (n % 4 != 0) return false;
  const auto* s = reinterpret_cast<const u8*>(in.data());
  // Padding is part of the length the caller learns anyway.
  const std::size_t pad = s[n - 1] != '=' ? 0 : (s[n - 2] != '=' ? 1 : 2);
  const std::size_t len = n / 4 * 3 - pad;
  if (out.size() < len) return false;

  u8 bad = 0;
  u8* o = out.data();
  std::size_t i = 0;
  constexpr std::size_t kSmall = 16;  // characters in a tail block
  // A block writes 2 bytes past its end; the full quad required after it covers them.
  const std::size_t full = pad == 0 ? n : n - 4;
  for (; i + kBlockChars + 4 <= full; i += kBlockChars, o += kBlockBytes)
    bad |= decode_block<kBlockChars>(o, s + i);
  for (; i + kSmall + 4 <= full; i += kSmall, o += kSmall / 4 * 3)
    bad |= decode_block<kSmall>(o, s + i);
  // Then eight characters to six bytes in one word, up to the last word.
  u64 bad_tail = 0;
  for (; i + 8 < n; i += 8, o += 6) {
    const u64 w = join_8_to_6(swar_decode_chars(load_le64(s + i), &bad_tail));
    store_le_partial(o, w, 6);
  }
  // The last 4 or 8 characters; 'A' (value 0) stands in for a missing half and for the
  // padding, so a '=' anywhere else stays and is rejected.
  {
    const std::size_t rest = n - i;
    u64 x = rest == 8 ? load_le64(s + i) : load_le_partial(s + i, 4) | ('A' * kOnes << 32);
    if (pad != 0) {
      const u64 mask = pad == 1 ? 0xffu : 0xffffu;
      const unsigned shift = 8 * static_cast<unsigned>(rest - pad);
      x = (x & ~(mask << shift)) | (('A' * kOnes) & (mask << shift));
    }
    const u64 w = join_8_to_6(swar_decode_chars(x, &bad_tail));
    const std::size_t produced = rest / 4 * 3 - pad;
    // RFC 4648 section 3.5: the bits the padding leaves over must be zero. They land in
    // the byte after the last one produced (the one after that is all padding).
    if (pad != 0) bad_tail |= (w >> (8 * produced)) & 0xffu;
    store_le_partial(o, w, produced);
  }
  bad |= static_cast<u8>(-static_cast<int>(bad_tail != 0));  // a setcc, not a jump
  if (bad != 0) {
    sodium_memzero(out.data(), len);
    return false;
  }
  *out_len = len;
  return true;
}

}  // namespace checkpw
