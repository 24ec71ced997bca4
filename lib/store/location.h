// Where the store is: the compiled-in default (DBPATH in config.mk), unless an override
// is given (CHECKPW_DB or --db). The checkpassword programs pass an override only when
// they are not secure (doc/design.md section 5).
#pragma once

#include <string>

namespace checkpw {

// The compiled-in location; a build may link a different definition (the setuid tests).
const char* store_default_location() noexcept;

// `override` when it is set and not empty, else the default.
std::string store_location(const char* override);

}  // namespace checkpw
