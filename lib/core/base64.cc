// Base64 (RFC 4648 section 4) without secret-dependent table lookups or branches.
//
// The bulk works on 64-character blocks in two steps, shaped so that compilers vectorise
// them with the baseline instruction set and no intrinsics (g++ -O2 does; clang 14
// vectorises encode only): a per-character step that maps each byte on its own with
// compares and masks, and a bit-moving step that regroups 6-bit and 8-bit fields inside
// 64-bit words (SWAR). The rest goes eight characters at a time through one 64-bit word,
// the per-character step done with carries inside the word, and the last partial word is
// loaded and stored in pieces chosen by its length. The tail holds data only in
// registers, so there is no buffer to wipe. Only lengths (and so the padding, which the
// decoded length reveals anyway) steer control flow.
#include "core/base64.h"

#include <sodium.h>

#include <bit>
#include <cstdint>
#include <cstring>

namespace checkpw {
namespace {

using u8 = unsigned char;
using u16 = std::uint16_t;
using u32 = std::uint32_t;
using u64 = std::uint64_t;

constexpr std::size_t kBlockBytes = 48;  // one block: 48 bytes <-> 64 characters
constexpr std::size_t kBlockChars = 64;
constexpr std::size_t kMaxBlockChars = 112;  // the largest block, made for the end of the input

inline u16 byteswap(u16 v) noexcept {
  return __builtin_bswap16(v);
}
inline u32 byteswap(u32 v) noexcept {
  return __builtin_bswap32(v);
}
inline u64 byteswap(u64 v) noexcept {
  return __builtin_bswap64(v);
}

// Words are big-endian: the first byte or character is the most significant, so the
// 6-bit groups of RFC 4648 (most significant bit first) are contiguous bit fields.
template <typename T>
inline T load_be(const u8* p) noexcept {
  T v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::little) v = byteswap(v);
  return v;
}

template <typename T>
inline void store_be(u8* p, T v) noexcept {
  if constexpr (std::endian::native == std::endian::little) v = byteswap(v);
  std::memcpy(p, &v, sizeof v);
}

inline u64 load_le(const u8* p) noexcept {
  u64 v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = byteswap(v);
  return v;
}

inline void store_le(u8* p, u64 v) noexcept {
  if constexpr (std::endian::native == std::endian::big) v = byteswap(v);
  std::memcpy(p, &v, sizeof v);
}

// The first k < 8 bytes at p in the top of a word, the rest zero. Branches on k only.
inline u64 load_be_partial(const u8* p, std::size_t k) noexcept {
  u64 v = 0;
  std::size_t at = 0;
  if (k & 4) {
    v = u64{load_be<u32>(p)} << 32;
    at = 4;
  }
  if (k & 2) {
    v |= u64{load_be<u16>(p + at)} << (48 - 8 * at);
    at += 2;
  }
  if (k & 1) v |= u64{p[at]} << (56 - 8 * at);
  return v;
}

// The top k <= 8 bytes of v to p. Branches on k only.
inline void store_be_partial(u8* p, u64 v, std::size_t k) noexcept {
  if (k == 8) return store_be(p, v);
  if (k & 4) {
    store_be(p, static_cast<u32>(v >> 32));
    p += 4;
    v <<= 32;
  }
  if (k & 2) {
    store_be(p, static_cast<u16>(v >> 48));
    p += 2;
    v <<= 16;
  }
  if (k & 1) p[0] = static_cast<u8>(v >> 56);
}

// 0xff when v >= k, else 0. A compare yields a mask, never a jump; compilers vectorise
// it as a byte compare.
inline u8 mask_ge_s(signed char v, signed char k) noexcept {
  return static_cast<u8>(-static_cast<int>(v >= k));
}

inline u8 mask_ge(u8 v, u8 k) noexcept {
  return static_cast<u8>(-static_cast<int>(v >= k));
}

// The decoding blocks' version of join_8_to_6 below, on little-endian words (first byte
// lowest): more operations per word, but no byte swap, so g++ vectorises it two words at
// a time. (The encoding blocks' split loads at a 6-byte stride and stays scalar, where
// the big-endian version is the cheaper one.)
// Eight 6-bit values (one per byte, first lowest) to six bytes in the low 48 bits.
inline u64 join_8_to_6_le(u64 x) noexcept {
  x = ((x & 0x0000003f0000003fu) << 2) | ((x >> 12) & 0x0000000300000003u) |  // v0:6 v1:2
      ((x & 0x00000f0000000f00u) << 4) | ((x >> 10) & 0x00000f0000000f00u) |  // v1:4 v2:4
      ((x & 0x0003000000030000u) << 6) | ((x >> 8) & 0x003f0000003f0000u);    // v2:2 v3:6
  return (x & 0xffffffu) | ((x >> 8) & 0xffffff000000u);
}

// Six bytes (a 48-bit big-endian number, the low 48 bits of x) to eight 6-bit values,
// one per byte, first in the top byte. Each step halves the fields and doubles their
// spacing: two 24-bit groups in 32-bit lanes, four 12-bit ones in 16-bit lanes, eight
// 6-bit ones in bytes.
inline u64 split_6_to_8(u64 x) noexcept {
  x = (x & 0x0000000000ffffffu) | ((x << 8) & 0x00ffffff00000000u);
  x = (x & 0x00000fff00000fffu) | ((x << 4) & 0x0fff00000fff0000u);
  return (x & 0x003f003f003f003fu) | ((x << 2) & 0x3f003f003f003f00u);
}

// The inverse: eight 6-bit values (one per byte, first in the top byte) to six bytes,
// a 48-bit big-endian number.
inline u64 join_8_to_6(u64 x) noexcept {
  x = (x & 0x003f003f003f003fu) | ((x >> 2) & 0x0fc00fc00fc00fc0u);
  x = (x & 0x00000fff00000fffu) | ((x >> 4) & 0x00fff00000fff000u);
  return (x & 0x0000000000ffffffu) | ((x >> 8) & 0x0000ffffff000000u);
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
  const u64 y = x & ~kHigh;
  // 0x80 in each byte of w at least k: as swar_ge, without the shift.
  const auto ge = [](u64 w, unsigned k) { return (w + (128 - k) * kOnes) & kHigh; };
  const u64 ge47 = ge(y, '/'), ge48 = ge(y, '0'), ge65 = ge(y, 'A'), ge97 = ge(y, 'a');
  // Each range is a step up and a step down: a byte inside one gets 0x80, any other 0.
  // Setting bit 5 folds 'A'..'Z' onto 'a'..'z' and nothing else onto them; '/' and the
  // digits are one range, 47..57; bytes from 128 up are outside them all.
  const u64 lc = y | 0x20 * kOnes;
  const u64 valid =
      (ge(y, '+') ^ ge(y, '+' + 1)) | (ge47 ^ ge(y, '9' + 1)) | (ge(lc, 'a') ^ ge(lc, 'z' + 1));
  *bad |= (valid & ~x) ^ kHigh;
  // Every valid character is at least '+', and '+' + 19 = 62; the offset steps where each
  // later range starts: '/' + 16 = 63, '0' + 4 = 52, 'A' - 65 = 0, 'a' - 71 = 26. Bytes
  // of a bad word may take any value, but each stays within 0..255, so none carries.
  return y + 19 * kOnes - 3 * (ge47 >> 7) - 12 * (ge48 >> 7) - 69 * (ge65 >> 7) - 6 * (ge97 >> 7);
}

// kChars / 4 * 3 bytes to kChars characters, reading and writing nothing outside them.
// The 6-bit values are put where their characters go and mapped there, so no copy of
// the input is left anywhere else. At 16 characters the two 8-byte stores that feed one
// 16-byte load cost more than two words done whole in registers (the SWAR tail), so
// blocks are 64 to 112 characters.
template <std::size_t kChars>
inline void encode_block(u8* out, const u8* in) noexcept {
  static_assert(kChars % 16 == 0 && kChars <= kMaxBlockChars);
  constexpr std::size_t kWords = kChars / 8;
  for (std::size_t j = 0; j + 1 < kWords; ++j)
    store_be(out + 8 * j, split_6_to_8(load_be<u64>(in + 6 * j) >> 16));
  // The last six bytes are the low ones of the word that ends the block.
  store_be(out + kChars - 8, split_6_to_8(load_be<u64>(in + 6 * kWords - 8) & 0xffffffffffffu));
  for (std::size_t i = 0; i < kChars; ++i) {
    // 'A' + v, then the offset of each later range of the alphabet: 'a' - 26 - 'A' = 6,
    // '0' - 52 - ('a' - 26) = -75, '+' - 62 - ('0' - 52) = -15, '/' - '+' - 1 = 3.
    const u8 v = out[i];
    out[i] = static_cast<u8>(v + 'A' + (mask_ge(v, 26) & 6) - (mask_ge(v, 52) & 75) -
                             (mask_ge(v, 62) & 15) + (mask_ge(v, 63) & 3));
  }
}

// kChars characters to kChars / 4 * 3 bytes, writing nothing outside them, with the
// 6-bit values in `v` (the caller's scratch, wiped once per call). Returns 0xff when any
// character is outside the alphabet, else 0.
template <std::size_t kChars>
inline u8 decode_block(u8* out, const u8* in, u8* __restrict v) noexcept {
  static_assert(kChars % 16 == 0 && kChars <= kMaxBlockChars);
  u8 bad = 0;
  for (std::size_t i = 0; i < kChars; ++i) {
    // Signed, so every byte from 128 up is below each bound and outside the alphabet.
    const auto ch = static_cast<signed char>(in[i]);
    const u8 ge47 = mask_ge_s(ch, '/'), ge48 = mask_ge_s(ch, '0'), ge58 = mask_ge_s(ch, '9' + 1);
    const u8 ge65 = mask_ge_s(ch, 'A'), ge97 = mask_ge_s(ch, 'a');
    // Setting bit 5 folds 'A'..'Z' onto 'a'..'z', and nothing else onto them.
    const auto lc = static_cast<signed char>(ch | 0x20);
    const u8 alpha = mask_ge_s(lc, 'a') & ~mask_ge_s(lc, 'z' + 1);
    const u8 plus = static_cast<u8>(-static_cast<int>(ch == '+'));
    // '/' and the digits are one range, 47..57.
    bad |= static_cast<u8>(~(alpha | plus | (ge47 & ~ge58)));
    // Every valid character is at least '+', and '+' + 19 = 62; the offset steps where
    // each later range starts: '/' + 16 = 63, '0' + 4 = 52, 'A' - 65 = 0, 'a' - 71 = 26.
    v[i] = static_cast<u8>(in[i] + 19 - (ge47 & 3) - (ge48 & 12) - (ge65 & 69) - (ge97 & 6));
  }
  // The joined words go back into the scratch, so no other copy is left on the stack.
  constexpr std::size_t kWords = kChars / 8;
  for (std::size_t j = 0; j < kWords; ++j) store_le(v + 8 * j, join_8_to_6_le(load_le(v + 8 * j)));
  for (std::size_t j = 0; j + 1 < kWords; ++j) store_le(out + 6 * j, load_le(v + 8 * j));
  store_le(out + 6 * kWords - 8, load_le(v + 8 * kWords - 16) >> 32 | load_le(v + 8 * kWords - 8)
                                                                          << 16);
  return bad;
}

inline std::size_t encoded_size(std::size_t n) noexcept {
  const std::size_t groups = n / 3 + (n % 3 != 0);
  if (groups > SIZE_MAX / 4) return 0;
  return groups * 4;
}

}  // namespace

