// MD5: ours beside OpenSSL's assembly. The OpenSSL side uses the low-level MD5() one-shot,
// its fastest honest path: it runs the same md5_block_asm_data_order as EVP, without
// EVP's per-call provider lookup and context allocation (those only matter at small N;
// BM_OpenSSLEvpMD5 shows them).
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/md5.h>

#include <random>
#include <vector>

#include "core/md5.h"

namespace {

std::vector<unsigned char> random_bytes(std::size_t n) {
  std::vector<unsigned char> v(n);
  std::mt19937_64 rng(1321 + n);
  for (auto& b : v) b = static_cast<unsigned char>(rng());
  return v;
}

void BM_MD5(benchmark::State& state) {
  const auto msg = random_bytes(static_cast<std::size_t>(state.range(0)));
  unsigned char digest[checkpw::kMd5DigestSize];
  for (auto _ : state) {
    checkpw::md5(msg, digest);
    benchmark::DoNotOptimize(digest);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_OpenSSLMD5(benchmark::State& state) {
  const auto msg = random_bytes(static_cast<std::size_t>(state.range(0)));
  unsigned char digest[MD5_DIGEST_LENGTH];
  for (auto _ : state) {
    MD5(msg.data(), msg.size(), digest);
    benchmark::DoNotOptimize(digest);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_OpenSSLEvpMD5(benchmark::State& state) {
  const auto msg = random_bytes(static_cast<std::size_t>(state.range(0)));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  for (auto _ : state) {
    int ok = EVP_Digest(msg.data(), msg.size(), digest, &len, EVP_md5(), nullptr);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(digest);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

// The compression alone over N bytes of whole blocks, with each implementation named:
// md5() above runs the faster of the two on this CPU (md5_impl(), timed at first use).
void compress_with(benchmark::State& state, checkpw::Md5Impl impl) {
  if (impl == checkpw::Md5Impl::kAvx512 && !checkpw::md5_avx512_available()) {
    state.SkipWithError("this CPU has no AVX-512VL");
    return;
  }
  const auto msg = random_bytes(static_cast<std::size_t>(state.range(0)));
  checkpw::Md5State s = checkpw::kMd5Init;
  for (auto _ : state) {
    checkpw::md5_compress_with(impl, s, msg.data(), msg.size() / checkpw::kMd5BlockSize);
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_MD5CompressPortable(benchmark::State& state) {
  compress_with(state, checkpw::Md5Impl::kPortable);
}

void BM_MD5CompressAvx512(benchmark::State& state) {
  compress_with(state, checkpw::Md5Impl::kAvx512);
}

void sizes(benchmark::internal::Benchmark* b) {
  for (long n : {64L, 1024L, 65536L, 1048576L}) b->Arg(n);
}

BENCHMARK(BM_MD5)->Apply(sizes);
BENCHMARK(BM_OpenSSLMD5)->Apply(sizes);
BENCHMARK(BM_OpenSSLEvpMD5)->Apply(sizes);
BENCHMARK(BM_MD5CompressPortable)->Arg(1048576);
BENCHMARK(BM_MD5CompressAvx512)->Arg(1048576);

}  // namespace
