// What a build compiles in: where the store and the location file are by default, where
// the checkpassword programs' PostgreSQL builds are, and the deadline and busy timeout
// that hold until a store's settings are read. They live in one object of their own
// (built_in.cc), so that a build may link other values: the tests link copies of the
// programs with their own paths (the setuid tests: a database of theirs where the setuid
// copies look) and with short waits (a test of the deadline waits 2 s, not 10).
// Production code has only these values; nothing here is read from the environment.
#pragma once

namespace checkpw {

const char* store_default_location() noexcept;  // DBPATH in config.mk
const char* store_location_file() noexcept;     // LOCATION_FILE
const char* program_helper_dir() noexcept;      // HELPERDIR (auth/login.h)
// The run's deadline until the settings are read (doc/design.md section 2): 10 s.
int start_deadline_ms() noexcept;
// SQLite's busy timeout until the settings are read, and how long a reader retries an
// index nobody rebuilds (doc/design.md section 7): 5 s.
int start_busy_timeout_ms() noexcept;

}  // namespace checkpw
