#include "core/md5.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <random>

#include "support/util.h"

namespace checkpw {
namespace {

using test::Bytes;

std::string md5_hex(const Bytes& in) {
  unsigned char d[kMd5DigestSize];
  md5(in, d);
  return test::to_hex(d, sizeof d);
}

std::string openssl_md5_hex(const Bytes& in) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EXPECT_EQ(EVP_Digest(in.data(), in.size(), d, &n, EVP_md5(), nullptr), 1);
  return test::to_hex(d, n);
}

TEST(Md5, Rfc1321AppendixA5) {
  auto lines = test::data_lines("md5.txt");
  ASSERT_EQ(lines.size(), 7u);
  for (const auto& line : lines) {
    const std::string digest = line.substr(0, 32);
    const std::string msg = line.size() > 33 ? line.substr(33) : "";
    EXPECT_EQ(md5_hex(test::bytes_of(msg)), digest) << "message \"" << msg << "\"";
  }
}

TEST(Md5, StreamingMatchesOneShotAtEverySplit) {
  Bytes msg(300);
  for (std::size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<unsigned char>(i * 7 + 1);
  const std::string whole = md5_hex(msg);
  for (std::size_t split = 0; split <= msg.size(); ++split) {
    Md5 ctx;
    ctx.update(std::span(msg).first(split));
    ctx.update(std::span(msg).subspan(split));
    unsigned char d[kMd5DigestSize];
    ctx.final(d);
    ASSERT_EQ(test::to_hex(d, sizeof d), whole) << "split at " << split;
  }
}

// Every length around the padding boundaries (55/56/63/64 bytes) and beyond.
TEST(Md5, AgreesWithOpenSslAtEveryLengthTo300) {
  Bytes msg;
  for (int n = 0; n <= 300; ++n) {
    ASSERT_EQ(md5_hex(msg), openssl_md5_hex(msg)) << "length " << n;
    msg.push_back(static_cast<unsigned char>(n ^ 0x5a));
  }
}

TEST(Md5, DifferentialAgainstOpenSsl10000RandomInputs) {
  std::mt19937_64 rng(0x636865636b7077);  // fixed seed: failures reproduce
  std::uniform_int_distribution<std::size_t> len(0, 4096);
  for (int i = 0; i < 10000; ++i) {
    Bytes msg(len(rng));
    for (auto& b : msg) b = static_cast<unsigned char>(rng());
    ASSERT_EQ(md5_hex(msg), openssl_md5_hex(msg)) << "input " << i << " length " << msg.size();
  }
}

// MD5 through one named compression, with the padding done here (RFC 1321 section 3.1-3.2)
// rather than by Md5, so each implementation is checked on its own.
std::string md5_hex_with(Md5Impl impl, const Bytes& in) {
  Bytes padded(in);
  padded.push_back(0x80);
  while (padded.size() % kMd5BlockSize != 56) padded.push_back(0);
  const std::uint64_t bits = std::uint64_t{in.size()} * 8;
  for (int i = 0; i < 8; ++i) padded.push_back(static_cast<unsigned char>(bits >> (8 * i)));
  Md5State s = kMd5Init;
  md5_compress_with(impl, s, padded.data(), padded.size() / kMd5BlockSize);
  unsigned char d[kMd5DigestSize];
  for (std::size_t i = 0; i < 16; ++i) d[i] = static_cast<unsigned char>(s[i / 4] >> (8 * (i % 4)));
  return test::to_hex(d, sizeof d);
}

// Both compressions against OpenSSL, whichever the CPU picks for md5(): the portable one
// is what every machine without AVX-512VL runs, so it must be proven here too.
TEST(Md5, EachImplementationAgreesWithOpenSsl) {
  std::mt19937_64 rng(1321);
  std::uniform_int_distribution<std::size_t> len(0, 1000);
  for (Md5Impl impl : {Md5Impl::kPortable, Md5Impl::kAvx512}) {
    for (const auto& line : test::data_lines("md5.txt")) {
      const std::string msg = line.size() > 33 ? line.substr(33) : "";
      EXPECT_EQ(md5_hex_with(impl, test::bytes_of(msg)), line.substr(0, 32));
    }
    for (int i = 0; i < 2000; ++i) {
      Bytes msg(len(rng));
      for (auto& b : msg) b = static_cast<unsigned char>(rng());
      ASSERT_EQ(md5_hex_with(impl, msg), openssl_md5_hex(msg))
          << "impl " << static_cast<int>(impl) << " input " << i;
    }
  }
}

// The vector compression from arbitrary chaining states (HMAC starts from the pad
// states, not the initial value), block for block against the portable one.
TEST(Md5, Avx512MatchesPortableFromRandomStates) {
  if (!md5_avx512_available()) GTEST_SKIP() << "this CPU has no AVX-512VL";
  std::mt19937_64 rng(0x4176783531);
  for (int i = 0; i < 20000; ++i) {
    Md5State s;
    for (auto& w : s) w = static_cast<std::uint32_t>(rng());
    unsigned char block[2 * kMd5BlockSize];
    for (auto& b : block) b = static_cast<unsigned char>(rng());
    const std::size_t blocks = 1 + (i & 1);
    Md5State p = s, v = s;
    md5_compress_with(Md5Impl::kPortable, p, block, blocks);
    md5_compress_with(Md5Impl::kAvx512, v, block, blocks);
    ASSERT_EQ(p, v) << "case " << i;
  }
}

}  // namespace
}  // namespace checkpw
