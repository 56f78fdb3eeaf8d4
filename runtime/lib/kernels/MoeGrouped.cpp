//===- MoeGrouped.cpp - The grouped form of the routed experts ------------===//
//
// What loom-moe-grouped-matmul lowers to: the chunk's (token, slot) pairs
// sorted by expert (loom_k_moe_dispatch), their rows gathered in that order,
// one loom_k_linear per expert over its run of rows (a GEMM once an expert
// has more than a few tokens), and a weighted sum back per token in slot
// order, the order loom_k_experts sums in. A shared expert is one more group
// (loom_k_moe_append_shared routes every token to it).
//
//===----------------------------------------------------------------------===//

#include "ExpertWeights.h"
#include "KernelErrors.h"
#include "loom/Runtime/Kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

using namespace loom::kernels;

void loom_k_moe_dispatch(const int32_t *ids, int64_t n, int64_t k, int64_t experts, int32_t *order,
                         int64_t *offsets) {
  if (n < 0 || k <= 0 || experts <= 0)
    loom_kernel_fail("loom_k_moe_dispatch: invalid sizes n=%lld k=%lld experts=%lld", static_cast<long long>(n),
                     static_cast<long long>(k), static_cast<long long>(experts));
  // A counting sort: stable, so within an expert the rows keep token order.
  std::fill_n(offsets, experts + 1, int64_t(0));
  for (int64_t p = 0; p < n * k; ++p) {
    if (ids[p] < 0 || ids[p] >= experts)
      loom_kernel_fail("loom_k_moe_dispatch: token %lld is routed to expert %d of %lld",
                       static_cast<long long>(p / k), ids[p], static_cast<long long>(experts));
    ++offsets[ids[p] + 1];
  }
  for (int64_t e = 0; e < experts; ++e)
    offsets[e + 1] += offsets[e];
  std::vector<int64_t> next(offsets, offsets + experts);
  for (int64_t p = 0; p < n * k; ++p)
    order[next[size_t(ids[p])]++] = static_cast<int32_t>(p);
}

void loom_k_moe_gather(const float *x, int64_t n, int64_t d, const int32_t *order, int64_t k,
                       const float *weights, float *out) {
  for (int64_t j = 0; j < n * k; ++j) {
    const float *row = x + (order[j] / k) * d;
    float *to = out + j * d;
    if (!weights) {
      std::memcpy(to, row, size_t(d) * sizeof(float));
      continue;
    }
    const float w = weights[order[j]];
    for (int64_t i = 0; i < d; ++i)
      to[i] = w * row[i];
  }
}

void loom_k_grouped_linear(const float *x, int64_t in, const int64_t *offsets, int64_t experts,
                           const loom_tensor *w, int64_t out, const loom_tensor *bias, const loom_tensor *shared,
                           float *y) {
  if (bias && bias->dtype != LOOM_DTYPE_F32)
    loom_kernel_fail("loom_k_grouped_linear: expert biases must be F32");
  if (bias && shared)
    loom_kernel_fail("loom_k_grouped_linear: a shared expert goes without biases");
  const int64_t groups = shared ? experts + 1 : experts;
  for (int64_t e = 0; e < groups; ++e) {
    const int64_t first = offsets[e], rows = offsets[e + 1] - offsets[e];
    if (rows == 0)
      continue;
    loom_tensor we = e == experts ? *shared : expertSlice(*w, e, out, in, "loom_k_grouped_linear");
    loom_tensor be;
    if (bias)
      be = expertSlice(*bias, e, out, 1, "loom_k_grouped_linear");
    loom_k_linear(x + first * in, rows, in, &we, out, bias ? &be : nullptr, y + first * out);
  }
}

void loom_k_moe_append_shared(const int32_t *ids, const float *weights, const float *gate, int64_t n, int64_t k,
                              int32_t expert, int32_t *ids_out, float *weights_out) {
  if (n < 0 || k <= 0 || expert < 0)
    loom_kernel_fail("loom_k_moe_append_shared: invalid sizes n=%lld k=%lld expert=%d", static_cast<long long>(n),
                     static_cast<long long>(k), expert);
  for (int64_t t = 0; t < n; ++t) {
    std::copy_n(ids + t * k, k, ids_out + t * (k + 1));
    std::copy_n(weights + t * k, k, weights_out + t * (k + 1));
    ids_out[t * (k + 1) + k] = expert;
    // As loom_k_sigmoid_gate computes a per-row gate, so that the shared expert is scaled by the same value.
    weights_out[t * (k + 1) + k] = gate ? 1.0f / (1.0f + std::exp(-gate[t])) : 1.0f;
  }
}

void loom_k_moe_combine(const float *y, int64_t n, int64_t d, const int32_t *order, int64_t k,
                        const float *weights, float *out) {
  // Where each (token, slot) pair's row went, so that each token sums its slots in slot order.
  std::vector<int64_t> rowOf(size_t(n * k));
  for (int64_t j = 0; j < n * k; ++j)
    rowOf[size_t(order[j])] = j;
  for (int64_t t = 0; t < n; ++t) {
    float *acc = out + t * d;
    std::fill_n(acc, d, 0.0f);
    for (int64_t s = 0; s < k; ++s)
      accumulateWeighted(acc, y + rowOf[size_t(t * k + s)] * d, weights ? weights[t * k + s] : 1.0f, d);
  }
}
