#include "base/text.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace checkpw {
namespace {

// Length of the UTF-8 sequence at s[i], or 0 if invalid. `cp` receives the code point.
std::size_t utf8_sequence(std::string_view s, std::size_t i, std::uint32_t& cp) noexcept {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::size_t n = 0;
  std::uint32_t min = 0;
  if (c < 0x80) {
    cp = c;
    return 1;
  } else if ((c & 0xe0) == 0xc0) {
    n = 2, cp = c & 0x1fu, min = 0x80;
  } else if ((c & 0xf0) == 0xe0) {
    n = 3, cp = c & 0x0fu, min = 0x800;
  } else if ((c & 0xf8) == 0xf0) {
    n = 4, cp = c & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3fu);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

}  // namespace

Status text_check(std::string_view s, std::string_view what) {
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp = 0;
    const std::size_t n = utf8_sequence(s, i, cp);
    if (n == 0) return Error{Verdict::kMisuse, std::string(what) + " is not valid UTF-8"};
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
      return Error{Verdict::kMisuse, std::string(what) + " contains a control character"};
    }
    i += n;
  }
  return ok_status();
}

}  // namespace checkpw