std::size_t base64_encoded_size(std::size_t n) noexcept {
  return encoded_size(n);
}

std::size_t base64_decoded_max(std::size_t n) noexcept {
  return n / 4 * 3;
}

std::size_t base64_encode(std::span<char> out, std::span<const unsigned char> in) noexcept {
  const std::size_t need = encoded_size(in.size());
  if (need == 0 || out.size() < need) return 0;
  const u8* p = in.data();
  u8* o = reinterpret_cast<u8*>(out.data());
  std::size_t n = in.size();
  for (; n >= 2 * kBlockBytes; n -= kBlockBytes, p += kBlockBytes, o += kBlockChars)
    encode_block<kBlockChars>(o, p);
  // 48 to 95 bytes left: one block of all their whole 12-byte groups, so that 64 bytes,
  // say, cost one block and one word rather than a block and three words.
  const std::size_t groups = n / 12;
  switch (groups) {
    case 7:
      encode_block<112>(o, p);
      break;
    case 6:
      encode_block<96>(o, p);
      break;
    case 5:
      encode_block<80>(o, p);
      break;
    case 4:
      encode_block<64>(o, p);
      break;
    default:
      break;
  }
  if (groups >= 4) {  // also whenever the loop above ran: it leaves 48 or more
    n -= 12 * groups;
    p += 12 * groups;
    o += 16 * groups;
  }
  // Then six bytes to eight characters in one word, while a whole word can be loaded.
  for (; n >= 8; n -= 6, p += 6, o += 8)
    store_be(o, swar_encode_chars(split_6_to_8(load_be<u64>(p) >> 16)));
  // The rest (0 to 7 bytes) in one partial load: at most one more six, then the last group.
  u64 x = load_be_partial(p, n);
  if (n >= 6) {
    store_be(o, swar_encode_chars(split_6_to_8(x >> 16)));
    x <<= 48;
    n -= 6;
    o += 8;
  }
  if (n != 0) {
    const std::size_t chars = n > 3 ? 8 : 4;
    u64 c = swar_encode_chars(split_6_to_8(x >> 16));
    // RFC 4648 section 4: one '=' per missing byte of the last group.
    if (n % 3 != 0) {
      const u64 pad = u64{n % 3 == 1 ? 0xffffu : 0xffu} << (64 - 8 * chars);
      c = (c & ~pad) | ('=' * kOnes & pad);
    }
    store_be_partial(o, c, chars);
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
  const std::size_t full = pad == 0 ? n : n - 4;  // characters before the padded quad
  u8 v[kMaxBlockChars];
  for (; i + 2 * kBlockChars <= full; i += kBlockChars, o += kBlockBytes)
    bad |= decode_block<kBlockChars>(o, s + i, v);
  // Then one block of all the whole 16-character groups left (up to 7).
  const std::size_t groups = (full - i) / 16;
  switch (groups) {
    case 7:
      bad |= decode_block<112>(o, s + i, v);
      break;
    case 6:
      bad |= decode_block<96>(o, s + i, v);
      break;
    case 5:
      bad |= decode_block<80>(o, s + i, v);
      break;
    case 4:
      bad |= decode_block<64>(o, s + i, v);
      break;
    case 3:
      bad |= decode_block<48>(o, s + i, v);
      break;
    case 2:
      bad |= decode_block<32>(o, s + i, v);
      break;
    case 1:
      bad |= decode_block<16>(o, s + i, v);
      break;
    default:
      break;
  }
  i += 16 * groups;
  o += 12 * groups;
  // Then eight characters to six bytes in one word.
  u64 bad_tail = 0;
  for (; i + 8 <= full; i += 8, o += 6)
    store_be_partial(o, join_8_to_6(swar_decode_chars(load_be<u64>(s + i), &bad_tail)) << 16, 6);
  // The last quad or two; 'A' (value 0) stands in for a missing half and for the padding,
  // so a '=' anywhere else stays and is rejected.
  if (i != n) {
    const std::size_t rest = n - i;
    u64 x = rest == 8 ? load_be<u64>(s + i) : u64{load_be<u32>(s + i)} << 32 | 'A' * 0x01010101u;
    if (pad != 0) {
      const u64 mask = u64{pad == 1 ? 0xffu : 0xffffu} << (64 - 8 * rest);
      x = (x & ~mask) | ('A' * kOnes & mask);
    }
    const u64 w = join_8_to_6(swar_decode_chars(x, &bad_tail)) << 16;
    const std::size_t produced = rest / 4 * 3 - pad;
    // RFC 4648 section 3.5: the bits the padding leaves over must be zero. They land in
    // the byte after the last one produced (the one after that is all padding).
    if (pad != 0) bad_tail |= (w >> (56 - 8 * produced)) & 0xffu;
    store_be_partial(o, w, produced);
  }
  bad |= static_cast<u8>(-static_cast<int>(bad_tail != 0));  // a setcc, not a jump
  // Wiped last (a call between the blocks and the tail measured slower), and only when a
  // block ran, which is exactly when 16 or more characters precede the padded quad.
  if (full >= 16) sodium_memzero(v, sizeof v);
  if (bad != 0) {
    sodium_memzero(out.data(), len);
    return false;
  }
  *out_len = len;
  return true;
}

}  // namespace checkpw
