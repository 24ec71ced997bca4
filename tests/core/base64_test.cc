#include "core/base64.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <random>
#include <sstream>

#include "support/util.h"

namespace checkpw {
namespace {

using test::Bytes;

std::string encode(const Bytes& in) {
  std::string out(base64_encoded_size(in.size()), '\0');
  EXPECT_EQ(base64_encode(out, in), out.size());
  return out;
}

// Decodes into a buffer of exactly the right size; nullopt on failure.
std::optional<Bytes> decode(std::string_view in, std::size_t cap = SIZE_MAX) {
  Bytes out(cap == SIZE_MAX ? base64_decoded_max(in.size()) : cap, 0xee);
  std::size_t len = 12345;
  if (!base64_decode(out, in, &len)) {
    EXPECT_EQ(len, 0u) << "out_len not zeroed on failure for \"" << in << "\"";
    for (unsigned char b : out) EXPECT_TRUE(b == 0 || b == 0xee) << "output not wiped";
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

TEST(Base64, Rfc4648Section10) {
  auto lines = test::data_lines("base64.txt");
  ASSERT_EQ(lines.size(), 7u);
  for (const auto& line : lines) {
    std::istringstream in(line);
    std::string plain, coded;
    in >> plain >> coded;
    if (plain == "-") plain.clear();
    if (coded == "-") coded.clear();
    EXPECT_EQ(encode(test::bytes_of(plain)), coded);
    auto back = decode(coded);
    ASSERT_TRUE(back.has_value()) << coded;
    EXPECT_EQ(*back, test::bytes_of(plain));
  }
}

TEST(Base64, EncodesAllSixtyFourValues) {
  Bytes in;
  for (int i = 0; i < 64; i += 4) {  // 3 bytes holding the values i, i+1, i+2, i+3
    in.push_back(static_cast<unsigned char>(i << 2 | (i + 1) >> 4));
    in.push_back(static_cast<unsigned char>(((i + 1) & 15) << 4 | (i + 2) >> 2));
    in.push_back(static_cast<unsigned char>(((i + 2) & 3) << 6 | (i + 3)));
  }
  EXPECT_EQ(encode(in), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
}

TEST(Base64, RejectsCharactersOutsideTheAlphabet) {
  for (int c = 0; c < 256; ++c) {
    const bool in_alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                             (c >= '0' && c <= '9') || c == '+' || c == '/';
    for (int pos = 0; pos < 4; ++pos) {
      std::string s = "QUJD";  // "ABC"
      s[static_cast<std::size_t>(pos)] = static_cast<char>(c);
      if (c == '=' && pos >= 2) continue;  // padding classes are tested below
      EXPECT_EQ(decode(s).has_value(), in_alphabet) << "char " << c << " at " << pos;
    }
  }
  EXPECT_FALSE(decode("Zm9v\nYmFy").has_value());
  EXPECT_FALSE(decode("Zm9v YmE=").has_value());
  EXPECT_FALSE(decode("Zm9v-_==").has_value());  // base64url is not accepted
}

TEST(Base64, RejectsMissingOrWrongPadding) {
  EXPECT_FALSE(decode("Zg").has_value());   // missing
  EXPECT_FALSE(decode("Zg=").has_value());  // short
  EXPECT_FALSE(decode("Zm8").has_value());
  EXPECT_FALSE(decode("Zg===").has_value());  // too much
  EXPECT_FALSE(decode("Z===").has_value());
  EXPECT_FALSE(decode("====").has_value());
  EXPECT_FALSE(decode("Zm=v").has_value());  // in the middle
  EXPECT_FALSE(decode("Zg==Zm9v").has_value());
  EXPECT_FALSE(decode("=Zm9").has_value());
  EXPECT_FALSE(decode("Zm9vY").has_value());  // length not a multiple of 4
}

TEST(Base64, RejectsNonZeroTrailingBits) {
  EXPECT_TRUE(decode("Zg==").has_value());
  EXPECT_FALSE(decode("Zh==").has_value());
  EXPECT_FALSE(decode("Zv==").has_value());
  EXPECT_TRUE(decode("Zm8=").has_value());
  EXPECT_FALSE(decode("Zm9=").has_value());
  EXPECT_TRUE(decode("Zm//").has_value());  // no padding: every bit is data
}

TEST(Base64, RejectsOutputTooSmallWithoutWriting) {
  EXPECT_FALSE(decode("Zm9vYmFy", 5).has_value());
  EXPECT_TRUE(decode("Zm9vYmFy", 6).has_value());
  EXPECT_FALSE(decode("Zm9vYg==", 3).has_value());
  EXPECT_TRUE(decode("Zm9vYg==", 4).has_value());
  std::string out(3, 'x');
  EXPECT_EQ(base64_encode(out, test::bytes_of("ab")), 0u);
  EXPECT_EQ(out, "xxx");
}

// OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock as the independent peer. EVP_DecodeBlock
// is lenient (it trims whitespace) and counts padding as zero bytes, so only valid
// input is compared and its length corrected by the padding.
TEST(Base64, DifferentialAgainstOpenSsl10000RandomInputs) {
  std::mt19937_64 rng(4648);
  std::uniform_int_distribution<std::size_t> len(0, 4096);
  for (int i = 0; i < 10000; ++i) {
    Bytes in(len(rng));
    for (auto& b : in) b = static_cast<unsigned char>(rng());
    const std::string ours = encode(in);
    std::string theirs(4 * ((in.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(theirs.data()), in.data(),
                                  static_cast<int>(in.size()));
    theirs.resize(static_cast<std::size_t>(n));
    ASSERT_EQ(ours, theirs) << "input " << i;

    Bytes peer(ours.size() / 4 * 3 + 1);
    const int m = EVP_DecodeBlock(peer.data(), reinterpret_cast<const unsigned char*>(ours.data()),
                                  static_cast<int>(ours.size()));
    ASSERT_GE(m, 0);
    std::size_t pad = 0;
    if (!ours.empty() && ours.back() == '=') pad = ours[ours.size() - 2] == '=' ? 2 : 1;
    peer.resize(static_cast<std::size_t>(m) - pad);
    auto back = decode(ours);
    ASSERT_TRUE(back.has_value());
    ASSERT_EQ(*back, peer) << "input " << i;
    ASSERT_EQ(*back, in);
  }
}

// The bulk runs in 64-character blocks (and 16 when decoding) and the rest in 8-character
// words and a partial last word, so every length up to a few blocks crosses each boundary: encode
// against OpenSSL, decode back.
TEST(Base64, RoundTripsAtEveryLengthTo200) {
  std::mt19937_64 rng(200);
  for (std::size_t n = 0; n <= 200; ++n) {
    Bytes in(n);
    for (auto& b : in) b = static_cast<unsigned char>(rng());
    const std::string ours = encode(in);
    std::string theirs(4 * ((n + 2) / 3) + 1, '\0');
    const int m = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(theirs.data()), in.data(),
                                  static_cast<int>(n));
    theirs.resize(static_cast<std::size_t>(m));
    ASSERT_EQ(ours, theirs) << "length " << n;
    auto back = decode(ours);
    ASSERT_TRUE(back.has_value()) << "length " << n;
    ASSERT_EQ(*back, in) << "length " << n;
  }
}

// One bad character at every position of every encoded length to 200 (and every class of
// bad character at every position of one long input) must be caught, whichever path
// (whole block, small block, word, padded last word) holds it.
TEST(Base64, RejectsAnInvalidCharacterAtEveryPosition) {
  const std::string bad_chars = std::string("=-_ .:@[`{\x7f\x80\xff\n", 15) + '\0';
  for (std::size_t n = 1; n <= 150; ++n) {
    Bytes in(n);
    for (std::size_t i = 0; i < n; ++i) in[i] = static_cast<unsigned char>(i * 37 + n);
    const std::string good = encode(in);
    const std::size_t pad = good.back() != '=' ? 0 : (good[good.size() - 2] == '=' ? 2 : 1);
    for (std::size_t pos = 0; pos + pad < good.size(); ++pos) {
      for (char c : bad_chars) {
        // A '=' just before the padding (or last) may form valid shorter padding.
        if (c == '=' && pos + pad + 1 == good.size()) continue;
        std::string s = good;
        s[pos] = c;
        ASSERT_FALSE(decode(s).has_value())
            << "length " << n << " position " << pos << " char " << int(c);
      }
    }
  }
  std::string good = encode(Bytes(3 * 100, 0x5a));
  for (std::size_t pos = 0; pos < good.size(); ++pos) {
    for (int c = 0; c < 256; ++c) {
      const bool in_alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                               (c >= '0' && c <= '9') || c == '+' || c == '/';
      if (in_alphabet) continue;
      std::string s = good;
      s[pos] = static_cast<char>(c);
      ASSERT_FALSE(decode(s).has_value()) << "position " << pos << " char " << c;
    }
  }
}

// Every last quad's spare bits, at every length class and block position.
TEST(Base64, RejectsNonZeroTrailingBitsAtEveryLength) {
  for (std::size_t n = 1; n <= 200; ++n) {
    if (n % 3 == 0) continue;
    const std::string good = encode(Bytes(n, 0xa5));
    // The last data character carries the spare bits: 4 of them with "==", 2 with "=".
    const std::size_t last = good.size() - (n % 3 == 1 ? 3 : 2);
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const std::size_t v = alphabet.find(good[last]);
    const unsigned spare_mask = n % 3 == 1 ? 0xfu : 0x3u;
    for (unsigned bit = 1; bit <= spare_mask; bit <<= 1) {
      std::string s = good;
      s[last] = alphabet[v ^ bit];
      ASSERT_FALSE(decode(s).has_value()) << "length " << n << " bit " << bit;
    }
  }
}

// The exact output size is enough at every length, one byte less is refused.
TEST(Base64, DecodesIntoExactSizeAndRejectsOneLessAtEveryLength) {
  for (std::size_t n = 1; n <= 200; ++n) {
    Bytes in(n, static_cast<unsigned char>(n));
    const std::string s = encode(in);
    auto exact = decode(s, n);
    ASSERT_TRUE(exact.has_value()) << "length " << n;
    ASSERT_EQ(*exact, in);
    ASSERT_FALSE(decode(s, n - 1).has_value()) << "length " << n;
    std::string out(base64_encoded_size(n) - 1, 'x');
    ASSERT_EQ(base64_encode(out, in), 0u);
    ASSERT_EQ(out, std::string(base64_encoded_size(n) - 1, 'x'));
  }
}

// The blocks and the partial last word write exactly the output's bytes: the guard bytes
// after it stay as they were, at every length.
TEST(Base64, WritesNothingPastTheOutputAtEveryLength) {
  std::mt19937_64 rng(4648);
  for (std::size_t n = 0; n <= 200; ++n) {
    Bytes in(n);
    for (auto& b : in) b = static_cast<unsigned char>(rng());
    const std::size_t chars = base64_encoded_size(n);
    std::string coded(chars + 8, '#');
    ASSERT_EQ(base64_encode(std::span<char>(coded).first(chars), in), chars);
    ASSERT_EQ(coded.substr(chars), std::string(8, '#')) << "length " << n;
    coded.resize(chars);
    Bytes out(n + 8, 0xee);
    std::size_t len = 0;
    ASSERT_TRUE(base64_decode(std::span<unsigned char>(out).first(n), coded, &len));
    ASSERT_EQ(len, n);
    ASSERT_TRUE(std::equal(in.begin(), in.end(), out.begin())) << "length " << n;
    ASSERT_EQ(Bytes(out.begin() + static_cast<std::ptrdiff_t>(n), out.end()), Bytes(8, 0xee))
        << "length " << n;
  }
}

// Decoding in place (output over the input, as a server may do with a SASL line) works:
// every block reads all its characters before it writes, and writes only below them.
TEST(Base64, DecodesInPlaceAtEveryLength) {
  std::mt19937_64 rng(3548);
  for (std::size_t n = 0; n <= 300; ++n) {
    Bytes in(n);
    for (auto& b : in) b = static_cast<unsigned char>(rng());
    std::string buf = encode(in);
    std::size_t len = 0;
    auto* p = reinterpret_cast<unsigned char*>(buf.data());
    ASSERT_TRUE(base64_decode(std::span<unsigned char>(p, n), buf, &len)) << "length " << n;
    ASSERT_EQ(len, n);
    ASSERT_TRUE(std::equal(in.begin(), in.end(), p)) << "length " << n;
  }
}

}  // namespace
}  // namespace checkpw
