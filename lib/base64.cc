// Base64 (RFC 4648 section 4) without secret-dependent table lookups or branches.
//
// Both directions work on fixed blocks (64 characters for the bulk, 16 for the tail) in
// two steps, shaped so that compilers vectorise them with the baseline instruction set
// and no intrinsics (g++ -O2 does; clang 14 vectorises encode only): a per-character
// step that maps each byte on its own with compares and masks, and a bit-moving step
// that regroups 6-bit and 8-bit fields inside 64-bit words (SWAR). The last partial
// block goes through a local buffer (zeros, or 'A's when decoding), so one code path
// handles every length. Only lengths (and so the padding, which the decoded length
// reveals anyway) steer control flow; the tail buffers are wiped.
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
  // The rest (0 to 13 bytes) through a zero-filled buffer, one small block at a time.
  while (n != 0) {
    const std::size_t take = n < kSmall / 4 * 3 ? n : kSmall / 4 * 3;
    u8 buf[kSmall / 4 * 3 + kSlack] = {};
    std::memcpy(buf, p, take);
    char chars[kSmall];
    encode_block<kSmall>(chars, buf);
    const std::size_t produced = base64_encoded_size(take);
    std::memcpy(o, chars, produced);
    sodium_memzero(buf, sizeof buf);
    sodium_memzero(chars, sizeof chars);
    // RFC 4648 section 4: one '=' per missing byte of the last group.
    if (take % 3 != 0) o[produced - 1] = '=';
    if (take % 3 == 1) o[produced - 2] = '=';
    n -= take;
    p += take;
    o += produced;
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
  // The rest (4 to 23 characters) through a buffer of 'A's (value 0), a block at a time.
  while (i != n) {
    const std::size_t take = n - i < kSmall ? n - i : kSmall;
    const bool last = i + take == n;
    u8 buf[kSmall];
    std::memset(buf, 'A', kSmall);
    std::memcpy(buf, s + i, take);
    // The padding decodes as zero bits; a '=' anywhere else stays and is rejected.
    if (last && pad != 0) std::memset(buf + take - pad, 'A', pad);
    u8 bytes[kSmall / 4 * 3 + kSlack];
    bad |= decode_block<kSmall>(bytes, buf);
    const std::size_t produced = take / 4 * 3 - (last ? pad : 0);
    std::memcpy(o, bytes, produced);
    // RFC 4648 section 3.5: the bits the padding leaves over must be zero. They land in
    // the byte after the last one produced (the one after that is all padding).
    if (last && pad != 0) bad |= bytes[produced];
    sodium_memzero(buf, sizeof buf);
    sodium_memzero(bytes, sizeof bytes);
    i += take;
    o += produced;
  }
  if (bad != 0) {
    sodium_memzero(out.data(), len);
    return false;
  }
  *out_len = len;
  return true;
}

}  // namespace checkpw
