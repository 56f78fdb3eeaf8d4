//===- BandwidthBench.cpp - Memory read bandwidth -------------------------===//
//
// BM_MemoryReadBandwidth/<threads>: plain threads streaming through 1 GiB.
// The GEMV benchmarks report their weight bandwidth as a fraction of this.
//
//===----------------------------------------------------------------------===//

#include "MemoryBandwidth.h"

#include <benchmark/benchmark.h>

#include <thread>

namespace {

void BM_MemoryReadBandwidth(benchmark::State &state) {
  const loom::bench::AlignedBuffer &buffer = loom::bench::bandwidthBuffer();
  int threads = static_cast<int>(state.range(0));
  for (auto _ : state)
    benchmark::DoNotOptimize(loom::bench::streamingRead(buffer.data(), buffer.bytes(), threads));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(buffer.bytes()));
}

void registerBandwidth(benchmark::internal::Benchmark *b) {
  b->Arg(1);
  if (int hw = static_cast<int>(std::thread::hardware_concurrency()); hw > 1)
    b->Arg(hw);
  b->ArgName("threads")->UseRealTime()->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_MemoryReadBandwidth)->Apply(registerBandwidth);

} // namespace
