//===- BlockLinearBench.cpp - loom_k_linear with ggml block weights -------===//
//
// BM_BlockGemv/<dtype>/<k>/<n>/<packed>: one row of x (decode) against block
// weights at SmolLM2-135M and Qwen3-0.6B projection shapes; packed = 1: in the
// layout the fast profile repacks them into at load (loom_k_pack_linear_weights). Like
// BM_Gemv it reports the weight bytes read per second (the quantized bytes,
// so it compares directly with BM_Gemv's F32 figure) and `bw_fraction` of
// measuredReadBandwidth(). The time includes quantizing x, as in the model.
// BM_BlockGemm/<dtype>/<k>/<n>/<packed>: the same with 128 rows of x (a
// prefill chunk), reporting multiply-adds per second (`macs`).
//
//===----------------------------------------------------------------------===//

#include "MemoryBandwidth.h"
#include "RotatingBuffers.h"

#include "loom/Runtime/Kernels.h"
#include "loom/Runtime/ModelABI.h"

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <vector>

namespace {

using loom::bench::RotatingBuffers;

/// {k, n}: SmolLM2-135M's q/o and FFN projections and tied LM head, Qwen3-0.6B's FFN projections.
const int64_t kShapes[][2] = {{576, 1536}, {1536, 576}, {576, 49152}, {1024, 3072}, {3072, 1024}};

/// A block dtype's encoded block: elements, bytes, and the byte offsets of its F16 scales.
struct BlockLayout {
  int64_t elems, bytes;
  std::vector<size_t> scaleOffsets;
};

BlockLayout layout(int64_t dtype) {
  switch (dtype) {
  case LOOM_DTYPE_Q8_0:
    return {32, 34, {0}};
  case LOOM_DTYPE_Q4_0:
    return {32, 18, {0}};
  case LOOM_DTYPE_Q4_1:
    return {32, 20, {0, 2}};
  case LOOM_DTYPE_Q4_K:
    return {256, 144, {0, 2}};
  default: // Q6_K
    return {256, 210, {208}};
  }
}

/// Packs every copy of `weights` (`dtype` weights [n, k]) into the next copy of `packed`.
void packCopies(RotatingBuffers &weights, int64_t dtype, int64_t k, int64_t n, RotatingBuffers &packed) {
  for (size_t copy = 0; copy < weights.count(); ++copy) {
    loom_tensor w{weights.next(), dtype};
    loom_k_pack_linear_weights(&w, n, k, packed.next());
  }
}

void runBlockLinear(benchmark::State &state, int64_t m) {
  int64_t dtype = state.range(0), k = state.range(1), n = state.range(2);
  const bool packed = state.range(3) != 0;
  BlockLayout block = layout(dtype);
  size_t bytes = static_cast<size_t>(k / block.elems * block.bytes * n);
  RotatingBuffers weights((bytes + 3) / 4);
  // Random bytes are fine codes, but their scales must be ordinary F16 values: random patterns include
  // subnormals, whose F32 arithmetic can be slow, and NaNs.
  const uint16_t scale = 0x2000; // 2^-7
  for (size_t copy = 0; copy < weights.count(); ++copy) {
    auto *blocks = reinterpret_cast<unsigned char *>(weights.next());
    for (size_t at = 0; at < bytes; at += block.bytes)
      for (size_t offset : block.scaleOffsets)
        std::memcpy(blocks + at + offset, &scale, 2);
  }
  int64_t packedBytes = 0;
  const int64_t runDtype = packed ? loom_k_linear_packed_dtype(dtype, n, k, LOOM_NUMERICS_FAST, &packedBytes) : dtype;
  std::optional<RotatingBuffers> packedWeights;
  if (packed) {
    packedWeights.emplace(static_cast<size_t>(packedBytes + 3) / 4);
    packCopies(weights, dtype, k, n, *packedWeights);
  }
  RotatingBuffers &run = packed ? *packedWeights : weights;
  std::vector<float> x(k * m), y(n * m);
  loom::bench::fillRandom(x.data(), x.size(), 7);
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    loom_tensor w{run.next(), runDtype};
    loom_k_linear(x.data(), m, k, &w, n, nullptr, y.data());
    benchmark::ClobberMemory();
  }
  std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
  double weightBytes = static_cast<double>(bytes) * static_cast<double>(state.iterations());
  if (m == 1) {
    state.SetBytesProcessed(static_cast<int64_t>(weightBytes));
    state.counters["bw_fraction"] = weightBytes / seconds.count() / loom::bench::measuredReadBandwidth();
  } else {
    state.counters["macs"] = benchmark::Counter(static_cast<double>(m * k * n) * static_cast<double>(state.iterations()),
                                                benchmark::Counter::kIsRate);
  }
}

void BM_BlockGemv(benchmark::State &state) { runBlockLinear(state, 1); }

/// Rows of x in a prefill chunk.
constexpr int64_t kPrefillRows = 128;

void BM_BlockGemm(benchmark::State &state) { runBlockLinear(state, kPrefillRows); }

void blockGemvShapes(benchmark::internal::Benchmark *b) {
  for (int64_t dtype : {LOOM_DTYPE_Q8_0, LOOM_DTYPE_Q4_0, LOOM_DTYPE_Q4_1, LOOM_DTYPE_Q4_K, LOOM_DTYPE_Q6_K})
    for (auto &shape : kShapes)
      if (shape[0] % layout(dtype).elems == 0) { // the k-quants need whole 256-element super-blocks
        b->Args({dtype, shape[0], shape[1], 0});
        int64_t bytes;
        if (loom_k_linear_packed_dtype(dtype, shape[1], shape[0], LOOM_NUMERICS_FAST, &bytes) != dtype)
          b->Args({dtype, shape[0], shape[1], 1});
      }
  b->ArgNames({"dtype", "k", "n", "packed"})->UseRealTime()->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_BlockGemv)->Apply(blockGemvShapes);
BENCHMARK(BM_BlockGemm)->Apply(blockGemvShapes);

} // namespace
