// Text checks shared by everything that accepts a name or a path: valid UTF-8 (RFC 3629)
// without control characters. Never logs and never keeps what it checks.
#pragma once

#include <string_view>

#include "base/result.h"

namespace checkpw {

// Valid UTF-8 (no overlongs, surrogates or values past U+10FFFF) without C0, DEL or C1
// control characters (so no NUL, TAB or LF). kMisuse naming `what` otherwise.
[[nodiscard]] Status text_check(std::string_view s, std::string_view what);

}  // namespace checkpw
