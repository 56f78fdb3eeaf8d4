//===- Attention.cpp - loom_k_attention -----------------------------------===//
//
// Checks the arguments and views the caches as the rows in use; the
// pipeline (codegen/kernels/Attention.cpp) computes with ggml's arithmetic.
//
//===----------------------------------------------------------------------===//

#include "HalideBuffers.h"
#include "KernelErrors.h"
#include "RunPipeline.h"
#include "loom/Runtime/Kernels.h"

#include "loom_hl_attention.h"

using namespace loom::kernels;


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
  runPipeline(kernel, loom_hl_attention, qView.get(), kView.get(), vView.get(), toInt32(start_pos, kernel, "start_pos"),
              scale, mask, windowArg, outView.get());
}
