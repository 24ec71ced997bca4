// MD5 compression per RFC 1321 section 3.4, written for the dependency chain: the
// message word and round constant are added off the critical path, G is computed as
// the sum of two disjoint terms, and I reuses a single not.
#include "checkpw/md5.h"

#include <sodium.h>

#include <bit>
#include <cstring>

namespace checkpw {
namespace {

inline std::uint32_t load_le32(const unsigned char* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap32(v);
  return v;
}

inline void store_le32(unsigned char* p, std::uint32_t v) noexcept {
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap32(v);
  std::memcpy(p, &v, sizeof v);
}

// F(b,c,d) = (b & c) | (~b & d), written as d ^ (b & (c ^ d)).
#define MD5_F(a, b, c, d, m, k, s)              \
  a += (m) + (k) + ((d) ^ ((b) & ((c) ^ (d)))); \
  a = std::rotl(a, s) + (b)
// G(b,c,d) = (b & d) | (c & ~d): the two terms never share a bit, so add them.
#define MD5_G(a, b, c, d, m, k, s) \
  a += (m) + (k) + ((c) & ~(d));   \
  a += ((b) & (d));                \
  a = std::rotl(a, s) + (b)
#define MD5_H(a, b, c, d, m, k, s)    \
  a += (m) + (k) + ((b) ^ (c) ^ (d)); \
  a = std::rotl(a, s) + (b)
#define MD5_I(a, b, c, d, m, k, s)       \
  a += (m) + (k) + ((c) ^ ((b) | ~(d))); \
  a = std::rotl(a, s) + (b)

}  // namespace

// Message words are read where they lie (x86 folds the load into the add), so no copy
// of the block is left on the stack: the caller owns, and wipes, the only one.
#define M(i) load_le32(data + 4 * (i))

void md5_compress(Md5State& state, const unsigned char* data, std::size_t blocks) noexcept {
  std::uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  for (; blocks != 0; --blocks, data += kMd5BlockSize) {
    const std::uint32_t aa = a, bb = b, cc = c, dd = d;

    MD5_F(a, b, c, d, M(0), 0xd76aa478u, 7);
    MD5_F(d, a, b, c, M(1), 0xe8c7b756u, 12);
    MD5_F(c, d, a, b, M(2), 0x242070dbu, 17);
    MD5_F(b, c, d, a, M(3), 0xc1bdceeeu, 22);
    MD5_F(a, b, c, d, M(4), 0xf57c0fafu, 7);
    MD5_F(d, a, b, c, M(5), 0x4787c62au, 12);
    MD5_F(c, d, a, b, M(6), 0xa8304613u, 17);
    MD5_F(b, c, d, a, M(7), 0xfd469501u, 22);
    MD5_F(a, b, c, d, M(8), 0x698098d8u, 7);
    MD5_F(d, a, b, c, M(9), 0x8b44f7afu, 12);
    MD5_F(c, d, a, b, M(10), 0xffff5bb1u, 17);
    MD5_F(b, c, d, a, M(11), 0x895cd7beu, 22);
    MD5_F(a, b, c, d, M(12), 0x6b901122u, 7);
    MD5_F(d, a, b, c, M(13), 0xfd987193u, 12);
    MD5_F(c, d, a, b, M(14), 0xa679438eu, 17);
    MD5_F(b, c, d, a, M(15), 0x49b40821u, 22);

    MD5_G(a, b, c, d, M(1), 0xf61e2562u, 5);
    MD5_G(d, a, b, c, M(6), 0xc040b340u, 9);
    MD5_G(c, d, a, b, M(11), 0x265e5a51u, 14);
    MD5_G(b, c, d, a, M(0), 0xe9b6c7aau, 20);
    MD5_G(a, b, c, d, M(5), 0xd62f105du, 5);
    MD5_G(d, a, b, c, M(10), 0x02441453u, 9);
    MD5_G(c, d, a, b, M(15), 0xd8a1e681u, 14);
    MD5_G(b, c, d, a, M(4), 0xe7d3fbc8u, 20);
    MD5_G(a, b, c, d, M(9), 0x21e1cde6u, 5);
    MD5_G(d, a, b, c, M(14), 0xc33707d6u, 9);
    MD5_G(c, d, a, b, M(3), 0xf4d50d87u, 14);
    MD5_G(b, c, d, a, M(8), 0x455a14edu, 20);
    MD5_G(a, b, c, d, M(13), 0xa9e3e905u, 5);
    MD5_G(d, a, b, c, M(2), 0xfcefa3f8u, 9);
    MD5_G(c, d, a, b, M(7), 0x676f02d9u, 14);
    MD5_G(b, c, d, a, M(12), 0x8d2a4c8au, 20);

    MD5_H(a, b, c, d, M(5), 0xfffa3942u, 4);
    MD5_H(d, a, b, c, M(8), 0x8771f681u, 11);
    MD5_H(c, d, a, b, M(11), 0x6d9d6122u, 16);
    MD5_H(b, c, d, a, M(14), 0xfde5380cu, 23);
    MD5_H(a, b, c, d, M(1), 0xa4beea44u, 4);
    MD5_H(d, a, b, c, M(4), 0x4bdecfa9u, 11);
    MD5_H(c, d, a, b, M(7), 0xf6bb4b60u, 16);
    MD5_H(b, c, d, a, M(10), 0xbebfbc70u, 23);
    MD5_H(a, b, c, d, M(13), 0x289b7ec6u, 4);
    MD5_H(d, a, b, c, M(0), 0xeaa127fau, 11);
    MD5_H(c, d, a, b, M(3), 0xd4ef3085u, 16);
    MD5_H(b, c, d, a, M(6), 0x04881d05u, 23);
    MD5_H(a, b, c, d, M(9), 0xd9d4d039u, 4);
    MD5_H(d, a, b, c, M(12), 0xe6db99e5u, 11);
    MD5_H(c, d, a, b, M(15), 0x1fa27cf8u, 16);
    MD5_H(b, c, d, a, M(2), 0xc4ac5665u, 23);

    MD5_I(a, b, c, d, M(0), 0xf4292244u, 6);
    MD5_I(d, a, b, c, M(7), 0x432aff97u, 10);
    MD5_I(c, d, a, b, M(14), 0xab9423a7u, 15);
    MD5_I(b, c, d, a, M(5), 0xfc93a039u, 21);
    MD5_I(a, b, c, d, M(12), 0x655b59c3u, 6);
    MD5_I(d, a, b, c, M(3), 0x8f0ccc92u, 10);
    MD5_I(c, d, a, b, M(10), 0xffeff47du, 15);
    MD5_I(b, c, d, a, M(1), 0x85845dd1u, 21);
    MD5_I(a, b, c, d, M(8), 0x6fa87e4fu, 6);
    MD5_I(d, a, b, c, M(15), 0xfe2ce6e0u, 10);
    MD5_I(c, d, a, b, M(6), 0xa3014314u, 15);
    MD5_I(b, c, d, a, M(13), 0x4e0811a1u, 21);
    MD5_I(a, b, c, d, M(4), 0xf7537e82u, 6);
    MD5_I(d, a, b, c, M(11), 0xbd3af235u, 10);
    MD5_I(c, d, a, b, M(2), 0x2ad7d2bbu, 15);
    MD5_I(b, c, d, a, M(9), 0xeb86d391u, 21);

    a += aa;
    b += bb;
    c += cc;
    d += dd;
  }
  state[0] = a;
  state[1] = b;
  state[2] = c;
  state[3] = d;
}

#undef M
#undef MD5_F
#undef MD5_G
#undef MD5_H
#undef MD5_I

Md5::~Md5() {
  sodium_memzero(state_.data(), sizeof state_);
  sodium_memzero(buffer_.data(), buffer_.size());
}

void Md5::update(std::span<const unsigned char> data) noexcept {
  const unsigned char* p = data.data();
  std::size_t n = data.size();
  total_ += n;
  if (buffered_ != 0) {
    std::size_t take = kMd5BlockSize - buffered_;
    if (take > n) take = n;
    std::memcpy(buffer_.data() + buffered_, p, take);
    buffered_ += take;
    p += take;
    n -= take;
    if (buffered_ < kMd5BlockSize) return;
    md5_compress(state_, buffer_.data(), 1);
    buffered_ = 0;
  }
  if (n >= kMd5BlockSize) {
    std::size_t blocks = n / kMd5BlockSize;
    md5_compress(state_, p, blocks);
    p += blocks * kMd5BlockSize;
    n -= blocks * kMd5BlockSize;
  }
  if (n != 0) {
    std::memcpy(buffer_.data(), p, n);
    buffered_ = n;
  }
}

// RFC 1321 section 3.1-3.2: a 1 bit, zeros to 56 mod 64, the bit length little-endian.
void Md5::final(std::span<unsigned char, kMd5DigestSize> digest) noexcept {
  const std::uint64_t bits = total_ * 8;
  buffer_[buffered_++] = 0x80;
  if (buffered_ > kMd5BlockSize - 8) {
    std::memset(buffer_.data() + buffered_, 0, kMd5BlockSize - buffered_);
    md5_compress(state_, buffer_.data(), 1);
    buffered_ = 0;
  }
  std::memset(buffer_.data() + buffered_, 0, kMd5BlockSize - 8 - buffered_);
  store_le32(buffer_.data() + 56, static_cast<std::uint32_t>(bits));
  store_le32(buffer_.data() + 60, static_cast<std::uint32_t>(bits >> 32));
  md5_compress(state_, buffer_.data(), 1);
  for (int i = 0; i < 4; ++i)
    store_le32(digest.data() + 4 * i, state_[static_cast<std::size_t>(i)]);
  buffered_ = 0;
}

void md5(std::span<const unsigned char> data,
         std::span<unsigned char, kMd5DigestSize> digest) noexcept {
  Md5 ctx;
  ctx.update(data);
  ctx.final(digest);
}

}  // namespace checkpw
