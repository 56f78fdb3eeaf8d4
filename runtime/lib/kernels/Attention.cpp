//===- Attention.cpp - loom_k_attention -----------------------------------===//
//
// The pipeline splits each query's visible keys into chunks processed as
// separate tasks (codegen/kernels/Attention.cpp); this picks their length.
//
//===----------------------------------------------------------------------===//

#include "HalideBuffers.h"
#include "KernelErrors.h"
#include "RunPipeline.h"
#include "loom/Runtime/Kernels.h"

#include "loom_hl_attention.h"

#include <algorithm>

using namespace loom::kernels;

namespace {

/// Tasks to aim for per call: several per thread on machines of up to 4-8 threads, so that chunks of
/// unequal cost balance. It is a constant rather than derived from the thread count so that the
/// chunking, and with it the rounding of every result, is the same for any thread count.
constexpr int64_t kTargetTasks = 16;
/// Fewer keys per chunk would cost more in per-task and combine overhead than they gain.
constexpr int64_t kMinChunkKeys = 64;
/// Chunks are whole blocks of the pipeline's score vectors.
constexpr int64_t kBlockKeys = 8;

/// Keys per chunk: enough chunks per query that n queries make kTargetTasks tasks (a decode step
/// needs many chunks, a prefill chunk of queries one each).
int64_t chunkLength(int64_t n, int64_t longestRun) {
  int64_t chunksPerQuery = std::max<int64_t>(1, (kTargetTasks + n - 1) / n);
  int64_t length = std::max(kMinChunkKeys, (longestRun + chunksPerQuery - 1) / chunksPerQuery);
  return (length + kBlockKeys - 1) / kBlockKeys * kBlockKeys;
}

} // namespace

void loom_k_attention(const float *q, int64_t n, int64_t start_pos, const float *k_cache, const float *v_cache,
                      int64_t heads, int64_t kv_heads, int64_t head_dim, float scale, int32_t mask, int64_t window,
                      float *out) {
  constexpr const char *kernel = "loom_k_attention";
  if (kv_heads <= 0 || heads % kv_heads != 0)
    loom_kernel_fail("%s: heads = %lld is not a multiple of kv_heads = %lld", kernel, static_cast<long long>(heads),
                     static_cast<long long>(kv_heads));
  if (mask != LOOM_MASK_GLOBAL && mask != LOOM_MASK_SLIDING_WINDOW && mask != LOOM_MASK_CHUNKED)
    loom_kernel_fail("%s: unknown mask %d", kernel, mask);
  if (mask != LOOM_MASK_GLOBAL && window <= 0)
    loom_kernel_fail("%s: mask %d needs a positive window, got %lld", kernel, mask, static_cast<long long>(window));
  if (start_pos < 0)
    loom_kernel_fail("%s: start_pos = %lld is negative", kernel, static_cast<long long>(start_pos));
  if (n == 0 || heads == 0 || head_dim == 0)
    return;

  // The pipeline sees exactly the cache rows in use, [0, start_pos + n).
  int64_t keys = start_pos + n;
  // Heads as [group, kv_heads]: head h is the (h % group)-th of those sharing KV head h / group.
  int64_t group = heads / kv_heads;
  auto qView = BufferView<4>::dense(q, kF32, {head_dim, group, kv_heads, n}, kernel);
  auto kView = BufferView<3>::dense(k_cache, kF32, {head_dim, kv_heads, keys}, kernel);
  auto vView = BufferView<3>::dense(v_cache, kF32, {head_dim, kv_heads, keys}, kernel);
  auto outView = BufferView<4>::dense(out, kF32, {head_dim, group, kv_heads, n}, kernel);
  int32_t windowArg = mask == LOOM_MASK_GLOBAL ? 0 : toInt32(window, kernel, "window");
  int64_t longestRun = mask == LOOM_MASK_GLOBAL ? keys : std::min(window, keys);
  int32_t chunkLen = toInt32(chunkLength(n, longestRun), kernel, "the chunk length");
  runPipeline(kernel, loom_hl_attention, qView.get(), kView.get(), vView.get(), toInt32(start_pos, kernel, "start_pos"),
              scale, mask, windowArg, chunkLen, outView.get());
}
