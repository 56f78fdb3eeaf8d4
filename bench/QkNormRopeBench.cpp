//===- QkNormRopeBench.cpp - Fused QK-norm+RoPE against the two kernels ---===//
//
// What loom-fuse-qk-norm-rope buys: Qwen3-8B-shaped queries (32 heads x 128)
// normalised per head and rotated, at a decode step (1 token) and a prefill
// chunk (64 tokens) and a long prompt's chunk (512 tokens, 8 MiB of q), by the fused kernel and by loom_k_rms_norm then
// loom_k_rope as the unfused lowering calls them.
//   loom-bench-kernels --benchmark_filter=QkNormRope
//
//===----------------------------------------------------------------------===//

#include "RandomData.h"

#include "loom/Runtime/Kernels.h"

#include <benchmark/benchmark.h>

#include <vector>

namespace {

constexpr int64_t kHeads = 32, kHeadDim = 128;

struct Inputs {
  explicit Inputs(int64_t n) : x(size_t(n * kHeads * kHeadDim)), y(x.size()), w(kHeadDim) {
    loom::bench::fillRandom(x.data(), x.size(), 5);
    loom::bench::fillRandom(w.data(), w.size(), 6);
    weight = {w.data(), LOOM_DTYPE_F32};
  }
  std::vector<float> x, y, w;
  loom_tensor weight;
};

void BM_QkNormRopeUnfused(benchmark::State &state) {
  const int64_t n = state.range(0);
  Inputs in(n);
  for (auto _ : state) {
    loom_k_rms_norm(in.x.data(), n * kHeads, kHeadDim, &in.weight, 1e-6f, 0.0f, in.y.data());
    loom_k_rope(in.y.data(), n, kHeads, kHeadDim, kHeadDim, 100, 1e6f, nullptr, 1.0f, 0);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(n * state.iterations());
}

void BM_QkNormRopeFused(benchmark::State &state) {
  const int64_t n = state.range(0);
  Inputs in(n);
  for (auto _ : state) {
    loom_k_qk_norm_rope(in.x.data(), n, kHeads, kHeadDim, kHeadDim, &in.weight, 1e-6f, 0.0f, kHeadDim, 100, 1e6f, nullptr, 1.0f, 0,
                        in.y.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(n * state.iterations());
}

BENCHMARK(BM_QkNormRopeUnfused)->Arg(1)->Arg(64)->Arg(512)->ArgName("tokens")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_QkNormRopeFused)->Arg(1)->Arg(64)->Arg(512)->ArgName("tokens")->UseRealTime()->Unit(benchmark::kMicrosecond);

} // namespace
