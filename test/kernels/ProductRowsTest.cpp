//===- ProductRowsTest.cpp - loom_k_linear on weights packed at load -------===//
//
// Q4_0, Q4_1 and Q8_0 weights packed by loom_k_pack_linear_weights (codegen/kernels/
// ProductRows.h; Q4_K and Q6_K below) against ggml's product of the same
// weights (BlockReference.h), on both schedules, k of 1 to 36 blocks, n of 1
// to 10 groups of 16 rows, with and without a bias. Tolerance: 1e-5 of the sum
// of the absolute block terms, as for the file's layout: the integer dot
// products are exact, only the float accumulation differs (one chain per row
// here, ggml's eight lanes there). Every row of a batched product equals the
// same row alone, bit for bit, and an embedding lookup in a packed table
// equals one in the file's layout.
//
//===----------------------------------------------------------------------===//

#include "BlockReference.h"
#include "TestSupport.h"

#include "loom/Runtime/Kernels.h"
#include "loom/Runtime/ModelABI.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <tuple>

namespace loom::test {
namespace {

constexpr double kGgmlTolerance = 1e-5;

/// `w` in the packed layout loom_k_linear_packed_dtype picks for it.
struct PackedMatrix {
  std::vector<uint8_t> bytes;
  loom_tensor tensor;
};

PackedMatrix pack(const loom_tensor &w, int64_t n, int64_t k) {
  int64_t bytes = 0;
  int64_t dtype = loom_k_linear_packed_dtype(w.dtype, n, k, LOOM_NUMERICS_FAST, &bytes);
  EXPECT_NE(dtype, w.dtype);
  PackedMatrix packed{std::vector<uint8_t>(static_cast<size_t>(bytes)), {}};
  loom_k_pack_linear_weights(&w, n, k, packed.bytes.data());
  packed.tensor = {packed.bytes.data(), dtype};
  return packed;
}

PackedMatrix pack(const BlockMatrix &w, int64_t n, int64_t k) {
  PackedMatrix packed = pack(w.tensor(), n, k);
  EXPECT_EQ(packed.bytes.size(), w.bytes.size()) << "the packed Q4_0 and Q8_0 layouts take the file's bytes";
  return packed;
}

/// Random k-quant super-blocks [rows, k] and their exact values (each row looked up with loom_k_embedding,
/// which decodes as ggml's dequantize_row_q4_K / _q6_K). Q4_K: F16 d and dmin of 2^-6 and 2^-8; Q6_K: d of
/// 2^-6, random codes and int8 scales.
struct KQuantMatrix {
  loom_dtype dtype = LOOM_DTYPE_Q4_K;
  std::vector<uint8_t> bytes;
  std::vector<double> values;
  loom_tensor tensor() const { return {bytes.data(), dtype}; }
};

KQuantMatrix randomKQuant(loom_dtype dtype, int64_t rows, int64_t k, uint64_t seed) {
  const int64_t superBytes = dtype == LOOM_DTYPE_Q4_K ? 144 : 210;
  std::vector<float> noise = randomFloats(rows * k / 256 * superBytes, seed);
  KQuantMatrix w{dtype, std::vector<uint8_t>(noise.size()), {}};
  for (size_t i = 0; i < w.bytes.size(); ++i)
    w.bytes[i] = static_cast<uint8_t>(static_cast<int64_t>(std::fabs(noise[i]) * 1e6) & 0xff);
  for (size_t at = 0; at < w.bytes.size(); at += superBytes) {
    if (dtype == LOOM_DTYPE_Q4_K) {
      w.bytes[at] = 0x00, w.bytes[at + 1] = 0x24;     // d = 2^-6
      w.bytes[at + 2] = 0x00, w.bytes[at + 3] = 0x1c; // dmin = 2^-8
    } else {
      w.bytes[at + 208] = 0x00, w.bytes[at + 209] = 0x24; // d = 2^-6
    }
  }
  std::vector<int32_t> ids(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r)
    ids[r] = static_cast<int32_t>(r);
  std::vector<float> values(static_cast<size_t>(rows * k));
  loom_tensor t = w.tensor();
  loom_k_embedding(&t, k, ids.data(), rows, 1.0f, values.data());
  w.values.assign(values.begin(), values.end());
  return w;
}

struct PackedCase {
  int64_t m, k, n;
};

class ProductRowsTest : public testing::TestWithParam<std::tuple<PackedCase, bool>> {};

TEST_P(ProductRowsTest, MatchesGgmlProduct) {
  auto [shape, withBias] = GetParam();
  auto [m, k, n] = shape;
  std::vector<float> x = randomFloats(m * k, 31);
  std::vector<float> bias = randomFloats(n, 33);
  loom_tensor biasTensor{bias.data(), LOOM_DTYPE_F32};
  for (loom_dtype dtype : {LOOM_DTYPE_Q4_0, LOOM_DTYPE_Q4_1, LOOM_DTYPE_Q8_0}) {
    BlockMatrix w = randomBlocks(dtype, n, k, 32);
    PackedMatrix packed = pack(w, n, k);
    std::vector<float> y(m * n, NAN);

    loom_k_linear(x.data(), m, k, &packed.tensor, n, withBias ? &biasTensor : nullptr, y.data());

    expectMatches(y, blockLinear(x, m, k, w, n, withBias ? &bias : nullptr), kGgmlTolerance,
                  "packed " + dtypeName(dtype) + " m=" + std::to_string(m) + " k=" + std::to_string(k) +
                      " n=" + std::to_string(n));
  }
}

const PackedCase kShapes[] = {
    {1, 32, 16},    {3, 32, 48},    {5, 32, 16},    {70, 32, 32},    // one block
    {1, 288, 80},   {4, 288, 80},   {5, 288, 80},   {70, 288, 80},   // 9 blocks: 5 groups, GEMV/GEMM boundary
    {1, 1152, 160}, {2, 1152, 16},  {7, 1152, 160}, {33, 1152, 48},  // 36 blocks, a task's 4 groups and a tail
};

std::string caseName(const testing::TestParamInfo<ProductRowsTest::ParamType> &info) {
  auto [shape, withBias] = info.param;
  return "m" + std::to_string(shape.m) + "_k" + std::to_string(shape.k) + "_n" + std::to_string(shape.n) +
         (withBias ? "_bias" : "");
}

INSTANTIATE_TEST_SUITE_P(Shapes, ProductRowsTest, testing::Combine(testing::ValuesIn(kShapes), testing::Bool()),
                         caseName);

// Q4_K and Q6_K (fast profile): against the unpacked k-quant product (KQuantLinear.cpp, itself ggml's to 1e-7 of its
// terms, test_ggml_products.py), whose terms are the same integer sums in another float order: 1e-5 of the
// sum of |x| |w|; against the exact product of the dequantized weights: 1e-2, the error of quantizing x.
TEST_P(ProductRowsTest, KQuantsMatchTheUnpackedProduct) {
  auto [shape, withBias] = GetParam();
  auto [m, k, n] = shape;
  k = (k + 255) / 256 * 256;
  std::vector<float> x = randomFloats(m * k, 41);
  std::vector<float> bias = randomFloats(n, 43);
  loom_tensor biasTensor{bias.data(), LOOM_DTYPE_F32};
  const loom_tensor *b = withBias ? &biasTensor : nullptr;
  for (loom_dtype dtype : {LOOM_DTYPE_Q4_K, LOOM_DTYPE_Q6_K}) {
    KQuantMatrix w = randomKQuant(dtype, n, k, 42);
    PackedMatrix packed = pack(w.tensor(), n, k);
    loom_tensor file = w.tensor();
    std::vector<float> got(m * n, NAN), unpacked(m * n, NAN);
    loom_k_linear(x.data(), m, k, &packed.tensor, n, b, got.data());
    loom_k_linear(x.data(), m, k, &file, n, b, unpacked.data());

    std::string what = "packed " + dtypeName(dtype) + " m=" + std::to_string(m) + " k=" + std::to_string(k) +
                       " n=" + std::to_string(n);
    Reference exact = linear(x, m, k, w.values, n, withBias ? &bias : nullptr);
    expectMatches(got, exact, 1e-2, what + " vs dequantized");
    Reference sameTerms{std::vector<double>(unpacked.begin(), unpacked.end()), exact.magnitude};
    expectMatches(got, sameTerms, kGgmlTolerance, what + " vs unpacked");
  }
}

TEST(ProductRows, EveryRowOfABatchEqualsItsOwnProduct) {
  for (auto [m, k, n] : {std::tuple<int64_t, int64_t, int64_t>{7, 512, 48}, {6, 256, 256}, {12, 1024, 16}}) {
    std::vector<float> x = randomFloats(m * k, 34);
    BlockMatrix q4_0 = randomBlocks(LOOM_DTYPE_Q4_0, n, k, 35), q8_0 = randomBlocks(LOOM_DTYPE_Q8_0, n, k, 39);
    BlockMatrix q4_1 = randomBlocks(LOOM_DTYPE_Q4_1, n, k, 40);
    KQuantMatrix q4_k = randomKQuant(LOOM_DTYPE_Q4_K, n, k, 37), q6_k = randomKQuant(LOOM_DTYPE_Q6_K, n, k, 44);
    for (const PackedMatrix &packed : {pack(q4_0, n, k), pack(q4_1, n, k), pack(q8_0, n, k),
                                       pack(q4_k.tensor(), n, k), pack(q6_k.tensor(), n, k)}) {
      std::vector<float> batched(m * n, NAN), single(n, NAN);
      loom_k_linear(x.data(), m, k, &packed.tensor, n, nullptr, batched.data());
      for (int64_t row = 0; row < m; ++row) {
        loom_k_linear(x.data() + row * k, 1, k, &packed.tensor, n, nullptr, single.data());
        for (int64_t j = 0; j < n; ++j)
          ASSERT_EQ(batched[row * n + j], single[j]) << "dtype " << packed.tensor.dtype << " m=" << m << " k=" << k
                                                      << " n=" << n << ": row " << row << " output " << j;
      }
    }
  }
}

TEST(ProductRows, EmbeddingOfAPackedTableEqualsTheFileLayouts) {
  const int32_t ids[] = {3, 0, 47, 3, 17, 46, 9, 31, 32};
  const int64_t n = std::size(ids), vocab = 48;
  for (int64_t d : {32, 96, 576, 256, 768}) {
    for (loom_dtype dtype :
         {LOOM_DTYPE_Q4_0, LOOM_DTYPE_Q4_1, LOOM_DTYPE_Q8_0, LOOM_DTYPE_Q4_K, LOOM_DTYPE_Q6_K}) {
      const bool kQuant = dtype == LOOM_DTYPE_Q4_K || dtype == LOOM_DTYPE_Q6_K;
      if (kQuant && d % 256 != 0)
        continue;
      BlockMatrix blocks = kQuant ? BlockMatrix{} : randomBlocks(dtype, vocab, d, 36);
      KQuantMatrix superBlocks = kQuant ? randomKQuant(dtype, vocab, d, 38) : KQuantMatrix{};
      loom_tensor file = kQuant ? superBlocks.tensor() : blocks.tensor();
      PackedMatrix packed = pack(file, vocab, d);
      std::vector<float> expected(n * d, NAN), got(n * d, NAN);
      loom_k_embedding(&file, d, ids, n, 0.75f, expected.data());
      loom_k_embedding(&packed.tensor, d, ids, n, 0.75f, got.data());
      ASSERT_EQ(got, expected) << "dtype " << dtype << " d=" << d;
    }
  }
}

TEST(ProductRows, OnlyWholeGroupsArePackedAndAllButQ4_0OnlyForTheFastProfile) {
  int64_t bytes = -1;
  for (int64_t numerics : {LOOM_NUMERICS_FAST, LOOM_NUMERICS_GGML}) {
    EXPECT_EQ(loom_k_linear_packed_dtype(LOOM_DTYPE_Q4_0, 48, 64, numerics, &bytes), LOOM_DTYPE_Q4_0_ROWS16);
    EXPECT_EQ(bytes, 48 * 2 * 18);
  }
  EXPECT_EQ(loom_k_linear_packed_dtype(LOOM_DTYPE_Q4_1, 32, 64, LOOM_NUMERICS_FAST, &bytes),
            LOOM_DTYPE_Q4_1_ROWS16);
  EXPECT_EQ(bytes, 32 * 2 * 20);
  EXPECT_EQ(loom_k_linear_packed_dtype(LOOM_DTYPE_Q8_0, 32, 64, LOOM_NUMERICS_FAST, &bytes),
            LOOM_DTYPE_Q8_0_ROWS16);
  EXPECT_EQ(bytes, 32 * 2 * 34);
  EXPECT_EQ(loom_k_linear_packed_dtype(LOOM_DTYPE_Q4_K, 32, 512, LOOM_NUMERICS_FAST, &bytes),
            LOOM_DTYPE_Q4_K_ROWS16);
  EXPECT_EQ(bytes, 2 * 2 * 2368);
  EXPECT_EQ(loom_k_linear_packed_dtype(LOOM_DTYPE_Q6_K, 32, 512, LOOM_NUMERICS_FAST, &bytes),
            LOOM_DTYPE_Q6_K_ROWS16);
  EXPECT_EQ(bytes, 32 * 2 * 210);
  for (auto [dtype, rows, columns, numerics] :
       {std::tuple<loom_dtype, int64_t, int64_t, int64_t>{LOOM_DTYPE_Q4_0, 40, 64, LOOM_NUMERICS_FAST},
        {LOOM_DTYPE_Q4_0, 48, 48, LOOM_NUMERICS_FAST},
        {LOOM_DTYPE_Q4_K, 32, 512, LOOM_NUMERICS_GGML},
        {LOOM_DTYPE_Q4_K, 32, 288, LOOM_NUMERICS_FAST},
        {LOOM_DTYPE_Q6_K, 32, 512, LOOM_NUMERICS_GGML},
        {LOOM_DTYPE_Q8_0, 48, 64, LOOM_NUMERICS_GGML},
        {LOOM_DTYPE_Q4_1, 48, 64, LOOM_NUMERICS_GGML},
        {LOOM_DTYPE_F32, 48, 64, LOOM_NUMERICS_FAST}}) {
    EXPECT_EQ(loom_k_linear_packed_dtype(dtype, rows, columns, numerics, &bytes), dtype)
        << rows << " x " << columns << " numerics " << numerics;
    EXPECT_EQ(bytes, 0);
  }
}

TEST(ProductRowsDeathTest, LinearRejectsRowsNotInWholeGroups) {
  testing::FLAGS_gtest_death_test_style = "threadsafe";
  std::vector<float> x(64, 1.0f), y(24);
  std::vector<uint8_t> bytes(2 * 18 * 32);
  loom_tensor t{bytes.data(), LOOM_DTYPE_Q4_0_ROWS16};
  EXPECT_DEATH(loom_k_linear(x.data(), 1, 64, &t, 24, nullptr, y.data()),
               "loom: kernel error: loom_k_linear: packed Q4_0 weights need k a multiple of 32 and n of 16, "
               "got k = 64, n = 24");
}

TEST(ProductRowsDeathTest, PackingRejectsADtypeWithoutALayout) {
  testing::FLAGS_gtest_death_test_style = "threadsafe";
  std::vector<uint8_t> bytes(2 * 256 * 16), out(bytes.size());
  loom_tensor t{bytes.data(), LOOM_DTYPE_BF16};
  EXPECT_DEATH(loom_k_pack_linear_weights(&t, 16, 256, out.data()),
               "loom: kernel error: loom_k_pack_linear_weights: no packed layout for dtype 30 \\[16, 256\\]");
}

} // namespace
} // namespace loom::test
