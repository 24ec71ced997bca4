// Kept apart from location.cc so a build can compile it with another CHECKPW_DBPATH.
#include "store/location.h"

namespace checkpw {

const char* store_default_location() noexcept {
  return CHECKPW_DBPATH;
}

const char* store_location_file() noexcept {
  return CHECKPW_LOCATION_FILE;
}

}  // namespace checkpw
