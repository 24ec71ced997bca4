#include "checkpw/hex.h"

#include <sodium.h>

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
  unsigned bad = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    unsigned c = in[i];
    unsigned num = c ^ 0x30u;                      // '0'..'9' -> 0..9
    unsigned num_ok = ((num - 10u) >> 8) & 0xffu;  // 0xff when num < 10
    unsigned alpha = (c & ~0x20u) - 55u;           // 'A'..'F', 'a'..'f' -> 10..15
    unsigned alpha_ok = (((alpha - 10u) ^ (alpha - 16u)) >> 8) & 0xffu;  // 0xff in [10,16)
    bad |= ~(num_ok | alpha_ok) & 1u;
    unsigned value = ((num_ok & num) | (alpha_ok & alpha)) & 0xfu;
    unsigned char& dst = out[i / 2];
    if (i % 2 == 0) {
      dst = static_cast<unsigned char>(value << 4);
    } else {
      dst = static_cast<unsigned char>(dst | value);
    }
  }
  if (bad != 0) {
    sodium_memzero(out.data(), out.size());
    return false;
  }
  return true;
}

}  // namespace checkpw
