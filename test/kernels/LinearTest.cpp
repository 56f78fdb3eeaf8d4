//===- LinearTest.cpp - loom_k_linear against the double reference --------===//
//
// Covers both schedules (GEMV up to 4 rows, GEMM beyond), k with and without
// a tail past the vector lanes, n not a multiple of any tile, every weight
// dtype, and with and without a bias. Tolerance: 1e-5 of the sum of the
// absolute products (float accumulation of up to a few thousand terms).
//
//===----------------------------------------------------------------------===//

#include "Reference.h"
#include "TestSupport.h"

#include "loom/Runtime/Kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <tuple>

namespace loom::test {
namespace {

constexpr double kLinearTolerance = 1e-5;

struct LinearCase {
  int64_t m, k, n;
};

class LinearTest : public testing::TestWithParam<std::tuple<LinearCase, loom_dtype, bool>> {};

TEST_P(LinearTest, MatchesReference) {
  auto [shape, dtype, withBias] = GetParam();
  auto [m, k, n] = shape;
  std::vector<float> x = randomFloats(m * k, 1);
  Weights w = randomWeights(dtype, n * k, 2);
  std::vector<float> bias = randomFloats(n, 3);
  loom_tensor wTensor = w.tensor(), biasTensor{bias.data(), LOOM_DTYPE_F32};
  std::vector<float> y(m * n, NAN);

  loom_k_linear(x.data(), m, k, &wTensor, n, withBias ? &biasTensor : nullptr, y.data());

  expectMatches(y, linear(x, m, k, w.values, n, withBias ? &bias : nullptr), kLinearTolerance,
                "linear m=" + std::to_string(m) + " k=" + std::to_string(k) + " n=" + std::to_string(n));
}

const LinearCase kShapes[] = {
    {1, 37, 29},    {3, 37, 29},   {17, 37, 29},  {128, 37, 29},   // k below the GEMV's 32 lanes
    {1, 1029, 67},  {3, 1029, 67}, {4, 1029, 67}, {5, 1029, 67},   // the GEMV/GEMM boundary
    {17, 1029, 67}, {128, 1029, 67},                                // k with a tail past the lanes
    {1, 256, 1},    {17, 256, 1},  {128, 8, 130}, {2, 3, 5},        // n below any tile; tiny k
    {1, 3072, 130}, {64, 2048, 96},                                 // model-sized k
};

std::string caseName(const testing::TestParamInfo<LinearTest::ParamType> &info) {
  auto [shape, dtype, withBias] = info.param;
  const char *type = dtype == LOOM_DTYPE_F32 ? "F32" : dtype == LOOM_DTYPE_F16 ? "F16" : "BF16";
  return "m" + std::to_string(shape.m) + "_k" + std::to_string(shape.k) + "_n" + std::to_string(shape.n) + "_" +
         type + (withBias ? "_bias" : "");
}

INSTANTIATE_TEST_SUITE_P(Shapes, LinearTest,
                         testing::Combine(testing::ValuesIn(kShapes),
                                          testing::Values(LOOM_DTYPE_F32, LOOM_DTYPE_F16, LOOM_DTYPE_BF16),
                                          testing::Bool()),
                         caseName);

TEST(Linear, ZeroRowsWriteNothing) {
  std::vector<float> x(16, 1.0f), y(8, 42.0f);
  Weights w = randomWeights(LOOM_DTYPE_F32, 8 * 16, 4);
  loom_tensor t = w.tensor();
  loom_k_linear(x.data(), 0, 16, &t, 8, nullptr, y.data());
  for (float v : y)
    EXPECT_EQ(v, 42.0f);
}

TEST(Linear, EmptyReductionGivesTheBias) {
  std::vector<float> bias = {1.5f, -2.0f, 0.25f}, y(2 * 3, NAN);
  float x = 0;
  float wData = 0;
  loom_tensor w{&wData, LOOM_DTYPE_F32}, b{bias.data(), LOOM_DTYPE_F32};
  loom_k_linear(&x, 2, 0, &w, 3, &b, y.data());
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      EXPECT_EQ(y[i * 3 + j], bias[j]);
}

TEST(LinearDeathTest, UnsupportedDtypeAborts) {
  testing::FLAGS_gtest_death_test_style = "threadsafe";
  std::vector<float> x(32, 1.0f), y(4);
  std::vector<uint8_t> blocks(4 * 32);
  loom_tensor w{blocks.data(), 6}; // ggml's Q5_0
  EXPECT_DEATH(loom_k_linear(x.data(), 1, 32, &w, 4, nullptr, y.data()),
               "loom: kernel error: loom_k_linear: weights of dtype 6 are not supported");
}

} // namespace
} // namespace loom::test
