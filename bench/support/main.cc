// The benchmark binary's entry point (in support/, like the tests' main: a top-level
// */main.cc would make the Makefile treat bench/ as a program). libsodium must be
// initialised before any peer benchmark calls it (sodium_init picks its implementations at
// run time).
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (sodium_init() < 0) {
    std::fputs("checkpw_bench: fatal: unable to initialise libsodium\n", stderr);
    return 111;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
