// Base64: ours beside libsodium (constant-time, the same promise as ours) and OpenSSL
// (table-driven, the speed reference). Bytes processed count the decoded (raw) size in
// both directions, so encode and decode figures compare directly.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core/base64.h"

namespace {

std::vector<unsigned char> random_bytes(std::size_t n) {
  std::vector<unsigned char> v(n);
  std::mt19937_64 rng(4648 + n);
  for (auto& b : v) b = static_cast<unsigned char>(rng());
  return v;
}

std::string encoded(const std::vector<unsigned char>& raw) {
  std::string s(checkpw::base64_encoded_size(raw.size()), '\0');
  if (checkpw::base64_encode(s, raw) != s.size()) std::abort();
  return s;
}

std::size_t raw_size(const benchmark::State& state) {
  return static_cast<std::size_t>(state.range(0));
}

void set_bytes(benchmark::State& state) {
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_Base64Encode(benchmark::State& state) {
  const auto raw = random_bytes(raw_size(state));
  std::vector<char> out(checkpw::base64_encoded_size(raw.size()));
  for (auto _ : state) {
    std::size_t n = checkpw::base64_encode(out, raw);
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_bytes(state);
}

void BM_SodiumBase64Encode(benchmark::State& state) {
  const auto raw = random_bytes(raw_size(state));
  std::vector<char> out(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_ORIGINAL));
  for (auto _ : state) {
    char* r = sodium_bin2base64(out.data(), out.size(), raw.data(), raw.size(),
                                sodium_base64_VARIANT_ORIGINAL);
    benchmark::DoNotOptimize(r);
    benchmark::ClobberMemory();
  }
  set_bytes(state);
}

void BM_OpenSSLBase64Encode(benchmark::State& state) {
  const auto raw = random_bytes(raw_size(state));
  std::vector<unsigned char> out(checkpw::base64_encoded_size(raw.size()) + 1);
  for (auto _ : state) {
    int n = EVP_EncodeBlock(out.data(), raw.data(), static_cast<int>(raw.size()));
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_bytes(state);
}

void BM_Base64Decode(benchmark::State& state) {
  const auto raw = random_bytes(raw_size(state));
  const std::string in = encoded(raw);
  std::vector<unsigned char> out(raw.size());
  std::size_t len = 0;
  if (!checkpw::base64_decode(out, in, &len) || out != raw) std::abort();
  for (auto _ : state) {
    bool ok = checkpw::base64_decode(out, in, &len);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(len);
    benchmark::ClobberMemory();
  }
  set_bytes(state);
}

void BM_SodiumBase64Decode(benchmark::State& state) {
  const auto raw = random_bytes(raw_size(state));
  const std::string in = encoded(raw);
  std::vector<unsigned char> out(raw.size());
  std::size_t len = 0;
  if (sodium_base642bin(out.data(), out.size(), in.data(), in.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      out != raw)
    std::abort();
  for (auto _ : state) {
    int r = sodium_base642bin(out.data(), out.size(), in.data(), in.size(), nullptr, &len, nullptr,
                              sodium_base64_VARIANT_ORIGINAL);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(len);
    benchmark::ClobberMemory();
  }
  set_bytes(state);
}

void BM_OpenSSLBase64Decode(benchmark::State& state) {
  const auto raw = random_bytes(raw_size(state));
  const std::string in = encoded(raw);
  // EVP_DecodeBlock writes the padding's zero bytes too.
  std::vector<unsigned char> out(in.size() / 4 * 3);
  const auto* src = reinterpret_cast<const unsigned char*>(in.data());
  const int n0 = EVP_DecodeBlock(out.data(), src, static_cast<int>(in.size()));
  if (n0 < static_cast<int>(raw.size()) || !std::equal(raw.begin(), raw.end(), out.begin()))
    std::abort();
  for (auto _ : state) {
    int n = EVP_DecodeBlock(out.data(), src, static_cast<int>(in.size()));
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_bytes(state);
}

// 64 bytes: a SASL PLAIN blob; 1 MiB: bulk throughput.
void sizes(benchmark::internal::Benchmark* b) {
  for (long n : {64L, 1024L, 65536L, 1048576L}) b->Arg(n);
}

BENCHMARK(BM_Base64Encode)->Apply(sizes);
BENCHMARK(BM_SodiumBase64Encode)->Apply(sizes);
BENCHMARK(BM_OpenSSLBase64Encode)->Apply(sizes);
BENCHMARK(BM_Base64Decode)->Apply(sizes);
BENCHMARK(BM_SodiumBase64Decode)->Apply(sizes);
BENCHMARK(BM_OpenSSLBase64Decode)->Apply(sizes);

}  // namespace
