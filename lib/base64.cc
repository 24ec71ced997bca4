// Base64 (RFC 4648 section 4) without secret-dependent table lookups or branches:
// each 6-bit value and each character is mapped with arithmetic masks. Only lengths
// (and so the padding, which the decoded length reveals anyway) steer control flow.
#include "checkpw/base64.h"

#include <sodium.h>

#include <cstdint>

namespace checkpw {
namespace {

// 0..63 -> 'A'..'Z' 'a'..'z' '0'..'9' '+' '/'. Each step keeps the value within one
// byte, so the offsets can be added in sequence.
inline char encode_char(unsigned v) noexcept {
  unsigned c = v + 'A';
  c += ((25u - v) >> 8) & 6u;   // v >= 26: 'a' - 26
  c -= ((51u - v) >> 8) & 75u;  // v >= 52: '0' - 52
  c -= ((61u - v) >> 8) & 15u;  // v >= 62: '+' - 62
  c += ((62u - v) >> 8) & 3u;   // v == 63: '/' - 63
  return static_cast<char>(c & 0xffu);
}

// All ones when lo <= x <= hi, else 0 (x, lo, hi in 0..255; arithmetic shift).
inline std::int32_t in_range(std::int32_t x, std::int32_t lo, std::int32_t hi) noexcept {
  return ((lo - 1 - x) & (x - hi - 1)) >> 8;
}

// Character -> 0..63; *valid gets all ones when the character is in the alphabet.
inline std::uint32_t decode_char(unsigned char ch, std::int32_t* valid) noexcept {
  const std::int32_t x = ch;
  const std::int32_t upper = in_range(x, 'A', 'Z');
  const std::int32_t lower = in_range(x, 'a', 'z');
  const std::int32_t digit = in_range(x, '0', '9');
  const std::int32_t plus = in_range(x, '+', '+');
  const std::int32_t slash = in_range(x, '/', '/');
  *valid = upper | lower | digit | plus | slash;
  const std::int32_t v = (upper & (x - 'A')) | (lower & (x - 'a' + 26)) | (digit & (x - '0' + 52)) |
                         (plus & 62) | (slash & 63);
  return static_cast<std::uint32_t>(v) & 0x3fu;
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
  const unsigned char* p = in.data();
  char* o = out.data();
  std::size_t n = in.size();
  for (; n >= 3; n -= 3, p += 3, o += 4) {
    const std::uint32_t w = (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2];
    o[0] = encode_char(w >> 18);
    o[1] = encode_char((w >> 12) & 0x3fu);
    o[2] = encode_char((w >> 6) & 0x3fu);
    o[3] = encode_char(w & 0x3fu);
  }
  if (n != 0) {
    const std::uint32_t w = (std::uint32_t{p[0]} << 16) | (n == 2 ? std::uint32_t{p[1]} << 8 : 0u);
    o[0] = encode_char(w >> 18);
    o[1] = encode_char((w >> 12) & 0x3fu);
    o[2] = n == 2 ? encode_char((w >> 6) & 0x3fu) : '=';
    o[3] = '=';
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
  const auto* s = reinterpret_cast<const unsigned char*>(in.data());
  // Padding is part of the length the caller learns anyway.
  const std::size_t pad = s[n - 1] != '=' ? 0 : (s[n - 2] != '=' ? 1 : 2);
  const std::size_t len = n / 4 * 3 - pad;
  if (out.size() < len) return false;

  std::int32_t ok = -1;
  unsigned char* o = out.data();
  const std::size_t full = pad == 0 ? n : n - 4;
  for (std::size_t i = 0; i < full; i += 4, o += 3) {
    std::int32_t v0, v1, v2, v3;
    const std::uint32_t w = (decode_char(s[i], &v0) << 18) | (decode_char(s[i + 1], &v1) << 12) |
                            (decode_char(s[i + 2], &v2) << 6) | decode_char(s[i + 3], &v3);
    ok &= v0 & v1 & v2 & v3;
    o[0] = static_cast<unsigned char>(w >> 16);
    o[1] = static_cast<unsigned char>(w >> 8);
    o[2] = static_cast<unsigned char>(w);
  }
  if (pad != 0) {
    const unsigned char* q = s + n - 4;
    std::int32_t v0, v1, v2 = -1;
    std::uint32_t w = (decode_char(q[0], &v0) << 18) | (decode_char(q[1], &v1) << 12);
    if (pad == 1) w |= decode_char(q[2], &v2) << 6;
    ok &= v0 & v1 & v2;
    // RFC 4648 section 3.5: the bits below the last full byte must be zero.
    const std::uint32_t spare = pad == 1 ? (w & 0xffu) : (w & 0xffffu);
    ok &= -static_cast<std::int32_t>(spare == 0);
    o[0] = static_cast<unsigned char>(w >> 16);
    if (pad == 1) o[1] = static_cast<unsigned char>(w >> 8);
  }
  if (ok == 0) {
    sodium_memzero(out.data(), len);
    return false;
  }
  *out_len = len;
  return true;
}

}  // namespace checkpw
