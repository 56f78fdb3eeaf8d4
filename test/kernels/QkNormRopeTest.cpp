//===- QkNormRopeTest.cpp - loom_k_qk_norm_rope against its two halves -----===//
//
// The fused kernel promises the arithmetic of loom_k_rms_norm followed by
// loom_k_rope, so it is checked bit for bit against exactly that (the two
// kernels have their own tests against double references), per head and over
// all heads, for both pairings, partial rotary, with and without a weight or
// Gemma's 1 + w, in place and not, across token-block boundaries.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"

#include "loom/Runtime/Kernels.h"

#include <gtest/gtest.h>

namespace loom::test {
namespace {

struct Case {
  int64_t heads, headDim, rotDims;
  bool allHeads;
  int32_t interleaved;
  float weightOffset;
  bool weighted;
};

/// scaled: RoPE scaling's per-pair divisors (from 1 to 8) and attention factor go through to the rotation.
void checkFusedEqualsUnfused(const Case &c, int64_t n, int64_t startPos, bool inPlace, bool scaled = false) {
  std::vector<float> divisors;
  for (int64_t j = 0; j < c.rotDims / 2; ++j)
    divisors.push_back(1.0f + 7.0f * float(j) / float(c.rotDims / 2));
  const float *table = scaled ? divisors.data() : nullptr;
  const float attnFactor = scaled ? 1.2f : 1.0f;
  const int64_t rowElements = c.heads * c.headDim, width = c.allHeads ? rowElements : c.headDim;
  std::vector<float> x = randomFloats(n * rowElements, 100 + n, -3.0f, 3.0f);
  Weights w = randomWeights(LOOM_DTYPE_F32, size_t(width), 101);
  loom_tensor weight = w.tensor();
  const loom_tensor *wp = c.weighted ? &weight : nullptr;

  std::vector<float> expected(x.size());
  loom_k_rms_norm(x.data(), n * (rowElements / width), width, wp, 1e-6f, c.weightOffset, expected.data());
  loom_k_rope(expected.data(), n, c.heads, c.headDim, c.rotDims, startPos, 1e4f, table, attnFactor, c.interleaved);

  std::vector<float> got(x.size(), NAN);
  float *out = inPlace ? x.data() : got.data();
  loom_k_qk_norm_rope(x.data(), n, c.heads, c.headDim, width, wp, 1e-6f, c.weightOffset, c.rotDims, startPos, 1e4f,
                      table, attnFactor, c.interleaved, out);
  for (size_t i = 0; i < expected.size(); ++i)
    ASSERT_EQ(out[i], expected[i]) << "heads " << c.heads << " head_dim " << c.headDim << " all_heads " << c.allHeads
                                   << " n " << n << " in place " << inPlace << " element " << i;
}

TEST(QkNormRope, EqualsNormThenRopeBitForBit) {
  const Case cases[] = {
      {8, 128, 128, false, 0, 0.0f, true},  // Qwen3
      {4, 256, 256, false, 0, 1.0f, true},  // Gemma 3 (1 + w)
      {4, 32, 32, true, 0, 0.0f, true},     // OLMo 2: one norm over all heads
      {3, 24, 12, false, 1, 0.0f, false},   // partial, interleaved, weightless
  };
  for (const Case &c : cases)
    for (int64_t n : {1, 7, 19, 300}) // 300 tokens of Gemma-sized heads span several blocks
      for (bool inPlace : {false, true})
        checkFusedEqualsUnfused(c, n, 5, inPlace);
}

TEST(QkNormRope, ScaledEqualsNormThenScaledRope) {
  const Case cases[] = {{4, 32, 32, false, 0, 0.0f, true}, {3, 24, 12, false, 1, 0.0f, false}};
  for (const Case &c : cases)
    for (int64_t n : {1, 19})
      checkFusedEqualsUnfused(c, n, 70, /*inPlace=*/false, /*scaled=*/true);
}

TEST(QkNormRopeDeathTest, NormGroupsMustTileTheRow) {
  testing::FLAGS_gtest_death_test_style = "threadsafe";
  std::vector<float> x(64);
  EXPECT_DEATH(loom_k_qk_norm_rope(x.data(), 1, 2, 16, 12, nullptr, 1e-6f, 0.0f, 16, 0, 1e4f, nullptr, 1.0f, 0,
                                   x.data()),
               "loom_k_qk_norm_rope: norm groups of 12 do not tile rows of 2 x 16");
}

} // namespace
} // namespace loom::test
