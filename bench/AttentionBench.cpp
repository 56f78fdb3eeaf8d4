//===- AttentionBench.cpp - Attention kernels, decode ---------------------===//
//
// BM_AttentionDecode/<context>/<kernel>/<cache>: one query over `context` cached
// keys (kernel 0: loom_k_attention, ggml's order; 1: loom_k_attention_split_keys;
// cache 0: F32, 1: F16) with
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
  auto attend = state.range(1) ? loom_k_attention_split_keys : loom_k_attention;
  const bool half = state.range(2) != 0;
  size_t cacheFloats = static_cast<size_t>(context * kKvHeads * kHeadDim);
  size_t cacheBytes = cacheFloats * (half ? 2 : 4);
  // RotatingBuffers holds floats: half as many for an F16 cache.
  loom::bench::RotatingBuffers keys(half ? cacheFloats / 2 : cacheFloats), values(half ? cacheFloats / 2 : cacheFloats);
  if (half) // random bits are not random halves (NaNs, subnormals): rewrite each copy as halves of [-1, 1)
    for (loom::bench::RotatingBuffers *buffers : {&keys, &values})
      for (size_t copy = 0; copy < buffers->count(); ++copy) {
        auto *rows = reinterpret_cast<_Float16 *>(buffers->next());
        for (size_t i = 0; i < cacheFloats; ++i)
          rows[i] = static_cast<_Float16>(static_cast<float>((i * 2654435761u) % 65536) / 32768.0f - 1.0f);
      }
  std::vector<float> q(kHeads * kHeadDim), out(kHeads * kHeadDim);
  loom::bench::fillRandom(q.data(), q.size(), 3);
  float scale = 1.0f / std::sqrt(static_cast<float>(kHeadDim));
  for (auto _ : state) {
    loom_cache_view view{keys.next(), values.next(), context, half ? LOOM_DTYPE_F16 : LOOM_DTYPE_F32};
    attend(q.data(), 1, context - 1, &view, kHeads, kKvHeads, kHeadDim, kHeadDim, scale, 0.0f, nullptr, LOOM_MASK_GLOBAL,
                     0, out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(2 * cacheBytes) * state.iterations());
}

BENCHMARK(BM_AttentionDecode)
    ->ArgsProduct({{512, 4096}, {0, 1}, {0, 1}})
    ->ArgNames({"context", "split_keys", "f16"})->UseRealTime()->Unit(benchmark::kMicrosecond);

} // namespace
