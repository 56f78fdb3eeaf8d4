//===- RopeTest.cpp - loom_k_rope against the double reference ------------===//
//
// Both pairings, full and partial rotary dims (including a pair count that
// is not a multiple of the vector width), several heads and tokens, and
// positions up to 131072 + n. The kernel computes the angles as ggml does
// (F32, by repeated multiplication), so it must equal a scalar version of
// ggml's formula bit for bit, and features past rot_dims must be left
// bit-identical. Against the exact (double) rotation the F32 angles are off
// by up to about p * pairs ulps of 1 radian: the tolerance is that bound
// (2^-23 p pairs radians) plus 1e-6, of |x0| + |x1|; it is loose at 131072,
// where llama.cpp's (and transformers') angles are off by 1e-2 too.
//
//===----------------------------------------------------------------------===//

#include "Reference.h"
#include "TestSupport.h"

#include "loom/Runtime/Kernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace loom::test {
namespace {


struct RopeCase {
  int64_t n, heads, headDim, rotDims;
};

TEST(Rope, MatchesReference) {
  const RopeCase cases[] = {{1, 1, 8, 8}, {5, 3, 64, 64}, {2, 4, 128, 128}, {3, 2, 20, 10},
                            {4, 3, 64, 16}, {17, 2, 96, 96}, {1, 16, 128, 64}};
  for (const RopeCase &c : cases)
    for (int64_t startPos : {0, 7, 131072})
      for (float theta : {10000.0f, 1000000.0f})
        for (int32_t interleaved : {0, 1}) {
          std::vector<float> x = randomFloats(c.n * c.heads * c.headDim, 30 + c.headDim);
          Reference ref = rope(x, c.n, c.heads, c.headDim, c.rotDims, startPos, theta, interleaved);
          std::string what = "rope n=" + std::to_string(c.n) + " heads=" + std::to_string(c.heads) +
                             " head_dim=" + std::to_string(c.headDim) + " rot=" + std::to_string(c.rotDims) +
                             " start=" + std::to_string(startPos) + " theta=" + std::to_string(theta) +
                             (interleaved ? " gptj" : " neox");
          std::vector<float> ggml = ggmlRope(x, c.n, c.heads, c.headDim, c.rotDims, startPos, theta, interleaved);
          loom_k_rope(x.data(), c.n, c.heads, c.headDim, c.rotDims, startPos, theta, nullptr, 1.0f, interleaved);
          for (size_t i = 0; i < x.size(); ++i)
            ASSERT_EQ(x[i], ggml[i]) << what << ": element " << i << " differs from ggml's rotation";
          double angleError = std::ldexp(double(startPos + c.n) * double(c.rotDims / 2), -23);
          expectMatches(x, ref, 1e-6 + angleError, what);
          // Unrotated features: the reference leaves them as they were, so they must be exact.
          for (size_t i = 0; i < x.size(); ++i) {
            if (int64_t(i % c.headDim) >= c.rotDims) {
              ASSERT_EQ(double(x[i]), ref.value[i]) << what << " touched feature " << i;
            }
          }
        }
}

TEST(Rope, NothingToRotate) {
  std::vector<float> x = randomFloats(2 * 3 * 8, 31), before = x;
  loom_k_rope(x.data(), 0, 3, 8, 8, 5, 10000.0f, nullptr, 1.0f, 0);
  loom_k_rope(x.data(), 2, 3, 8, 0, 5, 10000.0f, nullptr, 1.0f, 1);
  EXPECT_EQ(x, before);
}

/// Divisors shaped like a Llama 3.1 table: 1 for the fast pairs, `factor` for the slow ones, a blend between.
std::vector<float> bandedDivisors(int64_t pairs, float factor) {
  std::vector<float> divisors(pairs);
  for (int64_t j = 0; j < pairs; ++j) {
    double t = std::clamp((double(j) - pairs / 3.0) / (pairs / 3.0), 0.0, 1.0);
    divisors[j] = static_cast<float>(1.0 / ((1.0 - t) + t / factor));
  }
  return divisors;
}

// Scaled RoPE (RoPE scaling, loom/Dialect/RopeScaling.h) against ggml's rope with freq_factors and mscale, bit
// for bit, and against the double reference with the unscaled test's tolerance (dividing an angle by a divisor
// >= 1 does not grow its error), scaled by the attention factor.
TEST(Rope, ScaledMatchesReference) {
  const RopeCase cases[] = {{3, 2, 64, 64}, {17, 2, 96, 96}, {4, 3, 64, 16}, {2, 4, 128, 128}};
  for (const RopeCase &c : cases)
    for (int64_t startPos : {0, 200, 131072})
      for (float attnFactor : {1.0f, 1.2079442f})
        for (int32_t interleaved : {0, 1}) {
          RopeScalingRef scaling{bandedDivisors(c.rotDims / 2, 32.0f), attnFactor};
          std::vector<float> x = randomFloats(c.n * c.heads * c.headDim, 40 + c.headDim);
          Reference ref = rope(x, c.n, c.heads, c.headDim, c.rotDims, startPos, 5e5, interleaved, &scaling);
          std::vector<float> ggml =
              ggmlRope(x, c.n, c.heads, c.headDim, c.rotDims, startPos, 5e5f, interleaved, &scaling);
          std::string what = "scaled rope head_dim=" + std::to_string(c.headDim) + " rot=" +
                             std::to_string(c.rotDims) + " start=" + std::to_string(startPos) +
                             " attn=" + std::to_string(attnFactor) + (interleaved ? " gptj" : " neox");
          loom_k_rope(x.data(), c.n, c.heads, c.headDim, c.rotDims, startPos, 5e5f, scaling.divisors.data(),
                      attnFactor, interleaved);
          for (size_t i = 0; i < x.size(); ++i)
            ASSERT_EQ(x[i], ggml[i]) << what << ": element " << i << " differs from ggml's scaled rotation";
          double angleError = std::ldexp(double(startPos + c.n) * double(c.rotDims / 2), -23);
          expectMatches(x, ref, (1e-6 + angleError) * attnFactor, what);
        }
}

// A table of ones and a factor of 1 are exact no-ops: an unscaled RoPE through the scaled path is the unscaled
// RoPE bit for bit (what keeps SmolLM2 equal to llama.cpp).
TEST(Rope, UnitScalingIsUnscaled) {
  for (int32_t interleaved : {0, 1}) {
    std::vector<float> x = randomFloats(5 * 3 * 64, 50), y = x;
    std::vector<float> ones(32, 1.0f);
    loom_k_rope(x.data(), 5, 3, 64, 64, 4097, 1e4f, nullptr, 1.0f, interleaved);
    loom_k_rope(y.data(), 5, 3, 64, 64, 4097, 1e4f, ones.data(), 1.0f, interleaved);
    EXPECT_EQ(x, y);
  }
}

} // namespace
} // namespace loom::test
