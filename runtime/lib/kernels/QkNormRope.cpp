//===- QkNormRope.cpp - loom_k_qk_norm_rope --------------------------------===//
//
// The fusion is a traversal, not new arithmetic: each block of tokens is
// normalised and then rotated by the same pipelines loom_k_rms_norm and
// loom_k_rope run, so fused and unfused results are equal bit for bit (and the
// GGUF models that must match llama.cpp keep doing so), while the normalised
// block is rotated before it leaves the cache instead of after the whole
// projection has been written out and read back.
//
//===----------------------------------------------------------------------===//

#include "KernelErrors.h"
#include "loom/Runtime/Kernels.h"

#include <algorithm>

namespace {

/// Bytes of q or k per block: a block is rotated while still in L2 (1-2 MiB per core on the x86 servers
/// measured), and is large enough that each block's two pipeline launches stay a small cost.
constexpr int64_t kBlockBytes = 512 * 1024;

} // namespace

void loom_k_qk_norm_rope(const float *x, int64_t n, int64_t heads, int64_t head_dim, int64_t norm_width,
                         const loom_tensor *w, float eps, float w_offset, int64_t rot_dims, int64_t start_pos,
                         float theta, const float *freq_divisors, float attn_factor, int32_t interleaved, float *y) {
  const int64_t rowElements = heads * head_dim;
  if (n < 0 || heads < 0 || head_dim < 0 || norm_width <= 0 || rowElements % norm_width != 0)
    loom_kernel_fail("loom_k_qk_norm_rope: norm groups of %lld do not tile rows of %lld x %lld",
                     static_cast<long long>(norm_width), static_cast<long long>(heads),
                     static_cast<long long>(head_dim));
  const int64_t groupsPerToken = rowElements / norm_width;
  const int64_t blockTokens = std::max<int64_t>(1, kBlockBytes / std::max<int64_t>(1, rowElements * 4));
  for (int64_t first = 0; first < n; first += blockTokens) {
    const int64_t tokens = std::min(blockTokens, n - first);
    const int64_t offset = first * rowElements;
    loom_k_rms_norm(x + offset, tokens * groupsPerToken, norm_width, w, eps, w_offset, y + offset);
    loom_k_rope(y + offset, tokens, heads, head_dim, rot_dims, start_pos + first, theta, freq_divisors, attn_factor,
                interleaved);
  }
}
