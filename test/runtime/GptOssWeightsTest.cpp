//===- GptOssWeightsTest.cpp - gpt-oss's experts from transformers checkpoints ===//
//
// transformers keeps gpt-oss's experts stacked in x @ W form: gate_up_proj [E, d, 2I] with gate and up in
// alternate columns, its bias [E, 2I] alternating alike, down_proj [E, I, d]. The manifest wants [out, in]
// per expert, gate and up apart. The family declares those tensors (runtime/lib/families/GptOss.cpp); a
// checkpoint holding its router or sinks is read by them, the other tensors by the shared decoder layout.
//
//===----------------------------------------------------------------------===//

#include "FakeModel.h"
#include "Family.h"
#include "SafetensorsWriter.h"
#include "TestSupport.h"

using namespace loom::test;

namespace {

constexpr int64_t kExperts = 3, kHidden = 2, kHeads = 2;

/// An F32 weight without RoPE rows, kept as stored.
constexpr loom_weight_desc f32Weight(const char *name, int64_t rank, int64_t d0, int64_t d1 = 0, int64_t d2 = 0) {
  return {name, rank, {d0, d1, d2, 0}, LOOM_DTYPE_F32, LOOM_ROPE_NONE, 0, 0, LOOM_LAYOUT_AS_STORED};
}

/// One gpt-oss layer as MLIRGen names it, with the embedding the fake forward reads first.
const loom_weight_desc kWeights[] = {
    f32Weight("embedding.weight", 2, kVocab, kDModel),
    f32Weight("layers.0.attention.sinks", 1, kHeads),
    f32Weight("layers.0.ffn.router.weight", 2, kExperts, kDModel),
    f32Weight("layers.0.ffn.router.bias", 1, kExperts),
    f32Weight("layers.0.ffn.experts.gate_proj.weight", 3, kExperts, kHidden, kDModel),
    f32Weight("layers.0.ffn.experts.up_proj.weight", 3, kExperts, kHidden, kDModel),
    f32Weight("layers.0.ffn.experts.down_proj.weight", 3, kExperts, kDModel, kHidden),
    f32Weight("layers.0.ffn.experts.gate_proj.bias", 2, kExperts, kHidden),
    f32Weight("layers.0.ffn.experts.up_proj.bias", 2, kExperts, kHidden),
    f32Weight("layers.0.ffn.experts.down_proj.bias", 2, kExperts, kDModel),
    f32Weight("final_norm.weight", 1, kDModel),
};
constexpr size_t kWeightCount = sizeof(kWeights) / sizeof(kWeights[0]);
constexpr size_t kGate = 4, kUp = 5, kDown = 6, kGateBias = 7, kUpBias = 8;

size_t elementsOf(const loom_weight_desc &weight) {
  size_t elements = 1;
  for (int64_t d = 0; d < weight.rank; ++d)
    elements *= size_t(weight.shape[d]);
  return elements;
}

/// Weight `i` holds i + k/4 at element k: exact in F32 and BF16, and different everywhere.
std::vector<float> valuesOf(size_t i) {
  std::vector<float> values;
  for (size_t k = 0; k < elementsOf(kWeights[i]); ++k)
    values.push_back(float(i) + float(k) / 4);
  return values;
}

std::string encode(const std::vector<float> &values, const std::string &dtype) {
  return dtype == "BF16" ? encodeBF16(values) : encodeF32(values);
}

/// gate_up_proj [E, d, 2I]: element (e, c, 2r) is gate[e][r][c], (e, c, 2r + 1) is up[e][r][c].
std::vector<float> gateUpValues() {
  const std::vector<float> gate = valuesOf(kGate), up = valuesOf(kUp);
  std::vector<float> values(gate.size() * 2);
  for (int64_t e = 0; e < kExperts; ++e)
    for (int64_t r = 0; r < kHidden; ++r)
      for (int64_t c = 0; c < kDModel; ++c) {
        const size_t from = size_t((e * kHidden + r) * kDModel + c), to = size_t((e * kDModel + c) * 2 * kHidden);
        values[to + size_t(2 * r)] = gate[from];
        values[to + size_t(2 * r + 1)] = up[from];
      }
  return values;
}

/// gate_up_proj_bias [E, 2I]: gate and up alternating.
std::vector<float> gateUpBiasValues() {
  const std::vector<float> gate = valuesOf(kGateBias), up = valuesOf(kUpBias);
  std::vector<float> values;
  for (size_t k = 0; k < gate.size(); ++k)
    values.insert(values.end(), {gate[k], up[k]});
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

/// The layer as transformers saves a gpt-oss model.
std::vector<TensorBlob> transformersTensors(const std::string &dtype = "F32") {
  auto plain = [&](const char *name, size_t i) {
    return TensorBlob{name, dtype,
                      std::vector<int64_t>(kWeights[i].shape, kWeights[i].shape + kWeights[i].rank),
                      encode(valuesOf(i), dtype)};
  };
  return {plain("model.embed_tokens.weight", 0),
          plain("model.layers.0.self_attn.sinks", 1),
          plain("model.layers.0.mlp.router.weight", 2),
          plain("model.layers.0.mlp.router.bias", 3),
          {"model.layers.0.mlp.experts.gate_up_proj", dtype, {kExperts, kDModel, 2 * kHidden},
           encode(gateUpValues(), dtype)},
          {"model.layers.0.mlp.experts.gate_up_proj_bias", dtype, {kExperts, 2 * kHidden},
           encode(gateUpBiasValues(), dtype)},
          {"model.layers.0.mlp.experts.down_proj", dtype, {kExperts, kHidden, kDModel}, encode(downValues(), dtype)},
          plain("model.layers.0.mlp.experts.down_proj_bias", 9),
          plain("model.norm.weight", 10)};
}

class GptOssWeightsTest : public ::testing::Test {
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

  std::string write(const std::vector<TensorBlob> &tensors) {
    std::string path = directory.file("model-" + std::to_string(++files) + ".safetensors");
    writeFile(path, safetensorsFile(tensors));
    return path;
  }

  void expectLoadError(const std::vector<TensorBlob> &tensors, const std::string &message) {
    const std::string path = write(tensors);
    EXPECT_EQ(loom_model_load_weights(model.get(), path.c_str()), -1);
    EXPECT_LAST_ERROR_CONTAINS(path);
    EXPECT_LAST_ERROR_CONTAINS(message);
  }

  ScratchDirectory directory;
  ModelPtr model;
  int files = 0;
};

TEST_F(GptOssWeightsTest, TransposesAndDeinterleavesTheExperts) {
  for (const std::string dtype : {"F32", "BF16"}) {
    SCOPED_TRACE(dtype);
    const std::string path = write(transformersTensors(dtype));
    ASSERT_EQ(loom_model_load_weights(model.get(), path.c_str()), 0) << loom_last_error();
    CachePtr cache(loom_kv_cache_create(model.get(), 0));
    int32_t token = 2;
    ASSERT_EQ(loom_model_forward(model.get(), cache.get(), &token, 1, 0, nullptr), 0) << loom_last_error();
    const loom_tensor *weights = fakeState().weights;
    for (size_t i = 0; i < kWeightCount; ++i) {
      const loom_weight_desc &weight = kWeights[i];
      const bool matrix = weight.rank >= 2 && !std::string_view(weight.name).ends_with(".bias");
      EXPECT_EQ(weights[i].dtype, matrix && dtype == "BF16" ? LOOM_DTYPE_BF16 : LOOM_DTYPE_F32) << weight.name;
      EXPECT_EQ(weightValues(weights[i], elementsOf(weight)), valuesOf(i)) << weight.name;
    }
  }
}

TEST_F(GptOssWeightsTest, MissingFusedExpertsNameTheTransformersTensor) {
  std::vector<TensorBlob> tensors = transformersTensors();
  std::erase_if(tensors, [](const TensorBlob &t) { return t.name == "model.layers.0.mlp.experts.gate_up_proj"; });
  expectLoadError(tensors, "missing tensor 'layers.0.ffn.experts.gate_proj.weight' (Hugging Face "
                           "'model.layers.0.mlp.experts.gate_up_proj') (expected shape [3, 2, 4])");
}

TEST_F(GptOssWeightsTest, ExpertsInTheOtherOrientation) {
  std::vector<TensorBlob> tensors = transformersTensors();
  for (TensorBlob &tensor : tensors)
    if (tensor.name == "model.layers.0.mlp.experts.down_proj")
      tensor.shape = {kExperts, kDModel, kHidden}; // [out, in], as a Qwen checkpoint would store it
  expectLoadError(tensors, "tensor 'layers.0.ffn.experts.down_proj.weight' (Hugging Face "
                           "'model.layers.0.mlp.experts.down_proj') has shape [3, 2, 4] (each expert transposed "
                           "from [in, out]) but the model expects [3, 4, 2]");
}

TEST_F(GptOssWeightsTest, InterleavedGateUpOfTheWrongWidth) {
  std::vector<TensorBlob> tensors = transformersTensors();
  for (TensorBlob &tensor : tensors)
    if (tensor.name == "model.layers.0.mlp.experts.gate_up_proj_bias") {
      tensor.shape = {kExperts, 2 * kHidden + 1};
      tensor.bytes = encodeF32(std::vector<float>(size_t(kExperts * (2 * kHidden + 1)), 1.0f));
    }
  expectLoadError(tensors, "fused tensor 'layers.0.ffn.experts.gate_up_proj.bias' has 3 experts of 5 rows, but "
                           "its parts gate and up need 3 experts of 4 rows");
}

TEST(GptOssFamilyTest, DetectedByTheTensorsOnlyItNames) {
  using namespace loom::rt;
  const Family *gptOss = familyOfConfig("gpt_oss");
  ASSERT_NE(gptOss, nullptr);
  EXPECT_EQ(detectHfDecoderFamily({"model.embed_tokens.weight", "model.layers.0.mlp.router.weight"}), gptOss);
  // MiMo-V2-Flash's transformers checkpoints have sinks too: the shared layout names them, so they tell no family.
  EXPECT_EQ(detectHfDecoderFamily({"model.layers.3.self_attn.sinks"}), nullptr);
  // Qwen3-MoE's fused experts share gpt-oss's name, and its router is the shared layout's.
  EXPECT_EQ(detectHfDecoderFamily({"model.layers.0.mlp.experts.gate_up_proj", "model.layers.0.mlp.gate.weight"}),
            nullptr);
  std::string loom, hf;
  const FamilyTensor *own = familyOwnHfToLoom(*gptOss, "model.layers.7.mlp.experts.gate_up_proj", loom);
  ASSERT_NE(own, nullptr);
  EXPECT_EQ(loom, "layers.7.ffn.experts.gate_up_proj.weight");
  EXPECT_EQ(own->hfTransform, TensorTransform::Transpose);
  EXPECT_TRUE(own->hfInterleaved);
  ASSERT_TRUE(familyOwnLoomToHf(*gptOss, "layers.7.ffn.experts.down_proj.bias", hf));
  EXPECT_EQ(hf, "model.layers.7.mlp.experts.down_proj_bias");
  EXPECT_EQ(familyOwnHfToLoom(*gptOss, "model.layers.7.self_attn.q_proj.weight", loom), nullptr);
}

} // namespace
