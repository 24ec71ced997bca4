// Hexadecimal for digests and secrets. Decoding never branches on or indexes by the
// input's bytes: responses and stored secrets pass through here.
#pragma once

#include <cstddef>
#include <span>

#include "checkpw/visibility.h"

namespace checkpw {

// Writes 2 * in.size() lowercase digits; out must be that large.
CHECKPW_API void hex_encode(std::span<char> out, std::span<const unsigned char> in) noexcept;

// Decodes exactly 2 * out.size() digits of either case. False (and out wiped) when
// in.size() != 2 * out.size() or any character is not a hex digit.
[[nodiscard]] CHECKPW_API bool hex_decode(std::span<unsigned char> out,
                                          std::span<const unsigned char> in) noexcept;

}  // namespace checkpw
