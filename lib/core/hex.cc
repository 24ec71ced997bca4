#include "core/hex.h"

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

bool hex_decode(std::span<unsigned char> out, std::span<const unsigned char> in) noexcept {
  if (in.size() != 2 * out.size()) {
    sodium_memzero(out.data(), out.size());
    return false;
  }
  std::uint64_t bad = 0;
  std::size_t i = 0;
  for (; i + 8 <= in.size(); i += 8)
    hex_detail::store4(out.data() + i / 2,
                       hex_detail::decode8(hex_detail::load8(in.data() + i), &bad));
  if (i < in.size()) {  // 2, 4 or 6 characters left: pad with '0's, keep what counts
    unsigned char tail[8] = {'0', '0', '0', '0', '0', '0', '0', '0'};
    std::memcpy(tail, in.data() + i, in.size() - i);
    const std::uint32_t four = hex_detail::decode8(hex_detail::load8(tail), &bad);
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
