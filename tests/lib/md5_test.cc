#include "checkpw/md5.h"

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

}  // namespace
}  // namespace checkpw
