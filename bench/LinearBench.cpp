//===- LinearBench.cpp - loom_k_linear at Qwen3-0.6B sizes ----------------===//
//
// BM_Gemv/<k>/<n>: one row of x (decode). Bound by reading w, so it reports
//   the weight bytes read per second and `bw_fraction`, that rate over
//   measuredReadBandwidth() (the target is >= 0.7).
// BM_Gemm/<m>/<k>/<n>: a prefill chunk of m rows; reports FLOP/s (2 m n k).
// Weights rotate among copies that exceed the last-level cache (see
// RotatingBuffers.h); x and y are small and stay cached, as in a forward pass.
//
//===----------------------------------------------------------------------===//

#include "MemoryBandwidth.h"
#include "RotatingBuffers.h"

#include "loom/Runtime/Kernels.h"

#include <benchmark/benchmark.h>

#include <chrono>
#include <vector>

namespace {

using loom::bench::RotatingBuffers;

/// Qwen3-0.6B projections as {k, n}: q_proj, k/v_proj, o_proj, gate/up_proj, down_proj, LM head.
const int64_t kShapes[][2] = {{1024, 2048}, {1024, 1024}, {2048, 1024}, {1024, 3072}, {3072, 1024}, {1024, 151936}};

/// Runs the benchmark loop; returns its wall-clock seconds.
double runLinear(benchmark::State &state, int64_t m, int64_t k, int64_t n) {
  RotatingBuffers weights(static_cast<size_t>(n * k));
  std::vector<float> x(m * k), y(m * n);
  loom::bench::fillRandom(x.data(), x.size(), 7);
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    loom_tensor w{weights.next(), LOOM_DTYPE_F32};
    loom_k_linear(x.data(), m, k, &w, n, nullptr, y.data());
    benchmark::ClobberMemory();
  }
  std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
  state.counters["weight_copies"] = static_cast<double>(weights.count());
  return seconds.count();
}

void BM_Gemv(benchmark::State &state) {
  int64_t k = state.range(0), n = state.range(1);
  double seconds = runLinear(state, 1, k, n);
  double weightBytes = static_cast<double>(n * k * sizeof(float)) * static_cast<double>(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(weightBytes));
  state.counters["bw_fraction"] = weightBytes / seconds / loom::bench::measuredReadBandwidth();
}

void BM_Gemm(benchmark::State &state) {
  int64_t m = state.range(0), k = state.range(1), n = state.range(2);
  runLinear(state, m, k, n);
  state.counters["FLOP/s"] = benchmark::Counter(2.0 * m * n * k * static_cast<double>(state.iterations()),
                                                benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

void gemvShapes(benchmark::internal::Benchmark *b) {
  for (auto &shape : kShapes)
    b->Args({shape[0], shape[1]});
  b->ArgNames({"k", "n"})->UseRealTime()->Unit(benchmark::kMicrosecond);
}

void gemmShapes(benchmark::internal::Benchmark *b) {
  for (int64_t m : {64, 128})
    for (auto &shape : kShapes)
      b->Args({m, shape[0], shape[1]});
  b->ArgNames({"m", "k", "n"})->UseRealTime()->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_Gemv)->Apply(gemvShapes);
BENCHMARK(BM_Gemm)->Apply(gemmShapes);

} // namespace
