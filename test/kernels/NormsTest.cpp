//===- NormsTest.cpp - loom_k_rms_norm and loom_k_layer_norm --------------===//
//
// Odd row lengths (below, at and past the 16 partial-sum lanes), weightless
// RMSNorm, weight offsets (Gemma's 1 + w), 16-bit weights, LayerNorm with and
// without bias and with a large mean. Tolerance: 1e-5 relative.
//
//===----------------------------------------------------------------------===//

#include "Reference.h"
#include "TestSupport.h"

#include "loom/Runtime/Kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace loom::test {
namespace {

constexpr double kNormTolerance = 1e-5;
const int64_t kRows[] = {1, 3, 17};
const int64_t kWidths[] = {1, 7, 16, 37, 1027};

TEST(RmsNorm, MatchesReference) {
  for (int64_t rows : kRows)
    for (int64_t d : kWidths)
      for (loom_dtype dtype : {LOOM_DTYPE_F32, LOOM_DTYPE_F16, LOOM_DTYPE_BF16})
        for (float offset : {0.0f, 1.0f}) {
          std::vector<float> x = randomFloats(rows * d, 10 + d, -3.0f, 3.0f), y(rows * d, NAN);
          Weights w = randomWeights(dtype, d, 11);
          loom_tensor t = w.tensor();
          loom_k_rms_norm(x.data(), rows, d, &t, 1e-6f, offset, y.data());
          expectMatches(y, rmsNorm(x, rows, d, &w.values, 1e-6, offset), kNormTolerance,
                        "rms_norm rows=" + std::to_string(rows) + " d=" + std::to_string(d) +
                            " dtype=" + std::to_string(dtype) + " offset=" + std::to_string(offset));
        }
}

TEST(RmsNorm, Weightless) {
  for (int64_t d : kWidths) {
    std::vector<float> x = randomFloats(3 * d, 12), y(3 * d, NAN);
    loom_k_rms_norm(x.data(), 3, d, nullptr, 1e-5f, 1.0f, y.data());
    expectMatches(y, rmsNorm(x, 3, d, nullptr, 1e-5, 0.0), kNormTolerance, "weightless d=" + std::to_string(d));
  }
}

TEST(RmsNorm, ZeroRowIsZero) {
  std::vector<float> x(37, 0.0f), y(37, NAN), w(37, 1.0f);
  loom_tensor t{w.data(), LOOM_DTYPE_F32};
  loom_k_rms_norm(x.data(), 1, 37, &t, 1e-6f, 0.0f, y.data());
  for (float v : y)
    EXPECT_EQ(v, 0.0f);
  loom_k_rms_norm(x.data(), 0, 37, &t, 1e-6f, 0.0f, nullptr); // no rows: nothing to touch
}

TEST(LayerNorm, MatchesReference) {
  for (int64_t rows : kRows)
    for (int64_t d : kWidths)
      for (bool withBias : {false, true})
        for (float mean : {0.0f, 10.0f}) {
          std::vector<float> x = randomFloats(rows * d, 20 + d, mean - 2.0f, mean + 2.0f), y(rows * d, NAN);
          Weights w = randomWeights(LOOM_DTYPE_F32, d, 21), b = randomWeights(LOOM_DTYPE_BF16, d, 22);
          loom_tensor wt = w.tensor(), bt = b.tensor();
          loom_k_layer_norm(x.data(), rows, d, &wt, withBias ? &bt : nullptr, 1e-5f, y.data());
          expectMatches(y, layerNorm(x, rows, d, w.values, withBias ? &b.values : nullptr, 1e-5), kNormTolerance,
                        "layer_norm rows=" + std::to_string(rows) + " d=" + std::to_string(d) +
                            (withBias ? " bias" : "") + " mean=" + std::to_string(mean));
        }
}

TEST(NormsDeathTest, UnsupportedWeightDtypeAborts) {
  testing::FLAGS_gtest_death_test_style = "threadsafe";
  std::vector<float> x(8, 1.0f), y(8);
  std::vector<uint8_t> blocks(64);
  loom_tensor w{blocks.data(), LOOM_DTYPE_Q8_0};
  EXPECT_DEATH(loom_k_rms_norm(x.data(), 1, 8, &w, 1e-6f, 0.0f, y.data()),
               "loom: kernel error: loom_k_rms_norm: the weight of dtype 8 is not supported");
}

} // namespace
} // namespace loom::test
