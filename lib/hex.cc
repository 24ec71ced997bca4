#include "checkpw/hex.h"

#include <sodium.h>

#include <bit>
#include <cstdint>
#include <cstring>

namespace checkpw {

void hex_encode(std::span<char> out, std::span<const unsigned char> in) noexcept {
  if (out.size() < 2 * in.size()) return;
  for (std::size_t i = 0; i < in.size(); ++i) {
    // Nibble n maps to '0' + n, plus 39 more when n > 9 ('a' - '0' - 10), branch-free.
    for (int half = 0; half < 2; ++half) {
      unsigned n = half == 0 ? in[i] >> 4 : in[i] & 0xfu;
      unsigned over9 = ((9u - n) >> 8) & 1u;  // 1 when n > 9
      out[2 * i + static_cast<std::size_t>(half)] = static_cast<char>('0' + n + 39u * over9);
    }
  }
}

namespace {

constexpr std::uint64_t kOnes = 0x0101010101010101u;
constexpr std::uint64_t kHigh = 0x8080808080808080u;

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

}  // namespace

bool hex_decode(std::span<unsigned char> out, std::span<const unsigned char> in) noexcept {
  if (in.size() != 2 * out.size()) {
    sodium_memzero(out.data(), out.size());
    return false;
  }
  std::uint64_t bad = 0;
  std::size_t i = 0;
  for (; i + 8 <= in.size(); i += 8) {
    std::uint64_t x;
    std::memcpy(&x, in.data() + i, 8);
    if constexpr (std::endian::native == std::endian::big) x = __builtin_bswap64(x);
    std::uint32_t four = decode8(x, &bad);
    if constexpr (std::endian::native == std::endian::big) four = __builtin_bswap32(four);
    std::memcpy(out.data() + i / 2, &four, sizeof four);
  }
  if (i < in.size()) {  // 2, 4 or 6 characters left: pad with '0's, keep what counts
    unsigned char tail[8] = {'0', '0', '0', '0', '0', '0', '0', '0'};
    std::memcpy(tail, in.data() + i, in.size() - i);
    std::uint64_t x;
    std::memcpy(&x, tail, 8);
    if constexpr (std::endian::native == std::endian::big) x = __builtin_bswap64(x);
    const std::uint32_t four = decode8(x, &bad);
    for (std::size_t k = 0; k < (in.size() - i) / 2; ++k) {
      out[i / 2 + k] = static_cast<unsigned char>(four >> (8 * k));
    }
    sodium_memzero(tail, sizeof tail);
  }
  if (bad != 0) {
    sodium_memzero(out.data(), out.size());
    return false;
  }
  return true;
}

}  // namespace checkpw
