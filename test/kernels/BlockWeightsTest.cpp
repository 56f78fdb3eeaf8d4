//===- BlockWeightsTest.cpp - loom_k_linear/embedding with ggml blocks ----===//
//
// Q8_0, Q4_0 and Q4_1 weights on both schedules (GEMV m = 1, 3; GEMM m = 5,
// 70), k of 1 to 36 blocks (not multiples of 256), n not a multiple of any
// tile, with and without a bias. Tolerances:
//   - against ggml's product (BlockReference.h): 1e-5 of the sum of the
//     absolute block terms; the integer dot products are exact, so this is the
//     float accumulation's rounding;
//   - against the exact product of the dequantized weights with unquantized x:
//     1e-2 of the sum of |x| |w|, the error of quantizing x to 8 bits
//     (amax / 254 per element at most, mostly cancelling);
//   - embedding rows: exact (d * q (+ m) times the scale, each one rounding);
//   - every row of a batched product (the GEMM) against the same row alone (the GEMV), Q4_K and Q6_K too:
//     equal bit for bit.
//
//===----------------------------------------------------------------------===//

#include "BlockReference.h"
#include "TestSupport.h"

#include "loom/Runtime/Kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <tuple>

namespace loom::test {
namespace {

constexpr double kGgmlTolerance = 1e-5;
constexpr double kDequantizedTolerance = 1e-2;

struct BlockCase {
  int64_t m, k, n;
};

class BlockLinearTest : public testing::TestWithParam<std::tuple<BlockCase, loom_dtype, bool>> {};

TEST_P(BlockLinearTest, MatchesGgmlAndDequantizedProduct) {
  auto [shape, dtype, withBias] = GetParam();
  auto [m, k, n] = shape;
  std::vector<float> x = randomFloats(m * k, 11);
  BlockMatrix w = randomBlocks(dtype, n, k, 12);
  std::vector<float> bias = randomFloats(n, 13);
  loom_tensor wTensor = w.tensor(), biasTensor{bias.data(), LOOM_DTYPE_F32};
  std::vector<float> y(m * n, NAN);

  loom_k_linear(x.data(), m, k, &wTensor, n, withBias ? &biasTensor : nullptr, y.data());

  std::string what = dtypeName(dtype) + " m=" + std::to_string(m) + " k=" + std::to_string(k) +
                     " n=" + std::to_string(n);
  const std::vector<float> *b = withBias ? &bias : nullptr;
  expectMatches(y, blockLinear(x, m, k, w, n, b), kGgmlTolerance, what + " vs ggml");
  expectMatches(y, linear(x, m, k, w.values, n, b), kDequantizedTolerance, what + " vs dequantized");
}

const BlockCase kShapes[] = {
    {1, 32, 1},    {3, 32, 29},   {5, 32, 29},   {70, 32, 3},    // one block
    {1, 288, 67},  {3, 288, 67},  {5, 288, 67},  {70, 288, 67},  // 9 blocks: not a multiple of 256
    {1, 1152, 31}, {3, 1152, 31}, {5, 1152, 31}, {70, 1152, 31}, // 36 blocks
    {4, 96, 130},  {2, 64, 5},                                   // the GEMV/GEMM boundary, tiny n
};

std::string caseName(const testing::TestParamInfo<BlockLinearTest::ParamType> &info) {
  auto [shape, dtype, withBias] = info.param;
  return "m" + std::to_string(shape.m) + "_k" + std::to_string(shape.k) + "_n" + std::to_string(shape.n) + "_" +
         dtypeName(dtype) + (withBias ? "_bias" : "");
}

INSTANTIATE_TEST_SUITE_P(Shapes, BlockLinearTest,
                         testing::Combine(testing::ValuesIn(kShapes),
                                          testing::Values(LOOM_DTYPE_Q8_0, LOOM_DTYPE_Q4_0, LOOM_DTYPE_Q4_1),
                                          testing::Bool()),
                         caseName);

TEST(BlockEmbedding, DequantizesRowsExactly) {
  const int32_t ids[] = {3, 0, 48, 3, 17, 48, 9};
  const int64_t n = std::size(ids), vocab = 49;
  for (loom_dtype dtype : {LOOM_DTYPE_Q8_0, LOOM_DTYPE_Q4_0, LOOM_DTYPE_Q4_1})
    for (int64_t d : {32, 96, 576}) {
      BlockMatrix table = randomBlocks(dtype, vocab, d, 14);
      loom_tensor t = table.tensor();
      std::vector<float> out(n * d, NAN);
      loom_k_embedding(&t, d, ids, n, 2.5f, out.data());
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < d; ++j)
          // d * q is exact in F32, so d * q + m is one rounding whether fused or not, the scale another.
          ASSERT_EQ(out[i * d + j], float(table.values[ids[i] * d + j]) * 2.5f)
              << dtypeName(dtype) << " d=" << d << " token " << i << " element " << j;
    }
}

TEST(BlockWeightsDeathTest, LinearRejectsKNotAMultipleOfTheBlock) {
  testing::FLAGS_gtest_death_test_style = "threadsafe";
  std::vector<float> x(48, 1.0f), y(2);
  BlockMatrix w = randomBlocks(LOOM_DTYPE_Q4_1, 2, 64, 15);
  loom_tensor t = w.tensor();
  EXPECT_DEATH(loom_k_linear(x.data(), 1, 48, &t, 2, nullptr, y.data()),
               "loom: kernel error: loom_k_linear: Q4_1 weights need k to be a multiple of 32, got k = 48");
}

TEST(BlockWeightsDeathTest, EmbeddingRejectsDNotAMultipleOfTheBlock) {
  testing::FLAGS_gtest_death_test_style = "threadsafe";
  BlockMatrix table = randomBlocks(LOOM_DTYPE_Q8_0, 2, 64, 16);
  loom_tensor t = table.tensor();
  const int32_t ids[] = {1};
  std::vector<float> out(40);
  EXPECT_DEATH(loom_k_embedding(&t, 40, ids, 1, 1.0f, out.data()),
               "loom: kernel error: loom_k_embedding: Q8_0 tables need d to be a multiple of 32, got d = 40");
}

} // namespace
} // namespace loom::test

