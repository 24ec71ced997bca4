// MD5 (RFC 1321), our own implementation for speed and control. MD5 is broken as a
// collision-resistant hash; the suite uses it only inside HMAC-MD5 for CRAM-MD5
// (RFC 2195), where the key stays secret. Every internal state is wiped on destruction.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace checkpw {

inline constexpr std::size_t kMd5DigestSize = 16;
inline constexpr std::size_t kMd5BlockSize = 64;

// MD5's words are 32-bit little-endian whatever the host's order (RFC 1321 section 2).
inline std::uint32_t md5_load_word(const unsigned char* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap32(v);
  return v;
}

inline void md5_store_word(unsigned char* p, std::uint32_t v) noexcept {
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap32(v);
  std::memcpy(p, &v, sizeof v);
}

// The four chaining words A, B, C, D.
using Md5State = std::array<std::uint32_t, 4>;

inline constexpr Md5State kMd5Init = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u};

// The compression the library runs on this CPU: the portable one, or the same rounds on
// AVX-512VL vector registers (x86-64 only), which shortens each step's dependency chain.
// Where the CPU has AVX-512VL, both are timed once at first use (a few microseconds) and
// the faster one is kept. Both are constant-time: no branch or index on data.
enum class Md5Impl { kPortable, kAvx512 };
Md5Impl md5_impl() noexcept;
bool md5_avx512_available() noexcept;  // whether kAvx512 can run here at all

// Runs the compression function over `blocks` whole 64-byte blocks.
void md5_compress(Md5State& state, const unsigned char* data, std::size_t blocks) noexcept;

// The same with a named implementation, so tests can hold the two against each other;
// kAvx512 on a CPU without it runs the portable one.
void md5_compress_with(Md5Impl impl, Md5State& state, const unsigned char* data,
                       std::size_t blocks) noexcept;

// HMAC-MD5's last two compressions when the inner message ends in one block: `block`
// (already padded) from the `inner` pad state, then the 16-byte inner digest from the
// `outer` pad state. `out` is the HMAC as chaining words. The inner digest goes to the
// outer hash as words, not through a padded block in memory.
void md5_hmac_block(Md5Impl impl, const Md5State& inner, const Md5State& outer,
                    const unsigned char* block, Md5State& out) noexcept;

// Streaming MD5. May start from a saved chaining state (HMAC's precomputed pads).
class Md5 {
 public:
  Md5() noexcept = default;
  // Continues from `state` after `bytes_done` bytes (a multiple of 64) were absorbed.
  Md5(const Md5State& state, std::uint64_t bytes_done) noexcept
      : state_(state), total_(bytes_done) {}
  ~Md5();
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;

  void update(std::span<const unsigned char> data) noexcept;
  void final(std::span<unsigned char, kMd5DigestSize> digest) noexcept;

 private:
  Md5State state_ = kMd5Init;
  std::uint64_t total_ = 0;
  std::array<unsigned char, kMd5BlockSize> buffer_{};
  std::size_t buffered_ = 0;
};

void md5(std::span<const unsigned char> data,
         std::span<unsigned char, kMd5DigestSize> digest) noexcept;

}  // namespace checkpw
