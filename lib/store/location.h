// Where the store is: an override (CHECKPW_DB or --db) when one is given, else the one
// line of the location file (LOCATION_FILE in config.mk, /etc/checkpw/location) when it
// exists, else the compiled-in default (DBPATH). The checkpassword programs pass an
// override only when they are not secure (doc/design.md section 5), so under setuid the
// location, and any password in it, comes only from that root-owned file.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "store/built_in.h"

namespace checkpw {

// The location file at `path`: nullopt when there is none. Otherwise it must be a regular
// file (not a symbolic link) owned by root, writable by no one else, at most 4096 bytes,
// holding exactly one line that is not blank or a # comment, without control characters:
// kTempFail saying what is wrong. The file may hold a password: the buffer is wiped.
[[nodiscard]] Result<std::optional<std::string>> location_file_read(const char* path);

// `override` when it is set and not empty, else the location file's line, else the
// default. kTempFail when the location file exists but cannot be used.
[[nodiscard]] Result<std::string> store_location(const char* override);

// A location is PostgreSQL when it is a postgresql:// or postgres:// URI.
bool pg_location(std::string_view location) noexcept;

// The location as it may be shown in a message: a PostgreSQL URI with its password
// (user:PASSWORD@ and any password= parameter) replaced by "***"; a path as it is.
std::string location_shown(std::string_view location);

// `message` with every password `location` holds, as written in it, replaced by "***":
// for a message from elsewhere (libpq's) that may quote the location, password and all.
std::string location_scrubbed(std::string message, std::string_view location);

}  // namespace checkpw
