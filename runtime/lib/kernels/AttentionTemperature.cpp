//===- AttentionTemperature.cpp - loom_k_attention_temperature ------------===//
//
// One factor per token, computed in F32 as transformers' Llama 4 computes it
// (log1p of the floored position ratio), then a scale of the token's row.
//
//===----------------------------------------------------------------------===//

#include "KernelErrors.h"
#include "loom/Runtime/Kernels.h"

#include <cmath>

void loom_k_attention_temperature(const float *x, int64_t n, int64_t row_elems, int64_t start_pos, float scale,
                                  int64_t floor, float *y) {
  if (n < 0 || row_elems < 0 || start_pos < 0 || floor <= 0)
    loom_kernel_fail("loom_k_attention_temperature: invalid sizes n=%lld row=%lld start=%lld floor=%lld",
                     static_cast<long long>(n), static_cast<long long>(row_elems), static_cast<long long>(start_pos),
                     static_cast<long long>(floor));
  for (int64_t i = 0; i < n; ++i) {
    const float steps = std::floor((static_cast<float>(start_pos + i) + 1.0f) / static_cast<float>(floor));
    const float factor = std::log1p(steps) * scale + 1.0f;
    for (int64_t j = 0; j < row_elems; ++j)
      y[i * row_elems + j] = x[i * row_elems + j] * factor;
  }
}
