//===- MoeTest.cpp - Routing and the two forms of the routed experts ------===//
//
// Routing: each flavour on logits whose answer is worked out by hand in the
// comments (tolerance 1e-6: a handful of float operations), ties broken
// towards the lower expert id, and DeepSeek's group limit excluding an expert
// that would otherwise win. Experts: loom_k_experts against a double-precision
// evaluation of the formula on random F32 experts, and the grouped form
// (dispatch, gather, grouped products, combine) against loom_k_experts, also
// with gpt-oss's clamped SwiGLU and biases; with
// a shared expert as one more group, against loom_k_experts plus the shared
// expert run as a dense, optionally sigmoid-gated MLP (the unfused form).
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"

#include "loom/Runtime/Kernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace loom::test {
namespace {

struct Routed {
  std::vector<int32_t> ids;
  std::vector<float> weights;
};

Routed route(const std::vector<float> &logits, int64_t experts, int32_t routing, int64_t k, bool normalize = false,
             float scale = 1.0f, const std::vector<float> *bias = nullptr, int64_t groups = 1, int64_t groupK = 1) {
  int64_t n = static_cast<int64_t>(logits.size()) / experts;
  Routed r{std::vector<int32_t>(size_t(n * k)), std::vector<float>(size_t(n * k))};
  loom_tensor biasTensor{bias ? bias->data() : nullptr, LOOM_DTYPE_F32};
  loom_k_route(logits.data(), n, experts, bias ? &biasTensor : nullptr, routing, k, groups, groupK, normalize, scale,
               r.ids.data(), r.weights.data());
  return r;
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

TEST(MoeRouteTest, SoftmaxThenTopK) {
  // softmax([1, 3, 2, 0]) = e^[1,3,2,0] / (e + e^3 + e^2 + 1): experts 1 and 2, best first.
  std::vector<float> logits = {1, 3, 2, 0};
  double sum = std::exp(1.0) + std::exp(3.0) + std::exp(2.0) + 1.0;
  Routed r = route(logits, 4, LOOM_ROUTE_SOFTMAX_TOPK, 2);
  EXPECT_EQ(r.ids, (std::vector<int32_t>{1, 2}));
  EXPECT_NEAR(r.weights[0], std::exp(3.0) / sum, 1e-6);
  EXPECT_NEAR(r.weights[1], std::exp(2.0) / sum, 1e-6);
  // Renormalised: e^3 / (e^3 + e^2) and e^2 / (e^3 + e^2).
  r = route(logits, 4, LOOM_ROUTE_SOFTMAX_TOPK, 2, /*normalize=*/true);
  EXPECT_NEAR(r.weights[0], 1.0 / (1.0 + std::exp(-1.0)), 1e-6);
  EXPECT_NEAR(r.weights[1], 1.0 / (1.0 + std::exp(1.0)), 1e-6);
}

TEST(MoeRouteTest, TopKThenSoftmaxWithScale) {
  // The top 2 logits are 5 (expert 3) and 4 (expert 0); softmax over them, then x2.
  Routed r = route({4, -1, 0.5f, 5}, 4, LOOM_ROUTE_TOPK_SOFTMAX, 2, false, 2.0f);
  EXPECT_EQ(r.ids, (std::vector<int32_t>{3, 0}));
  EXPECT_NEAR(r.weights[0], 2.0 * sigmoid(1.0), 1e-6);
  EXPECT_NEAR(r.weights[1], 2.0 * sigmoid(-1.0), 1e-6);
}

TEST(MoeRouteTest, TopKOnLogitsWeightedBySigmoid) {
  Routed r = route({-0.5f, 2, 1}, 3, LOOM_ROUTE_TOPK_SIGMOID, 1);
  EXPECT_EQ(r.ids, (std::vector<int32_t>{1}));
  EXPECT_NEAR(r.weights[0], sigmoid(2.0), 1e-6);
}

TEST(MoeRouteTest, TiesGoToTheLowerExpert) {
  // Experts 1, 2 and 3 tie; the two lower ids win, in id order, for every flavour.
  std::vector<float> logits = {0, 1, 1, 1};
  for (int32_t routing : {LOOM_ROUTE_SOFTMAX_TOPK, LOOM_ROUTE_TOPK_SOFTMAX, LOOM_ROUTE_SIGMOID_TOPK,
                          LOOM_ROUTE_TOPK_SIGMOID})
    EXPECT_EQ(route(logits, 4, routing, 2).ids, (std::vector<int32_t>{1, 2})) << "routing " << routing;
}

TEST(MoeRouteTest, SelectionBiasChoosesButDoesNotWeigh) {
  // sigmoid scores s = sigmoid([2, 1, 0, -1]); the bias lifts expert 3 to the top (s + 5), so the choice is
  // {3, 0}, but the weights are the unbiased s, renormalised and then scaled by 2.5.
  std::vector<float> bias = {0, 0, 0, 5};
  Routed r = route({2, 1, 0, -1}, 4, LOOM_ROUTE_SIGMOID_TOPK, 2, true, 2.5f, &bias);
  EXPECT_EQ(r.ids, (std::vector<int32_t>{3, 0}));
  double s3 = sigmoid(-1.0), s0 = sigmoid(2.0);
  EXPECT_NEAR(r.weights[0], 2.5 * s3 / (s3 + s0), 1e-6);
  EXPECT_NEAR(r.weights[1], 2.5 * s0 / (s3 + s0), 1e-6);
}

TEST(MoeRouteTest, GroupLimitExcludesTheBestExpertOfAWeakGroup) {
  // Groups {0,1}, {2,3}, {4,5}; group scores (sum of both sigmoids): 2 s(3) = 1.91, s(4) + s(-4) = 1.00,
  // 2 s(2) = 1.76. Keeping 2 groups drops {2,3}, so expert 2 (the single best score) is not chosen: the top 2
  // are experts 0 and 1 (tied, in id order).
  std::vector<float> logits = {3, 3, 4, -4, 2, 2};
  Routed r = route(logits, 6, LOOM_ROUTE_SIGMOID_TOPK, 2, false, 1.0f, nullptr, 3, 2);
  EXPECT_EQ(r.ids, (std::vector<int32_t>{0, 1}));
  // Without the limit, expert 2 wins.
  EXPECT_EQ(route(logits, 6, LOOM_ROUTE_SIGMOID_TOPK, 2).ids, (std::vector<int32_t>{2, 0}));
}

/// Random F32 experts and routing for n tokens.
struct ExpertCase {
  int64_t n = 9, d = 24, hidden = 20, experts = 6, k = 2;
  std::vector<float> x, gate, up, down, gateBias, upBias, downBias, weights;
  std::vector<int32_t> ids;

  ExpertCase() {
    x = randomFloats(n * d, 1, -1, 1);
    gate = randomFloats(experts * hidden * d, 2, -0.3f, 0.3f);
    up = randomFloats(experts * hidden * d, 3, -0.3f, 0.3f);
    down = randomFloats(experts * d * hidden, 4, -0.3f, 0.3f);
    gateBias = randomFloats(experts * hidden, 5, -0.2f, 0.2f);
    upBias = randomFloats(experts * hidden, 6, -0.2f, 0.2f);
    downBias = randomFloats(experts * d, 7, -0.2f, 0.2f);
    weights = randomFloats(n * k, 8, 0.1f, 1.0f);
    // Token t routes to experts (t % 6) and (t * 5 + 1) % 6: every expert gets some tokens, some several.
    for (int64_t t = 0; t < n; ++t) {
      ids.push_back(int32_t(t % experts));
      int32_t second = int32_t((t * 5 + 1) % experts);
      ids.push_back(second == ids.back() ? int32_t((second + 1) % experts) : second);
    }
  }
};

double silu(double v) { return v / (1.0 + std::exp(-v)); }

TEST(MoeExpertsTest, TokenByTokenMatchesTheFormula) {
  ExpertCase c;
  loom_tensor g{c.gate.data(), LOOM_DTYPE_F32}, u{c.up.data(), LOOM_DTYPE_F32}, dn{c.down.data(), LOOM_DTYPE_F32};
  loom_tensor gb{c.gateBias.data(), LOOM_DTYPE_F32}, ub{c.upBias.data(), LOOM_DTYPE_F32},
      db{c.downBias.data(), LOOM_DTYPE_F32};
  for (bool weightInput : {false, true}) {
    std::vector<float> out(size_t(c.n * c.d));
    loom_k_experts(c.x.data(), c.n, c.d, c.ids.data(), c.weights.data(), c.k, &g, &u, &dn, &gb, &ub, &db, c.experts,
                   c.hidden, LOOM_EXPERT_SWIGLU, 1.702f, 7.0f, weightInput, out.data());
    for (int64_t t = 0; t < c.n; ++t)
      for (int64_t o = 0; o < c.d; ++o) {
        double expected = 0;
        for (int64_t j = 0; j < c.k; ++j) {
          int64_t e = c.ids[size_t(t * c.k + j)];
          double w = c.weights[size_t(t * c.k + j)], inScale = weightInput ? w : 1.0;
          double y = c.downBias[size_t(e * c.d + o)];
          for (int64_t h = 0; h < c.hidden; ++h) {
            double gv = c.gateBias[size_t(e * c.hidden + h)], uv = c.upBias[size_t(e * c.hidden + h)];
            for (int64_t i = 0; i < c.d; ++i) {
              double xi = inScale * c.x[size_t(t * c.d + i)];
              gv += xi * c.gate[size_t((e * c.hidden + h) * c.d + i)];
              uv += xi * c.up[size_t((e * c.hidden + h) * c.d + i)];
            }
            y += silu(gv) * uv * c.down[size_t((e * c.d + o) * c.hidden + h)];
          }
          expected += (weightInput ? 1.0 : w) * y;
        }
        ASSERT_NEAR(out[size_t(t * c.d + o)], expected, 1e-5) << "token " << t << " output " << o;
      }
  }
}

TEST(MoeExpertsTest, GroupedFormMatchesTokenByToken) {
  ExpertCase c;
  loom_tensor g{c.gate.data(), LOOM_DTYPE_F32}, u{c.up.data(), LOOM_DTYPE_F32}, dn{c.down.data(), LOOM_DTYPE_F32};
  std::vector<float> expected(size_t(c.n * c.d));
  loom_k_experts(c.x.data(), c.n, c.d, c.ids.data(), c.weights.data(), c.k, &g, &u, &dn, nullptr, nullptr, nullptr,
                 c.experts, c.hidden, LOOM_EXPERT_SWIGLU, 1.702f, 7.0f, 0, expected.data());

  const int64_t rows = c.n * c.k;
  std::vector<int32_t> order(static_cast<size_t>(rows));
  std::vector<int64_t> offsets(size_t(c.experts + 1));
  loom_k_moe_dispatch(c.ids.data(), c.n, c.k, c.experts, order.data(), offsets.data());
  // Each expert's run lists its (token, slot) pairs in token order.
  EXPECT_EQ(offsets.front(), 0);
  EXPECT_EQ(offsets.back(), rows);
  for (int64_t e = 0; e < c.experts; ++e)
    for (int64_t j = offsets[size_t(e)]; j < offsets[size_t(e + 1)]; ++j) {
      EXPECT_EQ(c.ids[size_t(order[size_t(j)])], e);
      if (j > offsets[size_t(e)])
        EXPECT_LT(order[size_t(j - 1)], order[size_t(j)]);
    }
  std::vector<float> xs(size_t(rows * c.d)), gs(size_t(rows * c.hidden)), us(gs.size()), hs(gs.size()),
      ys(size_t(rows * c.d)), out(size_t(c.n * c.d));
  loom_k_moe_gather(c.x.data(), c.n, c.d, order.data(), c.k, nullptr, xs.data());
  loom_k_grouped_linear(xs.data(), c.d, offsets.data(), c.experts, &g, c.hidden, nullptr, nullptr, gs.data());
  loom_k_grouped_linear(xs.data(), c.d, offsets.data(), c.experts, &u, c.hidden, nullptr, nullptr, us.data());
  loom_k_swiglu(gs.data(), us.data(), rows * c.hidden, hs.data());
  loom_k_grouped_linear(hs.data(), c.hidden, offsets.data(), c.experts, &dn, c.d, nullptr, nullptr, ys.data());
  loom_k_moe_combine(ys.data(), c.n, c.d, order.data(), c.k, c.weights.data(), out.data());
  for (size_t i = 0; i < out.size(); ++i)
    ASSERT_NEAR(out[i], expected[i], 1e-5) << "element " << i;
}

TEST(MoeExpertsTest, GroupedClampedSwiGLUWithBiasesMatchesTokenByToken) {
  // gpt-oss: clamped SwiGLU and biases on all three projections. The gate and up matrices are scaled up so that
  // their products reach past the limit on both sides: every branch of the clamp is taken.
  ExpertCase c;
  for (float &v : c.gate)
    v *= 12.0f;
  for (float &v : c.up)
    v *= 12.0f;
  const float alpha = 1.702f, limit = 7.0f;
  loom_tensor g{c.gate.data(), LOOM_DTYPE_F32}, u{c.up.data(), LOOM_DTYPE_F32}, dn{c.down.data(), LOOM_DTYPE_F32};
  loom_tensor gb{c.gateBias.data(), LOOM_DTYPE_F32}, ub{c.upBias.data(), LOOM_DTYPE_F32},
      db{c.downBias.data(), LOOM_DTYPE_F32};
  std::vector<float> expected(size_t(c.n * c.d));
  loom_k_experts(c.x.data(), c.n, c.d, c.ids.data(), c.weights.data(), c.k, &g, &u, &dn, &gb, &ub, &db, c.experts,
                 c.hidden, LOOM_EXPERT_SWIGLU_OAI, alpha, limit, 0, expected.data());

  const int64_t rows = c.n * c.k;
  std::vector<int32_t> order(static_cast<size_t>(rows));
  std::vector<int64_t> offsets(size_t(c.experts + 1));
  loom_k_moe_dispatch(c.ids.data(), c.n, c.k, c.experts, order.data(), offsets.data());
  std::vector<float> xs(size_t(rows * c.d)), gs(size_t(rows * c.hidden)), us(gs.size()), hs(gs.size()),
      ys(size_t(rows * c.d)), out(size_t(c.n * c.d));
  loom_k_moe_gather(c.x.data(), c.n, c.d, order.data(), c.k, nullptr, xs.data());
  loom_k_grouped_linear(xs.data(), c.d, offsets.data(), c.experts, &g, c.hidden, &gb, nullptr, gs.data());
  loom_k_grouped_linear(xs.data(), c.d, offsets.data(), c.experts, &u, c.hidden, &ub, nullptr, us.data());
  int gateAbove = 0, upAbove = 0, upBelow = 0;
  for (size_t i = 0; i < gs.size(); ++i) {
    gateAbove += gs[i] > limit;
    upAbove += us[i] > limit;
    upBelow += us[i] < -limit;
  }
  ASSERT_GT(gateAbove, 0);
  ASSERT_GT(upAbove, 0);
  ASSERT_GT(upBelow, 0);
  loom_k_swiglu_oai(gs.data(), us.data(), rows * c.hidden, alpha, limit, hs.data());
  loom_k_grouped_linear(hs.data(), c.hidden, offsets.data(), c.experts, &dn, c.d, &db, nullptr, ys.data());
  loom_k_moe_combine(ys.data(), c.n, c.d, order.data(), c.k, c.weights.data(), out.data());
  for (size_t i = 0; i < out.size(); ++i)
    ASSERT_NEAR(out[i], expected[i], 1e-5 * std::max(1.0f, std::fabs(expected[i]))) << "element " << i;
}

TEST(MoeExpertsTest, AppendSharedAddsOneSlotPerToken) {
  std::vector<int32_t> ids = {3, 1, 0, 2}, idsOut(6);
  std::vector<float> weights = {0.5f, 0.25f, 0.75f, 0.125f}, weightsOut(6), gate = {0.0f, 2.0f};
  loom_k_moe_append_shared(ids.data(), weights.data(), nullptr, 2, 2, 4, idsOut.data(), weightsOut.data());
  EXPECT_EQ(idsOut, (std::vector<int32_t>{3, 1, 4, 0, 2, 4}));
  EXPECT_EQ(weightsOut, (std::vector<float>{0.5f, 0.25f, 1.0f, 0.75f, 0.125f, 1.0f}));
  loom_k_moe_append_shared(ids.data(), weights.data(), gate.data(), 2, 2, 4, idsOut.data(), weightsOut.data());
  EXPECT_NEAR(weightsOut[2], 0.5, 1e-7);
  EXPECT_NEAR(weightsOut[5], sigmoid(2.0), 1e-7);
}

TEST(MoeExpertsTest, SharedExpertAsOneMoreGroupMatchesADenseSharedExpert) {
  ExpertCase c;
  loom_tensor g{c.gate.data(), LOOM_DTYPE_F32}, u{c.up.data(), LOOM_DTYPE_F32}, dn{c.down.data(), LOOM_DTYPE_F32};
  std::vector<float> sharedGate = randomFloats(c.hidden * c.d, 9, -0.3f, 0.3f),
                     sharedUp = randomFloats(c.hidden * c.d, 10, -0.3f, 0.3f),
                     sharedDown = randomFloats(c.d * c.hidden, 11, -0.3f, 0.3f),
                     gateLogits = randomFloats(c.n, 12, -3.0f, 3.0f);
  loom_tensor sg{sharedGate.data(), LOOM_DTYPE_F32}, su{sharedUp.data(), LOOM_DTYPE_F32},
      sd{sharedDown.data(), LOOM_DTYPE_F32};
  for (bool gated : {false, true}) {
    // Unfused: routed experts, then the shared expert as a dense MLP (scaled per token when gated), added.
    std::vector<float> routed(size_t(c.n * c.d)), a(size_t(c.n * c.hidden)), b(a.size()), h(a.size()),
        shared(routed.size()), expected(routed.size());
    loom_k_experts(c.x.data(), c.n, c.d, c.ids.data(), c.weights.data(), c.k, &g, &u, &dn, nullptr, nullptr, nullptr,
                   c.experts, c.hidden, LOOM_EXPERT_SWIGLU, 1.702f, 7.0f, 0, routed.data());
    loom_k_linear(c.x.data(), c.n, c.d, &sg, c.hidden, nullptr, a.data());
    loom_k_linear(c.x.data(), c.n, c.d, &su, c.hidden, nullptr, b.data());
    loom_k_swiglu(a.data(), b.data(), c.n * c.hidden, h.data());
    loom_k_linear(h.data(), c.n, c.hidden, &sd, c.d, nullptr, shared.data());
    if (gated)
      loom_k_sigmoid_gate(gateLogits.data(), shared.data(), c.n * c.d, c.d, 1, shared.data());
    for (size_t i = 0; i < expected.size(); ++i)
      expected[i] = routed[i] + shared[i];

    // Fused: the shared expert is group `experts`, every token's slot k.
    const int64_t k = c.k + 1, rows = c.n * k;
    std::vector<int32_t> ids(static_cast<size_t>(rows)), order(static_cast<size_t>(rows));
    std::vector<float> weights(static_cast<size_t>(rows));
    loom_k_moe_append_shared(c.ids.data(), c.weights.data(), gated ? gateLogits.data() : nullptr, c.n, c.k,
                             int32_t(c.experts), ids.data(), weights.data());
    std::vector<int64_t> offsets(size_t(c.experts + 2));
    loom_k_moe_dispatch(ids.data(), c.n, k, c.experts + 1, order.data(), offsets.data());
    EXPECT_EQ(offsets[size_t(c.experts + 1)] - offsets[size_t(c.experts)], c.n) << "every token in the shared group";
    std::vector<float> xs(size_t(rows * c.d)), gs(size_t(rows * c.hidden)), us(gs.size()), hs(gs.size()),
        ys(size_t(rows * c.d)), out(size_t(c.n * c.d));
    loom_k_moe_gather(c.x.data(), c.n, c.d, order.data(), k, nullptr, xs.data());
    loom_k_grouped_linear(xs.data(), c.d, offsets.data(), c.experts, &g, c.hidden, nullptr, &sg, gs.data());
    loom_k_grouped_linear(xs.data(), c.d, offsets.data(), c.experts, &u, c.hidden, nullptr, &su, us.data());
    loom_k_swiglu(gs.data(), us.data(), rows * c.hidden, hs.data());
    loom_k_grouped_linear(hs.data(), c.hidden, offsets.data(), c.experts, &dn, c.d, nullptr, &sd, ys.data());
    loom_k_moe_combine(ys.data(), c.n, c.d, order.data(), k, weights.data(), out.data());
    // The same products over the same rows, summed in the same order: float rounding differs only where the
    // shared rows' GEMM blocks differently from the dense one's (all n tokens in both), so well within 1e-6.
    for (size_t i = 0; i < out.size(); ++i)
      ASSERT_NEAR(out[i], expected[i], 1e-6) << (gated ? "gated, " : "") << "element " << i;
  }
}

} // namespace
} // namespace loom::test
