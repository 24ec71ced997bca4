// The request a checkpassword program reads on fd 3: user, secret and a third field
// (a timestamp, or the CRAM-MD5 challenge), each ending in NUL.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
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

// doc/design.md section 8: no password, response, challenge or hash may reach a log. Every
// test that runs a checkpassword program passes its stderr and its secrets here.
inline void expect_no_secrets(const std::string& err,
                              std::initializer_list<std::string_view> secrets) {
  for (std::string_view s : secrets) {
    EXPECT_EQ(err.find(s), std::string::npos) << "stderr reveals \"" << s << "\": " << err;
  }
  EXPECT_EQ(err.find("$argon2id$"), std::string::npos) << "stderr reveals a hash: " << err;
}

}  // namespace checkpw::test
