// Base64, RFC 4648 section 4: standard alphabet, '=' padding, strict decoding.
// SASL PLAIN and LOGIN carry passwords in Base64, so neither direction indexes a table
// by, or branches on, the data's bytes: the mapping is branch-free arithmetic.
// Branches depend only on lengths.
#pragma once

#include <cstddef>
#include <span>

namespace checkpw {

// Characters needed to encode n bytes, or 0 if that number does not fit in size_t.
std::size_t base64_encoded_size(std::size_t n) noexcept;

// Largest number of bytes n characters can decode to.
std::size_t base64_decoded_max(std::size_t n) noexcept;

// Encodes `in` into `out` (no NUL). Returns the characters written, or 0 when `out`
// is smaller than base64_encoded_size(in.size()) (then nothing is written). The two
// must not overlap.
std::size_t base64_encode(std::span<char> out, std::span<const unsigned char> in) noexcept;

// Strict decoding: true and *out_len set on success; false and *out_len = 0 (and
// `out` wiped) for a length that is not a multiple of 4, a character outside the
// alphabet, missing or misplaced padding, non-zero trailing bits, or `out` too small.
// `out` may start where `in` does (decoding in place); no other overlap is allowed.
[[nodiscard]] bool base64_decode(std::span<unsigned char> out, std::span<const char> in,
                                 std::size_t* out_len) noexcept;

}  // namespace checkpw
