#include "store/location.h"

namespace checkpw {

std::string store_location(const char* override) {
  return override != nullptr && *override != '\0' ? override : store_default_location();
}

}  // namespace checkpw
