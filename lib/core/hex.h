// Hexadecimal for digests and secrets. Decoding never branches on or indexes by the
// input's bytes: responses and stored secrets pass through here.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace checkpw {

// Writes 2 * in.size() lowercase digits; out must be that large.
void hex_encode(std::span<char> out, std::span<const unsigned char> in) noexcept;

// Decodes exactly 2 * out.size() digits of either case. False (and out wiped) when
// in.size() != 2 * out.size() or any character is not a hex digit.
[[nodiscard]] bool hex_decode(std::span<unsigned char> out,
                              std::span<const unsigned char> in) noexcept;

namespace hex_detail {

inline constexpr std::uint64_t kOnes = 0x0101010101010101u;
inline constexpr std::uint64_t kHigh = 0x8080808080808080u;

// Eight characters (first in the lowest byte) to four bytes, with SWAR range checks:
// every lane stays below 0x100 in each step, so no carry crosses lanes and nothing
// branches on or indexes by the characters. *bad gets a high bit set for any lane
// that is not a hex digit.
inline std::uint32_t decode8(std::uint64_t x, std::uint64_t* bad) noexcept {
  const std::uint64_t high = x & kHigh;  // non-ASCII: never a digit
  const std::uint64_t y = x & ~kHigh;
  const std::uint64_t digit = ((y + 0x50 * kOnes) & (0xb9 * kOnes - y)) & kHigh;  // '0'..'9'
  const std::uint64_t l = y | 0x20 * kOnes;
  const std::uint64_t alpha = ((l + 0x1f * kOnes) & (0xe6 * kOnes - l)) & kHigh;  // 'a'..'f'
  *bad |= high | ((digit | alpha) ^ kHigh);
  const std::uint64_t v = (y & 0x0f * kOnes) + (alpha >> 7) * 9;  // nibble per lane
  std::uint64_t t = ((v & 0x00ff00ff00ff00ffu) << 4) | ((v >> 8) & 0x00ff00ff00ff00ffu);
  t = (t | (t >> 8)) & 0x0000ffff0000ffffu;
  return static_cast<std::uint32_t>(t | (t >> 16));
}

// Eight characters from p, the first in the lowest byte whatever the host's order.
inline std::uint64_t load8(const unsigned char* p) noexcept {
  std::uint64_t x;
  std::memcpy(&x, p, sizeof x);
  if constexpr (std::endian::native == std::endian::big) x = __builtin_bswap64(x);
  return x;
}

// Four bytes to p, the lowest first.
inline void store4(unsigned char* p, std::uint32_t four) noexcept {
  if constexpr (std::endian::native == std::endian::big) four = __builtin_bswap32(four);
  std::memcpy(p, &four, sizeof four);
}

}  // namespace hex_detail

}  // namespace checkpw
