//===- Attention.cpp - loom_k_attention, loom_k_attention_split_keys ------===//
//
// Checks the arguments and views the cache as the rows in use. The two entry
// points share that interface and differ in the pipeline: ggml's arithmetic
// (codegen/kernels/Attention.cpp) or the split over chunks of keys
// (codegen/kernels/SplitKeyAttention.cpp).
//
//===----------------------------------------------------------------------===//

#include "HalideBuffers.h"
#include "KernelErrors.h"
#include "RunPipeline.h"
#include "loom/Runtime/Kernels.h"

#include "loom_hl_attention.h"
#include "loom_hl_attention_f16.h"
#include "loom_hl_split_key_attention.h"
#include "loom_hl_split_key_attention_f16.h"

#include <algorithm>

using namespace loom::kernels;

namespace {

/// The pipelines of one attention kernel, for F32 and F16 caches (their generated signatures are equal).
struct AttentionPipelines {
  const char *kernel;
  decltype(&loom_hl_attention) f32, f16;
};

void runAttention(const AttentionPipelines &pipelines, const float *q, int64_t n, int64_t start_pos,
                  const loom_cache_view *cache, int64_t heads, int64_t kv_heads, int64_t key_dim, int64_t value_dim,
                  float scale, float softcap, const loom_tensor *sinks, int32_t mask, int64_t window, float *out) {
  const char *kernel = pipelines.kernel;
  if (kv_heads <= 0 || heads % kv_heads != 0)
    loom_kernel_fail("%s: heads = %lld is not a multiple of kv_heads = %lld", kernel, static_cast<long long>(heads),
                     static_cast<long long>(kv_heads));
  if (mask != LOOM_MASK_GLOBAL && mask != LOOM_MASK_SLIDING_WINDOW && mask != LOOM_MASK_CHUNKED)
    loom_kernel_fail("%s: unknown mask %d", kernel, mask);
  if (mask != LOOM_MASK_GLOBAL && window <= 0)
    loom_kernel_fail("%s: mask %d needs a positive window, got %lld", kernel, mask, static_cast<long long>(window));
  if (start_pos < 0)
    loom_kernel_fail("%s: start_pos = %lld is negative", kernel, static_cast<long long>(start_pos));
  if (sinks && (sinks->dtype != LOOM_DTYPE_F32 || !sinks->data))
    loom_kernel_fail("%s: sinks must be F32, got dtype %lld", kernel, static_cast<long long>(sinks->dtype));
  if (!(softcap >= 0.0f))
    loom_kernel_fail("%s: softcap = %g must be >= 0", kernel, static_cast<double>(softcap));
  if (n == 0 || heads == 0 || key_dim == 0 || value_dim == 0)
    return;
  // The positions the chunk's queries see span [first visible, start_pos + n): all of them must still be
  // in the cache, or the result would silently mix in overwritten rows.
  const int64_t keys = start_pos + n;
  const int64_t span = mask == LOOM_MASK_GLOBAL ? keys : std::min(keys, window + n - 1);
  if (!cache || cache->rows < span)
    loom_kernel_fail("%s: a cache of %lld rows cannot hold the %lld positions this chunk attends to", kernel,
                     static_cast<long long>(cache ? cache->rows : 0), static_cast<long long>(span));

  // The pipeline sees the rows in use: [0, keys) of a cache that still holds every position, or the whole
  // ring, where position t is row t % rows.
  const int64_t rows = std::min(cache->rows, keys);
  // Heads as [group, kv_heads]: head h is the (h % group)-th of those sharing KV head h / group.
  int64_t group = heads / kv_heads;
  auto qView = BufferView<4>::dense(q, kF32, {key_dim, group, kv_heads, n}, kernel);
  if (cache->dtype != LOOM_DTYPE_F32 && cache->dtype != LOOM_DTYPE_F16)
    loom_kernel_fail("%s: unsupported cache dtype %lld", kernel, static_cast<long long>(cache->dtype));
  const bool half = cache->dtype == LOOM_DTYPE_F16;
  auto kView = BufferView<3>::dense(cache->keys, half ? kF16 : kF32, {key_dim, kv_heads, rows}, kernel);
  auto vView = BufferView<3>::dense(cache->values, half ? kF16 : kF32, {value_dim, kv_heads, rows}, kernel);
  const int64_t elementBytes = half ? 2 : 4;
  kView.keepCacheOnDevice(cache->rows * kv_heads * key_dim * elementBytes, kernel);
  vView.keepCacheOnDevice(cache->rows * kv_heads * value_dim * elementBytes, kernel);
  auto outView = BufferView<4>::dense(out, kF32, {value_dim, group, kv_heads, n}, kernel);
  // Without sinks the pipeline still takes a (never read) one-element buffer.
  static const float kNoSinks = 0.0f;
  auto sinkView = BufferView<1>::dense(sinks ? static_cast<const float *>(sinks->data) : &kNoSinks, kF32,
                                       {sinks ? heads : 1}, kernel);
  int32_t windowArg = mask == LOOM_MASK_GLOBAL ? 0 : toInt32(window, kernel, "window");
  runPipeline(kernel, half ? pipelines.f16 : pipelines.f32, qView.get(), kView.get(), vView.get(),
              toInt32(start_pos, kernel, "start_pos"), scale, softcap, sinkView.get(), sinks != nullptr, mask,
              windowArg, outView.get());
}

} // namespace

void loom_k_attention(const float *q, int64_t n, int64_t start_pos, const loom_cache_view *cache, int64_t heads,
                      int64_t kv_heads, int64_t key_dim, int64_t value_dim, float scale, float softcap,
                      const loom_tensor *sinks, int32_t mask, int64_t window, float *out) {
  runAttention({"loom_k_attention", loom_hl_attention, loom_hl_attention_f16}, q, n, start_pos, cache, heads,
               kv_heads, key_dim, value_dim, scale, softcap, sinks, mask, window, out);
}

void loom_k_attention_split_keys(const float *q, int64_t n, int64_t start_pos, const loom_cache_view *cache,
                                 int64_t heads, int64_t kv_heads, int64_t key_dim, int64_t value_dim, float scale,
                                 float softcap, const loom_tensor *sinks, int32_t mask, int64_t window, float *out) {
  runAttention({"loom_k_attention_split_keys", loom_hl_split_key_attention, loom_hl_split_key_attention_f16}, q, n,
               start_pos, cache, heads, kv_heads, key_dim, value_dim, scale, softcap, sinks, mask, window, out);
}
