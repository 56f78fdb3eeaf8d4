//===- Llama4WeightsTest.cpp - Llama 4's weights from transformers checkpoints ===//
//
// transformers keeps Llama 4's experts stacked in x @ W form, gate_up_proj [E, d, 2I] with the gate the first I
// columns and up the last I (not alternating, as gpt-oss's do), down_proj [E, I, d], and calls the feed-forward
// feed_forward. Its RoPE multiplies complex numbers, so its Q/K rows are already in the adjacent-pair order of
// an interleaved spec: they must load as they are, where another family's transformers rows are reordered
// (runtime/lib/families/Llama4.cpp, QkLayout.h).
//
//===----------------------------------------------------------------------===//

#include "FakeModel.h"
#include "Family.h"
#include "SafetensorsWriter.h"
#include "TestSupport.h"

using namespace loom::test;

namespace {

constexpr int64_t kExperts = 3, kHidden = 2, kHeadDim = 4;

/// One Llama 4 MoE layer as MLIRGen names it (q and k rotated in adjacent pairs), the embedding first.
const loom_weight_desc kWeights[] = {
    {"embedding.weight", 2, {kVocab, kDModel, 0, 0}, LOOM_DTYPE_F32, LOOM_ROPE_NONE, 0, 0},
    {"layers.0.attention.q_proj.weight", 2, {2 * kHeadDim, kDModel, 0, 0}, LOOM_DTYPE_F32, LOOM_ROPE_INTERLEAVED,
     kHeadDim, kHeadDim},
    {"layers.0.attention.k_proj.weight", 2, {kHeadDim, kDModel, 0, 0}, LOOM_DTYPE_F32, LOOM_ROPE_INTERLEAVED, kHeadDim,
     kHeadDim},
    {"layers.0.ffn.router.weight", 2, {kExperts, kDModel, 0, 0}, LOOM_DTYPE_F32, LOOM_ROPE_NONE, 0, 0},
    {"layers.0.ffn.experts.gate_proj.weight", 3, {kExperts, kHidden, kDModel, 0}, LOOM_DTYPE_F32, LOOM_ROPE_NONE, 0, 0},
    {"layers.0.ffn.experts.up_proj.weight", 3, {kExperts, kHidden, kDModel, 0}, LOOM_DTYPE_F32, LOOM_ROPE_NONE, 0, 0},
    {"layers.0.ffn.experts.down_proj.weight", 3, {kExperts, kDModel, kHidden, 0}, LOOM_DTYPE_F32, LOOM_ROPE_NONE, 0, 0},
    {"layers.0.ffn.shared.gate_proj.weight", 2, {kHidden, kDModel, 0, 0}, LOOM_DTYPE_F32, LOOM_ROPE_NONE, 0, 0},
    {"final_norm.weight", 1, {kDModel, 0, 0, 0}, LOOM_DTYPE_F32, LOOM_ROPE_NONE, 0, 0},
};
constexpr size_t kWeightCount = sizeof(kWeights) / sizeof(kWeights[0]);
constexpr size_t kGate = 4, kUp = 5, kDown = 6;

size_t elementsOf(const loom_weight_desc &weight) {
  size_t elements = 1;
  for (int64_t d = 0; d < weight.rank; ++d)
    elements *= size_t(weight.shape[d]);
  return elements;
}

/// Weight `i` holds i + k/4 at element k: exact in F32, and different everywhere.
std::vector<float> valuesOf(size_t i) {
  std::vector<float> values;
  for (size_t k = 0; k < elementsOf(kWeights[i]); ++k)
    values.push_back(float(i) + float(k) / 4);
  return values;
}

/// gate_up_proj [E, d, 2I]: element (e, c, r) is gate[e][r][c], (e, c, I + r) is up[e][r][c].
std::vector<float> gateUpValues() {
  const std::vector<float> gate = valuesOf(kGate), up = valuesOf(kUp);
  std::vector<float> values(gate.size() * 2);
  for (int64_t e = 0; e < kExperts; ++e)
    for (int64_t r = 0; r < kHidden; ++r)
      for (int64_t c = 0; c < kDModel; ++c) {
        const size_t from = size_t((e * kHidden + r) * kDModel + c), to = size_t((e * kDModel + c) * 2 * kHidden);
        values[to + size_t(r)] = gate[from];
        values[to + size_t(kHidden + r)] = up[from];
      }
  return values;
}

/// down_proj [E, I, d]: element (e, i, o) is down[e][o][i].
std::vector<float> downValues() {
  const std::vector<float> down = valuesOf(kDown);
  std::vector<float> values(down.size());
  for (int64_t e = 0; e < kExperts; ++e)
    for (int64_t o = 0; o < kDModel; ++o)
      for (int64_t i = 0; i < kHidden; ++i)
        values[size_t((e * kHidden + i) * kDModel + o)] = down[size_t((e * kDModel + o) * kHidden + i)];
  return values;
}

TensorBlob plain(const char *name, size_t i) {
  return TensorBlob{name, "F32", std::vector<int64_t>(kWeights[i].shape, kWeights[i].shape + kWeights[i].rank),
                    encodeF32(valuesOf(i))};
}

class Llama4WeightsTest : public ::testing::Test {
protected:
  void SetUp() override {
    resetFakeDescriptor();
    fakeDescriptor().weights = kWeights;
    fakeDescriptor().n_weights = int64_t(kWeightCount);
    fakeState() = FakeModelState();
    model.reset(loom_model_create());
    ASSERT_TRUE(model) << loom_last_error();
  }
  void TearDown() override { resetFakeDescriptor(); }

