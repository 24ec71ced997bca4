// The request a checkpassword program reads on fd 3: user, secret and a third field
// (a timestamp, or the CRAM-MD5 challenge), each ending in NUL.
#pragma once

#include <string>
#include <string_view>

namespace checkpw::test {

inline std::string checkpassword_request(std::string_view user, std::string_view secret,
                                         std::string_view third = "") {
  std::string r(user);
  r += '\0';
  r += secret;
  r += '\0';
  r += third;
  r += '\0';
  return r;
}

}  // namespace checkpw::test
