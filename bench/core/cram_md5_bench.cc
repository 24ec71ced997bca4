// CRAM-MD5 verification (RFC 2195): ours from the stored 32-byte secret (the pad states,
// doc/design.md section 4) beside what a server without precomputed secrets does with
// OpenSSL: a one-shot HMAC-MD5 keyed by the password, hex-encoded, then compared; and
// the floor a verify from the secret cannot beat, two compressions of one block each
// (BM_TwoCompressions/0 portable, /1 AVX-512VL): the target is a verify within 1.25x of
// the faster one. BM_CramMd5Verify's label names the compression md5_impl() chose here.
#include <benchmark/benchmark.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdlib>
#include <string_view>

#include "core/cram_md5.h"
#include "core/hex.h"

namespace {

constexpr std::string_view kPassword = "tanstaaftanstaaf";
// 40 bytes, the usual <digits.digits@host> shape.
constexpr std::string_view kChallenge = "<1896.6971709521@postoffice.example.net>";
static_assert(kChallenge.size() == 40);

std::span<const unsigned char> bytes(std::string_view s) {
  return {reinterpret_cast<const unsigned char*>(s.data()), s.size()};
}

// The correct response, computed with OpenSSL so the benchmark does not trust itself.
std::array<unsigned char, checkpw::kCramMd5ResponseSize> response() {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_md5(), kPassword.data(), static_cast<int>(kPassword.size()),
           bytes(kChallenge).data(), kChallenge.size(), mac, &len) == nullptr ||
      len != checkpw::kMd5DigestSize)
    std::abort();
  std::array<unsigned char, checkpw::kCramMd5ResponseSize> r;
  checkpw::hex_encode({reinterpret_cast<char*>(r.data()), r.size()}, {mac, len});
  return r;
}

void BM_CramMd5Verify(benchmark::State& state) {
  std::array<unsigned char, checkpw::kCramMd5SecretSize> secret;
  checkpw::cram_md5_secret(bytes(kPassword), secret);
  const auto resp = response();
  if (!checkpw::cram_md5_verify(secret, bytes(kChallenge), resp)) std::abort();
  for (auto _ : state) {
    bool ok = checkpw::cram_md5_verify(secret, bytes(kChallenge), resp);
    benchmark::DoNotOptimize(ok);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(checkpw::md5_impl() == checkpw::Md5Impl::kAvx512 ? "avx512" : "portable");
}

void BM_TwoCompressions(benchmark::State& state) {
  const auto impl = state.range(0) == 1 ? checkpw::Md5Impl::kAvx512 : checkpw::Md5Impl::kPortable;
  if (impl == checkpw::Md5Impl::kAvx512 && !checkpw::md5_avx512_available()) {
    state.SkipWithError("this CPU has no AVX-512VL");
    return;
  }
  alignas(64) unsigned char block[checkpw::kMd5BlockSize] = {1, 2, 3};
  for (auto _ : state) {
    checkpw::Md5State s = checkpw::kMd5Init;
    checkpw::md5_compress_with(impl, s, block, 1);
    checkpw::md5_compress_with(impl, s, block, 1);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_OpenSSLHmacMd5Verify(benchmark::State& state) {
  const auto resp = response();
  for (auto _ : state) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    unsigned char* r = HMAC(EVP_md5(), kPassword.data(), static_cast<int>(kPassword.size()),
                            bytes(kChallenge).data(), kChallenge.size(), mac, &len);
    benchmark::DoNotOptimize(r);
    char hex[checkpw::kCramMd5ResponseSize];
    checkpw::hex_encode(hex, {mac, checkpw::kMd5DigestSize});
    bool ok = CRYPTO_memcmp(hex, resp.data(), sizeof hex) == 0;
    benchmark::DoNotOptimize(ok);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_CramMd5Verify);
BENCHMARK(BM_TwoCompressions)->Arg(0)->Arg(1);
BENCHMARK(BM_OpenSSLHmacMd5Verify);

}  // namespace
