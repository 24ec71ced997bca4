// Compiled apart from everything else, with the values on the command line (Makefile:
// PATH_DEFS, and the tests' copies), so that a build may link other values.
#include "store/built_in.h"

#ifndef CHECKPW_START_DEADLINE_MS
#define CHECKPW_START_DEADLINE_MS 10000
#endif
#ifndef CHECKPW_START_BUSY_TIMEOUT_MS
#define CHECKPW_START_BUSY_TIMEOUT_MS 5000
#endif

namespace checkpw {

const char* store_default_location() noexcept {
  return CHECKPW_DBPATH;
}

const char* store_location_file() noexcept {
  return CHECKPW_LOCATION_FILE;
}

const char* program_helper_dir() noexcept {
  return CHECKPW_HELPERDIR;
}

int start_deadline_ms() noexcept {
  return CHECKPW_START_DEADLINE_MS;
}

int start_busy_timeout_ms() noexcept {
  return CHECKPW_START_BUSY_TIMEOUT_MS;
}

}  // namespace checkpw
