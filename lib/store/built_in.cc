// Kept apart from location.cc so a build can compile it with other paths.
#include "store/location.h"

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

}  // namespace checkpw