namespace loom::test {
namespace {

/// Random bytes as k-quant super-blocks, with finite F16 scales around 1 / 64 (d, and Q4_K's dmin).
std::vector<uint8_t> randomKQuantRows(loom_dtype dtype, int64_t rows, int64_t k, uint64_t seed) {
  const int64_t superBytes = dtype == LOOM_DTYPE_Q4_K ? 144 : 210;
  std::vector<float> noise = randomFloats(rows * k / 256 * superBytes, seed);
  std::vector<uint8_t> bytes(noise.size());
  for (size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<uint8_t>(static_cast<int64_t>(std::fabs(noise[i]) * 1e6) & 0xff);
  const uint8_t scaleBits[2] = {0x00, 0x24}; // F16 0x2400 = 2^-6
  for (size_t super = 0; super * superBytes < bytes.size(); ++super) {
    uint8_t *block = bytes.data() + super * superBytes;
    for (int64_t at : dtype == LOOM_DTYPE_Q4_K ? std::vector<int64_t>{0, 2} : std::vector<int64_t>{208}) {
      block[at] = scaleBits[0];
      block[at + 1] = scaleBits[1];
    }
  }
  return bytes;
}

// The runtime takes the GEMV for up to 4 rows of x and the GEMM above; a token's outputs must not depend on
// which one ran (incremental decode equals the batched prompt, token by token experts equal grouped ones).
// Float weights too: both shapes keep one partial sum per vector lane (Linear.cpp).
class BatchedRowsTest : public testing::TestWithParam<loom_dtype> {};

bool isFloatFormat(loom_dtype dtype) {
  return dtype == LOOM_DTYPE_F32 || dtype == LOOM_DTYPE_F16 || dtype == LOOM_DTYPE_BF16;
}

/// `count` random weights stored as F32, F16 or BF16 (BF16: the upper half of the F32, truncated).
std::vector<uint8_t> randomFloatRows(loom_dtype dtype, int64_t count, uint32_t seed) {
  std::vector<float> values = randomFloats(count, seed);
  std::vector<uint8_t> bytes(count * (dtype == LOOM_DTYPE_F32 ? 4 : 2));
  for (int64_t i = 0; i < count; ++i) {
    if (dtype == LOOM_DTYPE_F32) {
      std::memcpy(bytes.data() + 4 * i, &values[i], 4);
    } else if (dtype == LOOM_DTYPE_F16) {
      _Float16 half = static_cast<_Float16>(values[i]);
      std::memcpy(bytes.data() + 2 * i, &half, 2);
    } else {
      uint32_t bits;
      std::memcpy(&bits, &values[i], 4);
      uint16_t upper = static_cast<uint16_t>(bits >> 16);
      std::memcpy(bytes.data() + 2 * i, &upper, 2);
    }
  }
  return bytes;
}

TEST_P(BatchedRowsTest, EveryRowOfABatchEqualsItsOwnProduct) {
  const loom_dtype dtype = GetParam();
  for (auto [m, k, n] : {std::tuple<int64_t, int64_t, int64_t>{7, 512, 37}, {6, 256, 256}, {12, 256, 5}}) {
  std::vector<float> x = randomFloats(m * k, 21);
  std::vector<uint8_t> bytes = dtype == LOOM_DTYPE_Q4_K || dtype == LOOM_DTYPE_Q6_K ? randomKQuantRows(dtype, n, k, 22)
                               : isFloatFormat(dtype)                            ? randomFloatRows(dtype, n * k, 22)
                                                                                 : randomBlocks(dtype, n, k, 22).bytes;
  loom_tensor w{bytes.data(), dtype};
  std::vector<float> batched(m * n, NAN), single(n, NAN);
  loom_k_linear(x.data(), m, k, &w, n, nullptr, batched.data());
  for (int64_t row = 0; row < m; ++row) {
    loom_k_linear(x.data() + row * k, 1, k, &w, n, nullptr, single.data());
    for (int64_t j = 0; j < n; ++j)
      ASSERT_EQ(batched[row * n + j], single[j]) << dtypeName(dtype) << " m=" << m << " k=" << k << " n=" << n
                                                  << ": row " << row << " output " << j;
  }
  }
}

INSTANTIATE_TEST_SUITE_P(Dtypes, BatchedRowsTest,
                         testing::Values(LOOM_DTYPE_Q8_0, LOOM_DTYPE_Q4_0, LOOM_DTYPE_Q4_1, LOOM_DTYPE_Q4_K,
                                         LOOM_DTYPE_Q6_K, LOOM_DTYPE_F32, LOOM_DTYPE_F16, LOOM_DTYPE_BF16),
                         [](const testing::TestParamInfo<loom_dtype> &info) { return dtypeName(info.param); });

} // namespace
} // namespace loom::test
