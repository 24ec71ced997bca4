// MD5 compression per RFC 1321 section 3.4, written for the dependency chain: the
// message word and round constant are added off the critical path, G is computed as
// the sum of two disjoint terms, and I reuses a single not. The portable rounds run on
// general registers (F and I cost five cycles a step, G and H four); on x86-64 with
// AVX-512VL the same rounds run on vector registers, where each round function is one
// three-input logic instruction and the rotate is one instruction: four cycles a step.
#include "core/md5.h"

#include <sodium.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define CHECKPW_MD5_AVX512 1
#if __has_include(<sys/platform/x86.h>)
// glibc's header declares its inline helpers as returning C's _Bool, which clang's C++
// does not know (g++ accepts it).
#if defined(__clang__)
#define _Bool bool
#include <sys/platform/x86.h>
#undef _Bool
#else
#include <sys/platform/x86.h>
#endif
#define CHECKPW_GLIBC_X86 1
#else
#define CHECKPW_GLIBC_X86 0
#endif
#define CHECKPW_AVX512 __attribute__((target("avx512f,avx512vl")))
#else
#define CHECKPW_MD5_AVX512 0
#endif

namespace checkpw {
namespace {

// The outer hash of HMAC-MD5 after its opad block: the 16-byte inner digest, then the
// padding for 64 + 16 bytes (RFC 1321 section 3.1-3.2). Words 0-3 are the digest.
constexpr std::uint32_t outer_pad_word(int i) noexcept {
  return i == 4 ? 0x80u : i == 14 ? (kMd5BlockSize + kMd5DigestSize) * 8 : 0u;
}

// The 64 steps of RFC 1321 section 3.4, once for both implementations: round function,
// the registers in turn, message word, constant, rotation.
#define MD5_STEPS(F, G, H, I)         \
  F(a, b, c, d, 0, 0xd76aa478u, 7);   \
  F(d, a, b, c, 1, 0xe8c7b756u, 12);  \
  F(c, d, a, b, 2, 0x242070dbu, 17);  \
  F(b, c, d, a, 3, 0xc1bdceeeu, 22);  \
  F(a, b, c, d, 4, 0xf57c0fafu, 7);   \
  F(d, a, b, c, 5, 0x4787c62au, 12);  \
  F(c, d, a, b, 6, 0xa8304613u, 17);  \
  F(b, c, d, a, 7, 0xfd469501u, 22);  \
  F(a, b, c, d, 8, 0x698098d8u, 7);   \
  F(d, a, b, c, 9, 0x8b44f7afu, 12);  \
  F(c, d, a, b, 10, 0xffff5bb1u, 17); \
  F(b, c, d, a, 11, 0x895cd7beu, 22); \
  F(a, b, c, d, 12, 0x6b901122u, 7);  \
  F(d, a, b, c, 13, 0xfd987193u, 12); \
  F(c, d, a, b, 14, 0xa679438eu, 17); \
  F(b, c, d, a, 15, 0x49b40821u, 22); \
  G(a, b, c, d, 1, 0xf61e2562u, 5);   \
  G(d, a, b, c, 6, 0xc040b340u, 9);   \
  G(c, d, a, b, 11, 0x265e5a51u, 14); \
  G(b, c, d, a, 0, 0xe9b6c7aau, 20);  \
  G(a, b, c, d, 5, 0xd62f105du, 5);   \
  G(d, a, b, c, 10, 0x02441453u, 9);  \
  G(c, d, a, b, 15, 0xd8a1e681u, 14); \
  G(b, c, d, a, 4, 0xe7d3fbc8u, 20);  \
  G(a, b, c, d, 9, 0x21e1cde6u, 5);   \
  G(d, a, b, c, 14, 0xc33707d6u, 9);  \
  G(c, d, a, b, 3, 0xf4d50d87u, 14);  \
  G(b, c, d, a, 8, 0x455a14edu, 20);  \
  G(a, b, c, d, 13, 0xa9e3e905u, 5);  \
  G(d, a, b, c, 2, 0xfcefa3f8u, 9);   \
  G(c, d, a, b, 7, 0x676f02d9u, 14);  \
  G(b, c, d, a, 12, 0x8d2a4c8au, 20); \
  H(a, b, c, d, 5, 0xfffa3942u, 4);   \
  H(d, a, b, c, 8, 0x8771f681u, 11);  \
  H(c, d, a, b, 11, 0x6d9d6122u, 16); \
  H(b, c, d, a, 14, 0xfde5380cu, 23); \
  H(a, b, c, d, 1, 0xa4beea44u, 4);   \
  H(d, a, b, c, 4, 0x4bdecfa9u, 11);  \
  H(c, d, a, b, 7, 0xf6bb4b60u, 16);  \
  H(b, c, d, a, 10, 0xbebfbc70u, 23); \
  H(a, b, c, d, 13, 0x289b7ec6u, 4);  \
  H(d, a, b, c, 0, 0xeaa127fau, 11);  \
  H(c, d, a, b, 3, 0xd4ef3085u, 16);  \
  H(b, c, d, a, 6, 0x04881d05u, 23);  \
  H(a, b, c, d, 9, 0xd9d4d039u, 4);   \
  H(d, a, b, c, 12, 0xe6db99e5u, 11); \
  H(c, d, a, b, 15, 0x1fa27cf8u, 16); \
  H(b, c, d, a, 2, 0xc4ac5665u, 23);  \
  I(a, b, c, d, 0, 0xf4292244u, 6);   \
  I(d, a, b, c, 7, 0x432aff97u, 10);  \
  I(c, d, a, b, 14, 0xab9423a7u, 15); \
  I(b, c, d, a, 5, 0xfc93a039u, 21);  \
  I(a, b, c, d, 12, 0x655b59c3u, 6);  \
  I(d, a, b, c, 3, 0x8f0ccc92u, 10);  \
  I(c, d, a, b, 10, 0xffeff47du, 15); \
  I(b, c, d, a, 1, 0x85845dd1u, 21);  \
  I(a, b, c, d, 8, 0x6fa87e4fu, 6);   \
  I(d, a, b, c, 15, 0xfe2ce6e0u, 10); \
  I(c, d, a, b, 6, 0xa3014314u, 15);  \
  I(b, c, d, a, 13, 0x4e0811a1u, 21); \
  I(a, b, c, d, 4, 0xf7537e82u, 6);   \
  I(d, a, b, c, 11, 0xbd3af235u, 10); \
  I(c, d, a, b, 2, 0x2ad7d2bbu, 15);  \
  I(b, c, d, a, 9, 0xeb86d391u, 21);

// The portable steps, with m(i) the message word. F(b,c,d) = (b & c) | (~b & d),
// written as d ^ (b & (c ^ d)); G(b,c,d) = (b & d) | (c & ~d), whose two terms never
// share a bit, so they are added.
#define MD5_PF(a, b, c, d, i, k, s)              \
  a += m(i) + (k) + ((d) ^ ((b) & ((c) ^ (d)))); \
  a = std::rotl(a, s) + (b)
#define MD5_PG(a, b, c, d, i, k, s) \
  a += m(i) + (k) + ((c) & ~(d));   \
  a += ((b) & (d));                 \
  a = std::rotl(a, s) + (b)
#define MD5_PH(a, b, c, d, i, k, s)    \
  a += m(i) + (k) + ((b) ^ (c) ^ (d)); \
  a = std::rotl(a, s) + (b)
#define MD5_PI(a, b, c, d, i, k, s)       \
  a += m(i) + (k) + ((c) ^ ((b) | ~(d))); \
  a = std::rotl(a, s) + (b)

// One block from `s`; m(i) gives message word i. Words are read where they lie (x86
// folds the load into the add), so no copy of the block is left on the stack.
template <class Words>
[[gnu::always_inline]] inline void rounds_portable(Md5State& s, const Words& m) noexcept {
  std::uint32_t a = s[0], b = s[1], c = s[2], d = s[3];
  MD5_STEPS(MD5_PF, MD5_PG, MD5_PH, MD5_PI);
  s[0] += a;
  s[1] += b;
  s[2] += c;
  s[3] += d;
}

#undef MD5_PF
#undef MD5_PG
#undef MD5_PH
#undef MD5_PI

void compress_portable(Md5State& state, const unsigned char* data, std::size_t blocks) noexcept {
  for (; blocks != 0; --blocks, data += kMd5BlockSize)
    rounds_portable(state, [data](int i) { return md5_load_word(data + 4 * i); });
}

void hmac_block_portable(const Md5State& inner, const Md5State& outer, const unsigned char* block,
                         Md5State& out) noexcept {
  Md5State in = inner;
  rounds_portable(in, [block](int i) { return md5_load_word(block + 4 * i); });
  out = outer;
  rounds_portable(
      out, [&in](int i) { return i < 4 ? in[static_cast<std::size_t>(i)] : outer_pad_word(i); });
}

#if CHECKPW_MD5_AVX512
// Each chaining word lives in lane 0 of its own register (the other lanes are unused).
// a + m + k is formed first, off the critical path; the empty asm keeps the compiler
// from reassociating it behind the round function, which would put a fifth cycle back
// on the chain. Truth tables for _mm_ternarylogic_epi32(b, c, d): F 0xca, G 0xe4,
// H 0x96, I 0x39.
#define MD5_STEP(a, b, c, d, mk, table, s)                      \
  a = _mm_add_epi32(a, mk);                                     \
  __asm__("" : "+v"(a));                                        \
  a = _mm_add_epi32(a, _mm_ternarylogic_epi32(b, c, d, table)); \
  a = _mm_add_epi32(_mm_rol_epi32(a, s), b)
#define MD5_VF(a, b, c, d, i, k, s) MD5_STEP(a, b, c, d, mk(i, k), 0xca, s)
#define MD5_VG(a, b, c, d, i, k, s) MD5_STEP(a, b, c, d, mk(i, k), 0xe4, s)
#define MD5_VH(a, b, c, d, i, k, s) MD5_STEP(a, b, c, d, mk(i, k), 0x96, s)
#define MD5_VI(a, b, c, d, i, k, s) MD5_STEP(a, b, c, d, mk(i, k), 0x39, s)

CHECKPW_AVX512 inline __m128i lane0(std::uint32_t w) noexcept {
  return _mm_cvtsi32_si128(static_cast<int>(w));
}

CHECKPW_AVX512 inline std::uint32_t word0(__m128i v) noexcept {
  return static_cast<std::uint32_t>(_mm_cvtsi128_si32(v));
}

// One block; mk(i, k) gives message word i plus the round constant k, in lane 0.
template <class WordsPlusK>
[[gnu::always_inline]] CHECKPW_AVX512 inline void rounds_avx512(__m128i& sa, __m128i& sb,
                                                                __m128i& sc, __m128i& sd,
                                                                const WordsPlusK& mk) noexcept {
  __m128i a = sa, b = sb, c = sc, d = sd;
  MD5_STEPS(MD5_VF, MD5_VG, MD5_VH, MD5_VI);
  sa = _mm_add_epi32(sa, a);
  sb = _mm_add_epi32(sb, b);
  sc = _mm_add_epi32(sc, c);
  sd = _mm_add_epi32(sd, d);
}

#undef MD5_STEP
#undef MD5_VF
#undef MD5_VG
#undef MD5_VH
#undef MD5_VI

CHECKPW_AVX512 void compress_avx512(Md5State& state, const unsigned char* data,
                                    std::size_t blocks) noexcept {
  __m128i a = lane0(state[0]), b = lane0(state[1]), c = lane0(state[2]), d = lane0(state[3]);
  for (; blocks != 0; --blocks, data += kMd5BlockSize) {
    rounds_avx512(a, b, c, d, [data](int i, std::uint32_t k) {
      return lane0(md5_load_word(data + 4 * i) + k);
    });
  }
  state = {word0(a), word0(b), word0(c), word0(d)};
}

CHECKPW_AVX512 void hmac_block_avx512(const Md5State& inner, const Md5State& outer,
                                      const unsigned char* block, Md5State& out) noexcept {
  __m128i ia = lane0(inner[0]), ib = lane0(inner[1]), ic = lane0(inner[2]), id = lane0(inner[3]);
  rounds_avx512(ia, ib, ic, id, [block](int i, std::uint32_t k) {
    return lane0(md5_load_word(block + 4 * i) + k);
  });
  // The outer message's first four words are the inner digest: they stay in registers.
  const __m128i digest[4] = {ia, ib, ic, id};
  __m128i a = lane0(outer[0]), b = lane0(outer[1]), c = lane0(outer[2]), d = lane0(outer[3]);
  rounds_avx512(a, b, c, d, [&digest](int i, std::uint32_t k) {
    return i < 4 ? _mm_add_epi32(digest[i], lane0(k)) : lane0(outer_pad_word(i) + k);
  });
  out = {word0(a), word0(b), word0(c), word0(d)};
}

// From what glibc found at start-up where it can tell us (no CPUID here: in a virtual
// machine each one costs microseconds, and libgcc's __builtin_cpu_init runs a dozen).
bool avx512_available() noexcept {
#if CHECKPW_GLIBC_X86
  return CPU_FEATURE_ACTIVE(AVX512F) && CPU_FEATURE_ACTIVE(AVX512VL);
#else
  static const bool available = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
  }();
  return available;
#endif
}

// Which compression is faster here is a property of the CPU, not of its flags: on some
// AMD cores the vector rounds lose to the portable ones. Each runs kCalibrationBlocks
// blocks kCalibrationRounds times, interleaved, and the faster best time wins: about 3
// microseconds, once per process.
constexpr std::size_t kCalibrationBlocks = 8;
constexpr int kCalibrationRounds = 2;

template <class Compress>
std::int64_t best_ns(std::int64_t best, const unsigned char* data, Compress compress) noexcept {
  Md5State state = kMd5Init;
  const auto t0 = std::chrono::steady_clock::now();
  compress(state, data, kCalibrationBlocks);
  const auto t1 = std::chrono::steady_clock::now();
  // The result is used, so the work cannot be dropped.
  volatile std::uint32_t sink = state[0];
  (void)sink;
  return std::min<std::int64_t>(
      best, std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
}

Md5Impl detect() noexcept {
  if (!avx512_available()) return Md5Impl::kPortable;
  alignas(64) unsigned char data[kCalibrationBlocks * kMd5BlockSize] = {};
  std::int64_t portable = INT64_MAX, vector = INT64_MAX;
  for (int r = 0; r < kCalibrationRounds; ++r) {
    portable = best_ns(portable, data, compress_portable);
    vector = best_ns(vector, data, compress_avx512);
  }
  return vector < portable ? Md5Impl::kAvx512 : Md5Impl::kPortable;
}
#else
bool avx512_available() noexcept {
  return false;
}
Md5Impl detect() noexcept {
  return Md5Impl::kPortable;
}
#endif

#undef MD5_STEPS

}  // namespace

Md5Impl md5_impl() noexcept {
  static const Md5Impl impl = detect();
  return impl;
}

bool md5_avx512_available() noexcept {
  return avx512_available();
}

void md5_compress_with(Md5Impl impl, Md5State& state, const unsigned char* data,
                       std::size_t blocks) noexcept {
#if CHECKPW_MD5_AVX512
  if (impl == Md5Impl::kAvx512 && avx512_available()) {
    compress_avx512(state, data, blocks);
    return;
  }
#endif
  (void)impl;
  compress_portable(state, data, blocks);
}

void md5_compress(Md5State& state, const unsigned char* data, std::size_t blocks) noexcept {
  md5_compress_with(md5_impl(), state, data, blocks);
}

void md5_hmac_block(Md5Impl impl, const Md5State& inner, const Md5State& outer,
                    const unsigned char* block, Md5State& out) noexcept {
#if CHECKPW_MD5_AVX512
  if (impl == Md5Impl::kAvx512 && avx512_available()) {
    hmac_block_avx512(inner, outer, block, out);
    return;
  }
#endif
  (void)impl;
  hmac_block_portable(inner, outer, block, out);
}

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
  md5_store_word(buffer_.data() + 56, static_cast<std::uint32_t>(bits));
  md5_store_word(buffer_.data() + 60, static_cast<std::uint32_t>(bits >> 32));
  md5_compress(state_, buffer_.data(), 1);
  for (int i = 0; i < 4; ++i)
    md5_store_word(digest.data() + 4 * i, state_[static_cast<std::size_t>(i)]);
  buffered_ = 0;
}

void md5(std::span<const unsigned char> data,
         std::span<unsigned char, kMd5DigestSize> digest) noexcept {
  Md5 ctx;
  ctx.update(data);
  ctx.final(digest);
}

}  // namespace checkpw
