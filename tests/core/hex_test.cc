#include "core/hex.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>

#include "support/util.h"

namespace checkpw {
namespace {

TEST(Hex, EncodesLowercase) {
  const unsigned char in[] = {0x00, 0x09, 0x0a, 0x7f, 0x80, 0xab, 0xff};
  char out[14];
  hex_encode(out, in);
  EXPECT_EQ(std::string(out, sizeof out), "00090a7f80abff");
}

TEST(Hex, DecodesEveryByteInBothCases) {
  for (int v = 0; v < 256; ++v) {
    char lower[3], upper[3];
    std::snprintf(lower, sizeof lower, "%02x", v);
    std::snprintf(upper, sizeof upper, "%02X", v);
    unsigned char out[1];
    ASSERT_TRUE(hex_decode(out, test::bytes_of(std::string_view(lower, 2))));
    EXPECT_EQ(out[0], v);
    ASSERT_TRUE(hex_decode(out, test::bytes_of(std::string_view(upper, 2))));
    EXPECT_EQ(out[0], v);
  }
}

TEST(Hex, RejectsEveryNonHexCharacterAndWrongLengths) {
  for (int c = 0; c < 256; ++c) {
    const bool is_hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    const unsigned char in[2] = {'a', static_cast<unsigned char>(c)};
    unsigned char out[1] = {0x55};
    EXPECT_EQ(hex_decode(out, in), is_hex) << "char " << c;
    if (!is_hex) {
      EXPECT_EQ(out[0], 0) << "output not wiped for char " << c;
    }
  }
  unsigned char out[2];
  EXPECT_FALSE(hex_decode(out, test::bytes_of("abc")));
  EXPECT_FALSE(hex_decode(out, test::bytes_of("abcdef")));
}

}  // namespace
}  // namespace checkpw

namespace checkpw {
namespace {

// Every length up to 40 bytes (all SWAR tail shapes), random bytes, both cases, and a
// bad character in every position.
TEST(Hex, RoundTripsAndRejectsAtEveryLength) {
  unsigned seed = 7;
  for (std::size_t n = 0; n <= 40; ++n) {
    test::Bytes in(n);
    for (auto& b : in) b = static_cast<unsigned char>(seed = seed * 1103515245u + 12345u);
    std::string text = test::to_hex(in);
    test::Bytes out(n);
    ASSERT_TRUE(hex_decode(out, test::bytes_of(text))) << n;
    EXPECT_EQ(out, in);
    for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    ASSERT_TRUE(hex_decode(out, test::bytes_of(text))) << n;
    EXPECT_EQ(out, in);
    for (std::size_t pos = 0; pos < text.size(); ++pos) {
      std::string bad = text;
      bad[pos] = pos % 2 == 0 ? 'g' : '\x90';
      EXPECT_FALSE(hex_decode(out, test::bytes_of(bad))) << n << " at " << pos;
    }
  }
}

}  // namespace
}  // namespace checkpw
