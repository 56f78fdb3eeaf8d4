//===- AttentionBench.cpp - loom_k_attention decode -----------------------===//
//
// BM_AttentionDecode/<context>: one query over `context` cached keys with
// Qwen3-0.6B's heads (16 query heads, 8 KV heads, head_dim 128). Decode
// attention reads each layer's whole K and V cache once, so it reports those
// bytes per second; caches rotate among copies that exceed the last-level
// cache, like the caches of successive layers.
//
//===----------------------------------------------------------------------===//

#include "RotatingBuffers.h"

#include "loom/Runtime/Kernels.h"

#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

namespace {

constexpr int64_t kHeads = 16, kKvHeads = 8, kHeadDim = 128;

void BM_AttentionDecode(benchmark::State &state) {
  int64_t context = state.range(0);
  size_t cacheFloats = static_cast<size_t>(context * kKvHeads * kHeadDim);
  loom::bench::RotatingBuffers keys(cacheFloats), values(cacheFloats);
  std::vector<float> q(kHeads * kHeadDim), out(kHeads * kHeadDim);
  loom::bench::fillRandom(q.data(), q.size(), 3);
  float scale = 1.0f / std::sqrt(static_cast<float>(kHeadDim));
  for (auto _ : state) {
    loom_cache_view view{keys.next(), values.next(), context, LOOM_DTYPE_F32};
    loom_k_attention(q.data(), 1, context - 1, &view, kHeads, kKvHeads, kHeadDim, kHeadDim, scale, 0.0f, nullptr, LOOM_MASK_GLOBAL,
                     0, out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(2 * cacheFloats * sizeof(float)) * state.iterations());
}

BENCHMARK(BM_AttentionDecode)->Arg(512)->Arg(4096)->ArgName("context")->UseRealTime()->Unit(benchmark::kMicrosecond);

} // namespace
