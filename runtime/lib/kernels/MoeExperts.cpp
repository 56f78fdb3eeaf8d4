//===- MoeExperts.cpp - loom_k_experts: the routed experts token by token ===//
//
// loom.experts as written: each token runs its k experts one after another
// through loom_k_linear (a GEMV each, since one token is one row). It is the
// reference the grouped form (MoeGrouped.cpp) is compared with, and what a
// library compiled without loom-moe-grouped-matmul runs.
//
//===----------------------------------------------------------------------===//

#include "ExpertWeights.h"
#include "KernelErrors.h"
#include "SwigluOai.h"
#include "loom/Runtime/Kernels.h"

#include <algorithm>
#include <cmath>
#include <vector>

using namespace loom::kernels;

namespace {

/// The slice of an optional stacked F32 bias, or null.
const loom_tensor *biasOf(const loom_tensor *stacked, int64_t e, int64_t width, loom_tensor &slice) {
  if (!stacked)
    return nullptr;
  slice = expertSlice(*stacked, e, width, 1, "loom_k_experts");
  return &slice;
}

} // namespace

void loom_k_experts(const float *x, int64_t n, int64_t d, const int32_t *ids, const float *weights, int64_t k,
                    const loom_tensor *gate, const loom_tensor *up, const loom_tensor *down,
                    const loom_tensor *gate_bias, const loom_tensor *up_bias, const loom_tensor *down_bias,
                    int64_t experts, int64_t hidden, int32_t activation, float alpha, float limit,
                    int32_t weight_input, float *out) {
  if (n < 0 || d <= 0 || k <= 0 || experts < k || hidden <= 0)
    loom_kernel_fail("loom_k_experts: invalid sizes n=%lld d=%lld k=%lld experts=%lld hidden=%lld",
                     static_cast<long long>(n), static_cast<long long>(d), static_cast<long long>(k),
                     static_cast<long long>(experts), static_cast<long long>(hidden));
  for (const loom_tensor *bias : {gate_bias, up_bias, down_bias})
    if (bias && bias->dtype != LOOM_DTYPE_F32)
      loom_kernel_fail("loom_k_experts: expert biases must be F32");
  const auto width = static_cast<size_t>(hidden), features = static_cast<size_t>(d);
  std::vector<float> input(features), g(width), u(width), h(width), y(features);
  for (int64_t t = 0; t < n; ++t) {
    float *acc = out + t * d;
    std::fill_n(acc, d, 0.0f);
    for (int64_t j = 0; j < k; ++j) {
      const int64_t e = ids[t * k + j];
      if (e < 0 || e >= experts)
        loom_kernel_fail("loom_k_experts: token %lld is routed to expert %lld of %lld", static_cast<long long>(t),
                         static_cast<long long>(e), static_cast<long long>(experts));
      const float w = weights[t * k + j];
      const float *in = x + t * d;
      if (weight_input) {
        for (int64_t i = 0; i < d; ++i)
          input[size_t(i)] = w * in[i];
        in = input.data();
      }
      loom_tensor gateE = expertSlice(*gate, e, hidden, d, "loom_k_experts");
      loom_tensor upE = expertSlice(*up, e, hidden, d, "loom_k_experts");
      loom_tensor downE = expertSlice(*down, e, d, hidden, "loom_k_experts");
      loom_tensor gb, ub, db;
      loom_k_linear(in, 1, d, &gateE, hidden, biasOf(gate_bias, e, hidden, gb), g.data());
      loom_k_linear(in, 1, d, &upE, hidden, biasOf(up_bias, e, hidden, ub), u.data());
      switch (activation) {
      case LOOM_EXPERT_SWIGLU:
        loom_k_swiglu(g.data(), u.data(), hidden, h.data());
        break;
      case LOOM_EXPERT_GEGLU:
        loom_k_geglu(g.data(), u.data(), hidden, h.data());
        break;
      case LOOM_EXPERT_GEGLU_F16_TABLE:
        loom_k_geglu_f16_table(g.data(), u.data(), hidden, h.data());
        break;
      case LOOM_EXPERT_SWIGLU_OAI:
        for (size_t i = 0; i < width; ++i)
          h[i] = swigluOai(g[i], u[i], alpha, limit);
        break;
      default:
        loom_kernel_fail("loom_k_experts: unknown activation %d", activation);
      }
      loom_k_linear(h.data(), 1, hidden, &downE, d, biasOf(down_bias, e, d, db), y.data());
      accumulateWeighted(acc, y.data(), weight_input ? 1.0f : w, d);
    }
  }
}
