#include "core/cram_md5.h"

#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <sstream>

#include "support/util.h"

namespace checkpw {
namespace {

using test::Bytes;

std::string hmac_hex(const Bytes& key, const Bytes& msg) {
  unsigned char d[kMd5DigestSize];
  hmac_md5(key, msg, d);
  return test::to_hex(d, sizeof d);
}

std::string openssl_hmac_hex(const Bytes& key, const Bytes& msg) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  static const unsigned char empty = 0;
  EXPECT_NE(HMAC(EVP_md5(), key.empty() ? &empty : key.data(), static_cast<int>(key.size()),
                 msg.data(), msg.size(), d, &n),
            nullptr);
  return test::to_hex(d, n);
}

std::array<unsigned char, kCramMd5SecretSize> secret_of(std::string_view password) {
  std::array<unsigned char, kCramMd5SecretSize> s;
  cram_md5_secret(test::bytes_of(password), s);
  return s;
}

bool verify(const std::array<unsigned char, kCramMd5SecretSize>& secret, std::string_view challenge,
            std::string_view response) {
  return cram_md5_verify(secret, test::bytes_of(challenge), test::bytes_of(response));
}

TEST(HmacMd5, Rfc2202Cases1To7) {
  auto lines = test::data_lines("hmac_md5.txt");
  ASSERT_EQ(lines.size(), 7u);
  int n = 0;
  for (const auto& line : lines) {
    std::istringstream in(line);
    std::string key, data, digest;
    in >> key >> data >> digest;
    EXPECT_EQ(hmac_hex(test::from_hex(key), test::from_hex(data)), digest) << "case " << ++n;
  }
}

TEST(HmacMd5, DifferentialAgainstOpenSsl10000RandomInputs) {
  std::mt19937_64 rng(2104);
  std::uniform_int_distribution<std::size_t> msg_len(0, 4096);
  std::uniform_int_distribution<std::size_t> key_len(0, 200);  // both sides of 64
  for (int i = 0; i < 10000; ++i) {
    Bytes key(key_len(rng)), msg(msg_len(rng));
    for (auto& b : key) b = static_cast<unsigned char>(rng());
    for (auto& b : msg) b = static_cast<unsigned char>(rng());
    ASSERT_EQ(hmac_hex(key, msg), openssl_hmac_hex(key, msg)) << "input " << i;
  }
}

// RFC 2195 section 2's example.
constexpr std::string_view kRfcChallenge = "<1896.697170952@postoffice.reston.mci.net>";
constexpr std::string_view kRfcResponse = "b913a602c7eda7a495b4e6e7334d3890";

TEST(CramMd5, Rfc2195Example) {
  EXPECT_EQ(hmac_hex(test::bytes_of("tanstaaftanstaaf"), test::bytes_of(kRfcChallenge)),
            kRfcResponse);
  const auto secret = secret_of("tanstaaftanstaaf");
  EXPECT_TRUE(verify(secret, kRfcChallenge, kRfcResponse));
  EXPECT_TRUE(verify(secret, kRfcChallenge, "B913A602C7EDA7A495B4E6E7334D3890"));
  EXPECT_TRUE(verify(secret, kRfcChallenge, "b913A602c7EDa7a495b4e6e7334d3890"));
}

TEST(CramMd5, DovecotSecretOfTest) {
  const auto secret = secret_of("test");
  EXPECT_EQ(test::to_hex(secret.data(), secret.size()),
            "e02d374fde0dc75a17a557039a3a5338c7743304777dccd376f332bee68d2cf6");
}

TEST(CramMd5, DigestFromSecretEqualsHmacFromPassword) {
  std::mt19937_64 rng(2195);
  for (int i = 0; i < 200; ++i) {
    Bytes password(rng() % 150), msg(rng() % 300);
    for (auto& b : password) b = static_cast<unsigned char>(rng());
    for (auto& b : msg) b = static_cast<unsigned char>(rng());
    std::array<unsigned char, kCramMd5SecretSize> secret;
    cram_md5_secret(password, secret);
    unsigned char d[kMd5DigestSize];
    cram_md5_digest(secret, msg, d);
    ASSERT_EQ(test::to_hex(d, sizeof d), openssl_hmac_hex(password, msg));
  }
}

TEST(CramMd5, RejectsWrongResponses) {
  const auto secret = secret_of("tanstaaftanstaaf");
  EXPECT_FALSE(verify(secret_of("tanstaaftanstaag"), kRfcChallenge, kRfcResponse));
  EXPECT_FALSE(verify(secret, "<1896.697170952@postoffice.reston.mci.net", kRfcResponse));
  EXPECT_FALSE(verify(secret, kRfcChallenge, kRfcResponse.substr(0, 31)));       // 31 digits
  EXPECT_FALSE(verify(secret, kRfcChallenge, std::string(kRfcResponse) + "0"));  // 33 digits
  EXPECT_FALSE(verify(secret, kRfcChallenge, ""));
  // Every single-digit change, and a non-hex character in every position.
  for (std::size_t i = 0; i < kRfcResponse.size(); ++i) {
    std::string r(kRfcResponse);
    r[i] = r[i] == '0' ? '1' : '0';
    EXPECT_FALSE(verify(secret, kRfcChallenge, r)) << "digit " << i;
    for (char bad : {'g', 'G', 'x', ' ', '\0', '/', ':', '@', '`', '\xff'}) {
      r = std::string(kRfcResponse);
      r[i] = bad;
      EXPECT_FALSE(verify(secret, kRfcChallenge, r)) << "char " << int(bad) << " at " << i;
    }
  }
}

// Every byte value in every position of a right response, on the short path and the
// long one: accepted exactly when it is the right digit in either case.
TEST(CramMd5, EveryByteInEveryPositionOfTheResponse) {
  const auto secret = secret_of("tanstaaftanstaaf");
  const std::string long_challenge = std::string(kRfcChallenge) + std::string(40, 'x');
  const std::string long_response =
      openssl_hmac_hex(test::bytes_of("tanstaaftanstaaf"), test::bytes_of(long_challenge));
  for (const auto& [challenge, right] :
       {std::pair<std::string, std::string>(kRfcChallenge, kRfcResponse),
        std::pair<std::string, std::string>(long_challenge, long_response)}) {
    for (std::size_t pos = 0; pos < right.size(); ++pos) {
      for (int c = 0; c < 256; ++c) {
        std::string r = right;
        r[pos] = static_cast<char>(c);
        const bool same = std::tolower(c) == right[pos];
        ASSERT_EQ(verify(secret, challenge, r), same)
            << "char " << c << " at " << pos << " of a " << challenge.size() << "-byte challenge";
      }
    }
  }
}

// The short path (challenges under 56 bytes: one block each for the inner and outer
// hash) and the long path meet at 56: every length from 0 to 130, both compressions'
// dispatch as this CPU has it, and responses in both cases from OpenSSL.
TEST(CramMd5, VerifyAgreesWithOpenSslAtEveryChallengeLength) {
  std::mt19937_64 rng(56);
  for (std::size_t n = 0; n <= 130; ++n) {
    for (int round = 0; round < 20; ++round) {
      Bytes password(rng() % 80), challenge(n);
      for (auto& b : password) b = static_cast<unsigned char>(rng());
      for (auto& b : challenge) b = static_cast<unsigned char>(rng());
      std::array<unsigned char, kCramMd5SecretSize> secret;
      cram_md5_secret(password, secret);
      std::string response = openssl_hmac_hex(password, challenge);
      ASSERT_TRUE(cram_md5_verify(secret, challenge, test::bytes_of(response))) << "length " << n;
      for (auto& ch : response)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      ASSERT_TRUE(cram_md5_verify(secret, challenge, test::bytes_of(response))) << "length " << n;
      response[rng() % response.size()] ^= 1;  // '0'<->'1', 'A'<->'@', ...: always wrong
      ASSERT_FALSE(cram_md5_verify(secret, challenge, test::bytes_of(response))) << "length " << n;
    }
  }
}

// md5_hmac_block, through each implementation, is HMAC-MD5 of a one-block message.
TEST(HmacMd5, OneBlockTailThroughEachImplementation) {
  std::mt19937_64 rng(2104 + 1);
  for (Md5Impl impl : {Md5Impl::kPortable, Md5Impl::kAvx512}) {
    for (int i = 0; i < 2000; ++i) {
      Bytes key(rng() % 100), msg(rng() % 56);
      for (auto& b : key) b = static_cast<unsigned char>(rng());
      for (auto& b : msg) b = static_cast<unsigned char>(rng());
      // The pad states, from the C ABI's documented layout: outer words, then inner.
      std::array<unsigned char, kCramMd5SecretSize> secret;
      cram_md5_secret(key, secret);
      Md5State outer, inner, mac;
      for (std::size_t w = 0; w < 8; ++w) {
        std::uint32_t v = 0;
        for (std::size_t b = 0; b < 4; ++b) v |= std::uint32_t{secret[4 * w + b]} << (8 * b);
        (w < 4 ? outer : inner)[w % 4] = v;
      }
      unsigned char block[kMd5BlockSize] = {};
      std::copy(msg.begin(), msg.end(), block);
      block[msg.size()] = 0x80;
      const std::uint64_t bits = (kMd5BlockSize + msg.size()) * 8;
      for (std::size_t b = 0; b < 8; ++b)
        block[56 + b] = static_cast<unsigned char>(bits >> (8 * b));
      md5_hmac_block(impl, inner, outer, block, mac);
      unsigned char d[kMd5DigestSize];
      for (std::size_t b = 0; b < 16; ++b)
        d[b] = static_cast<unsigned char>(mac[b / 4] >> (8 * (b % 4)));
      ASSERT_EQ(test::to_hex(d, sizeof d), openssl_hmac_hex(key, msg))
          << "impl " << static_cast<int>(impl) << " case " << i;
    }
  }
}

}  // namespace
}  // namespace checkpw
