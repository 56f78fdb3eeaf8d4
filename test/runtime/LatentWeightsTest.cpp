//===- LatentWeightsTest.cpp - DeepSeek's kv_b from llama.cpp's halves ---===//
//
// llama.cpp's deepseek2 files split kv_b_proj [heads * (nope + value), rank] into attn_k_b [heads, rank, nope]
// (each head's key rows, transposed) and attn_v_b [heads, value, rank]; the loader puts kv_b back together as
// F32 (LatentWeights.h).
//
//===----------------------------------------------------------------------===//

#include "FakeModel.h"
#include "GgufWriter.h"
#include "TestSupport.h"

#include <cmath>

using namespace loom::test;
using namespace loom::test::gguf;

namespace {

constexpr int64_t kHeads = 2, kNope = 32, kValue = 32, kRank = 64;

const loom_weight_desc kWeights[] = {
    {"embedding.weight", 2, {kVocab, kDModel, 0, 0}, LOOM_DTYPE_F32, LOOM_ROPE_NONE, 0, 0},
    {"layers.0.attention.kv_b_proj.weight", 2, {kHeads * (kNope + kValue), kRank, 0, 0}, LOOM_DTYPE_F32,
     LOOM_ROPE_NONE, 0, 0},
    {"final_norm.weight", 1, {kDModel, 0, 0, 0}, LOOM_DTYPE_F32, LOOM_ROPE_NONE, 0, 0},
};
constexpr size_t kKvB = 1;

/// kv_b's element (row, column): distinct, and exact in F16.
float kvB(int64_t row, int64_t column) { return float(row % 16) / 4 + float(column) / 64 - 2; }

/// attn_k_b as the converter writes it: per head, the transpose of its nope key rows.
std::vector<float> keyHalf() {
  std::vector<float> values;
  for (int64_t h = 0; h < kHeads; ++h)
    for (int64_t r = 0; r < kRank; ++r)
      for (int64_t i = 0; i < kNope; ++i)
        values.push_back(kvB(h * (kNope + kValue) + i, r));
  return values;
}

std::vector<float> valueHalf() {
  std::vector<float> values;
  for (int64_t h = 0; h < kHeads; ++h)
    for (int64_t j = 0; j < kValue; ++j)
      for (int64_t r = 0; r < kRank; ++r)
        values.push_back(kvB(h * (kNope + kValue) + kNope + j, r));
  return values;
}

/// `values` in `type`; Q4_0 as zero blocks of 18 bytes (only its type matters here).
std::string encoded(const std::vector<float> &values, uint32_t type) {
  if (type == kQ4_0)
    return std::string(values.size() / 32 * 18, '\0');
  return type == kF16 ? f16Data(values) : type == kQ8_0 ? q8_0Data(values) : f32Data(values);
}

class LatentWeightsTest : public ::testing::Test {
protected:
  void SetUp() override {
    resetFakeDescriptor();
    fakeDescriptor().weights = kWeights;
    fakeDescriptor().n_weights = int64_t(std::size(kWeights));
    fakeState() = FakeModelState();
    model.reset(loom_model_create());
    ASSERT_TRUE(model) << loom_last_error();
  }
  void TearDown() override { resetFakeDescriptor(); }

  /// A deepseek2 file with the halves in `type` (k_b's dims {nope, rank, heads} unless `keyDims` says otherwise).
  std::string file(uint32_t type, std::vector<uint64_t> keyDims = {kNope, kRank, kHeads}) {
    Builder builder;
    builder.string("general.architecture", "deepseek2");
    builder.tensor({"token_embd.weight", {kDModel, kVocab}, kF32, f32Data(std::vector<float>(kVocab * kDModel, 1))});
    builder.tensor({"blk.0.attn_k_b.weight", keyDims, type, encoded(keyHalf(), type)});
    builder.tensor({"blk.0.attn_v_b.weight", {kRank, kValue, kHeads}, type, encoded(valueHalf(), type)});
    builder.tensor({"output_norm.weight", {kDModel}, kF32, f32Data(std::vector<float>(kDModel, 1))});
    std::string path = directory.file("model.gguf");
    writeFile(path, builder.build());
    return path;
  }

  /// The loaded kv_b as F32.
  std::vector<float> loadedKvB(const std::string &path) {
    EXPECT_EQ(loom_model_load_weights(model.get(), path.c_str()), 0) << loom_last_error();
    CachePtr cache(loom_kv_cache_create(model.get(), 0));
    int32_t token = 1;
    EXPECT_EQ(loom_model_forward(model.get(), cache.get(), &token, 1, 0, nullptr), 0) << loom_last_error();
    const loom_tensor &weight = fakeState().weights[kKvB];
    EXPECT_EQ(weight.dtype, LOOM_DTYPE_F32);
    return weightValues(weight, size_t(kHeads * (kNope + kValue) * kRank));
  }

  ScratchDirectory directory;
  ModelPtr model;
};

TEST_F(LatentWeightsTest, ReassemblesKvBFromF32AndF16Halves) {
  for (uint32_t type : {kF32, kF16}) {
    SCOPED_TRACE(type == kF16 ? "F16" : "F32");
    std::vector<float> got = loadedKvB(file(type));
    ASSERT_EQ(got.size(), size_t(kHeads * (kNope + kValue) * kRank));
    for (int64_t row = 0; row < kHeads * (kNope + kValue); ++row)
      for (int64_t column = 0; column < kRank; ++column)
        ASSERT_EQ(got[size_t(row * kRank + column)], kvB(row, column)) << row << ", " << column;
  }
}

TEST_F(LatentWeightsTest, DequantizesQ8_0Halves) {
  std::vector<float> got = loadedKvB(file(kQ8_0));
  ASSERT_EQ(got.size(), size_t(kHeads * (kNope + kValue) * kRank));
  // Each Q8_0 block's step is its largest magnitude (at most 3) over 127: values within half a step.
  for (int64_t row = 0; row < kHeads * (kNope + kValue); ++row)
    for (int64_t column = 0; column < kRank; ++column)
      ASSERT_NEAR(got[size_t(row * kRank + column)], kvB(row, column), 3.0 / 127 / 2 + 1e-6) << row << ", " << column;
}

TEST_F(LatentWeightsTest, RefusesHalvesThatDoNotMakeKvB) {
  const std::string path = file(kF32, {kNope, kRank / 2, kHeads * 2});
  EXPECT_EQ(loom_model_load_weights(model.get(), path.c_str()), -1);
  EXPECT_LAST_ERROR_CONTAINS("tensors 'blk.0.attn_k_b.weight' [4, 32, 32] and 'blk.0.attn_v_b.weight' [2, 32, 64] "
                             "do not make the model's kv_b [128, 64]");
}

TEST_F(LatentWeightsTest, RefusesQuantizedHalvesItCannotTranspose) {
  const std::string path = file(kQ4_0);
  EXPECT_EQ(loom_model_load_weights(model.get(), path.c_str()), -1);
  EXPECT_LAST_ERROR_CONTAINS("tensor 'blk.0.attn_k_b.weight' is Q4_0, but Loom reassembles DeepSeek's kv_b");
}

} // namespace
