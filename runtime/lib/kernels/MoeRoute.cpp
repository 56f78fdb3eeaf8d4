//===- MoeRoute.cpp - loom_k_route ----------------------------------------===//
//
// A router's work per token is a few hundred scores: scalar code, one token
// at a time. The selection is a partial sort under a total order (score
// descending, then expert id ascending), so ties never depend on a sort's
// stability: torch.topk and ggml's argsort both leave them unspecified
// (docs/moe-mla-reference.md, 1.3), and this rule is the one Loom promises.
//
//===----------------------------------------------------------------------===//

#include "KernelErrors.h"
#include "loom/Runtime/Kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

namespace {

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

/// The k best experts by `rank`, best first, ties to the lower id.
void selectTopK(const float *rank, int64_t experts, int64_t k, std::vector<int32_t> &order, int32_t *ids) {
  order.resize(static_cast<size_t>(experts));
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + k, order.end(), [rank](int32_t a, int32_t b) {
    return rank[a] > rank[b] || (rank[a] == rank[b] && a < b);
  });
  std::copy(order.begin(), order.begin() + k, ids);
}

/// DeepSeek's group limit: experts outside the `keep` groups whose two best scores sum highest drop out.
void limitToGroups(std::vector<float> &score, int64_t groups, int64_t keep, std::vector<int32_t> &scratch) {
  const int64_t size = static_cast<int64_t>(score.size()) / groups;
  std::vector<float> groupScore(static_cast<size_t>(groups));
  for (int64_t g = 0; g < groups; ++g) {
    const float *s = score.data() + g * size;
    float best = -std::numeric_limits<float>::infinity(), second = best;
    for (int64_t i = 0; i < size; ++i) {
      if (s[i] > best) {
        second = best;
        best = s[i];
      } else if (s[i] > second) {
        second = s[i];
      }
    }
    groupScore[static_cast<size_t>(g)] = size == 1 ? best : best + second;
  }
  std::vector<int32_t> kept(static_cast<size_t>(keep));
  selectTopK(groupScore.data(), groups, keep, scratch, kept.data());
  std::vector<bool> isKept(static_cast<size_t>(groups), false);
  for (int32_t g : kept)
    isKept[static_cast<size_t>(g)] = true;
  for (int64_t g = 0; g < groups; ++g)
    if (!isKept[static_cast<size_t>(g)])
      std::fill_n(score.begin() + g * size, size, -std::numeric_limits<float>::infinity());
}

} // namespace

void loom_k_route(const float *logits, int64_t n, int64_t experts, const loom_tensor *selection_bias,
                  int32_t routing, int64_t k, int64_t groups, int64_t group_k, int32_t normalize, float scale,
                  int32_t *ids, float *weights) {
  if (n < 0 || experts <= 0 || k <= 0 || k > experts || groups <= 0 || experts % groups != 0 || group_k <= 0 ||
      group_k > groups)
    loom_kernel_fail("loom_k_route: invalid sizes n=%lld experts=%lld k=%lld groups=%lld group_k=%lld",
                     static_cast<long long>(n), static_cast<long long>(experts), static_cast<long long>(k),
                     static_cast<long long>(groups), static_cast<long long>(group_k));
  if (selection_bias && selection_bias->dtype != LOOM_DTYPE_F32)
    loom_kernel_fail("loom_k_route: the selection bias must be F32");
  const float *bias = selection_bias ? static_cast<const float *>(selection_bias->data) : nullptr;
  std::vector<float> prob(static_cast<size_t>(experts)), rank(static_cast<size_t>(experts));
  std::vector<int32_t> scratch;
  for (int64_t t = 0; t < n; ++t) {
    const float *l = logits + t * experts;
    int32_t *chosen = ids + t * k;
    float *w = weights + t * k;
    switch (routing) {
    case LOOM_ROUTE_SOFTMAX_TOPK: {
      float max = *std::max_element(l, l + experts), sum = 0.0f;
      for (int64_t e = 0; e < experts; ++e)
        sum += prob[size_t(e)] = std::exp(l[e] - max);
      for (float &p : prob)
        p /= sum;
      selectTopK(prob.data(), experts, k, scratch, chosen);
      for (int64_t j = 0; j < k; ++j)
        w[j] = prob[size_t(chosen[j])];
      break;
    }
    case LOOM_ROUTE_TOPK_SOFTMAX: {
      selectTopK(l, experts, k, scratch, chosen);
      float max = l[chosen[0]], sum = 0.0f;
      for (int64_t j = 0; j < k; ++j)
        sum += w[j] = std::exp(l[chosen[j]] - max);
      for (int64_t j = 0; j < k; ++j)
        w[j] /= sum;
      break;
    }
    case LOOM_ROUTE_SIGMOID_TOPK: {
      for (int64_t e = 0; e < experts; ++e) {
        prob[size_t(e)] = sigmoid(l[e]);
        rank[size_t(e)] = prob[size_t(e)] + (bias ? bias[e] : 0.0f);
      }
      if (groups > 1)
        limitToGroups(rank, groups, group_k, scratch);
      selectTopK(rank.data(), experts, k, scratch, chosen);
      for (int64_t j = 0; j < k; ++j)
        w[j] = prob[size_t(chosen[j])];
      break;
    }
    case LOOM_ROUTE_TOPK_SIGMOID:
      selectTopK(l, experts, k, scratch, chosen);
      for (int64_t j = 0; j < k; ++j)
        w[j] = sigmoid(l[chosen[j]]);
      break;
    default:
      loom_kernel_fail("loom_k_route: unknown routing %d", routing);
    }
    if (normalize) {
      float sum = 0.0f;
      for (int64_t j = 0; j < k; ++j)
        sum += w[j];
      // transformers' DeepSeek/GLM routers add 1e-20; it keeps an all-zero row finite and changes nothing else.
      for (int64_t j = 0; j < k; ++j)
        w[j] /= sum + 1e-20f;
    }
    if (scale != 1.0f)
      for (int64_t j = 0; j < k; ++j)
        w[j] *= scale;
  }
}
