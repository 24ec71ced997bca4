// SecretBuffer: fixed-capacity storage for passwords, responses and digests.
// Locked in memory where the system allows it and wiped with sodium_memzero on every
// path out (destruction and wipe()). Never copies, never moves, never becomes a
// std::string; callers get spans.
#pragma once

#include <sodium.h>

#include <array>
#include <cstddef>
#include <span>

namespace checkpw {

template <std::size_t N>
class SecretBuffer {
 public:
  SecretBuffer() noexcept { locked_ = sodium_mlock(bytes_.data(), N) == 0; }
  ~SecretBuffer() {
    wipe();
    if (locked_) sodium_munlock(bytes_.data(), N);  // munlock also wipes
  }
  SecretBuffer(const SecretBuffer&) = delete;
  SecretBuffer& operator=(const SecretBuffer&) = delete;

  static constexpr std::size_t capacity() noexcept { return N; }
  std::size_t size() const noexcept { return size_; }
  void set_size(std::size_t n) noexcept { size_ = n <= N ? n : N; }
  void wipe() noexcept {
    sodium_memzero(bytes_.data(), N);
    size_ = 0;
  }

  unsigned char* data() noexcept { return bytes_.data(); }
  const unsigned char* data() const noexcept { return bytes_.data(); }
  std::span<unsigned char, N> storage() noexcept { return std::span<unsigned char, N>(bytes_); }
  std::span<const unsigned char> view() const noexcept { return {bytes_.data(), size_}; }

 private:
  std::array<unsigned char, N> bytes_{};
  std::size_t size_ = 0;
  bool locked_ = false;
};

}  // namespace checkpw
