// The SQLite database as a file (doc/design.md section 7): creating it with its mode and group
// before SQLite writes a byte, keeping the persistent -wal and -shm files that read-only
// group members need, judging whether an existing file may be taken over, and auditing
// the permissions of the file, its WAL files and its directory. Files are opened with
// O_NOFOLLOW | O_CLOEXEC and checked with fstat; modes are never widened.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace checkpw {

// Creates `path` empty with O_EXCL: mode 0600, or 0640 and `group`. kReject when it
// exists; kTempFail for any other failure (nothing is left behind then).
[[nodiscard]] Status db_file_create(const std::string& path, std::optional<gid_t> group);

// Removes the database and its companions (after a failed creation).
void db_file_remove(const std::string& path) noexcept;

// Gives existing -wal and -shm files the database's mode, owner (when root) and group.
[[nodiscard]] Status db_file_match_wal(const std::string& path);

// Whether userdb-tool may open an existing file as its database: a regular file, not a
// link, owned by us (or by root, when we are root), neither group-writable nor readable
// or writable by others. kReject with the reason otherwise; nothing is changed.
[[nodiscard]] Status db_file_check_owned(const std::string& path);

// Warnings for the file, -wal, -shm and the directory: access beyond the owner and the
// file's group, group write access, missing or mismatched WAL files. kTempFail when the
// file or its directory cannot be examined.
[[nodiscard]] Result<std::vector<std::string>> db_file_audit(const std::string& path);

}  // namespace checkpw