  ScratchDirectory directory;
  ModelPtr model;
};

TEST_F(Llama4WeightsTest, SplitsTheExpertHalvesAndKeepsTheQkRows) {
  const std::string path = directory.file("model.safetensors");
  writeFile(path, safetensorsFile({plain("model.embed_tokens.weight", 0),
                                   plain("model.layers.0.self_attn.q_proj.weight", 1),
                                   plain("model.layers.0.self_attn.k_proj.weight", 2),
                                   plain("model.layers.0.feed_forward.router.weight", 3),
                                   {"model.layers.0.feed_forward.experts.gate_up_proj", "F32",
                                    {kExperts, kDModel, 2 * kHidden}, encodeF32(gateUpValues())},
                                   {"model.layers.0.feed_forward.experts.down_proj", "F32",
                                    {kExperts, kHidden, kDModel}, encodeF32(downValues())},
                                   plain("model.layers.0.feed_forward.shared_expert.gate_proj.weight", 7),
                                   plain("model.norm.weight", 8)}));
  ASSERT_EQ(loom_model_load_weights(model.get(), path.c_str()), 0) << loom_last_error();
  CachePtr cache(loom_kv_cache_create(model.get(), 0));
  int32_t token = 2;
  ASSERT_EQ(loom_model_forward(model.get(), cache.get(), &token, 1, 0, nullptr), 0) << loom_last_error();
  for (size_t i = 0; i < kWeightCount; ++i)
    EXPECT_EQ(weightValues(fakeState().weights[i], elementsOf(kWeights[i])), valuesOf(i)) << kWeights[i].name;
}

TEST(Llama4FamilyTest, DetectedByItsFeedForwardNames) {
  using namespace loom::rt;
  const Family *llama4 = familyOfConfig("llama4_text");
  ASSERT_NE(llama4, nullptr);
  EXPECT_TRUE(llama4->decoder.hfInterleavedRope);
  EXPECT_EQ(detectHfDecoderFamily({"model.embed_tokens.weight", "model.layers.0.feed_forward.gate_proj.weight"}),
            llama4);
  std::string loom;
  const FamilyTensor *own = familyOwnHfToLoom(*llama4, "model.layers.5.feed_forward.experts.gate_up_proj", loom);
  ASSERT_NE(own, nullptr);
  EXPECT_EQ(loom, "layers.5.ffn.experts.gate_up_proj.weight");
  EXPECT_EQ(own->hfTransform, TensorTransform::Transpose);
  EXPECT_FALSE(own->hfInterleaved);
}

} // namespace
