//===- MoeWeightsTest.cpp - Mixture-of-experts weights from transformers and GGUF files ===//
//
// An MoE layer's manifest stacks its experts ([E, rows, columns]); transformers checkpoints on the Hub give
// one tensor per expert (stacked at load), transformers 5 a fused [E, 2I, d] gate_up_proj (split per expert),
// GGUF the stacks themselves (used in place, in their dtype).
//
//===----------------------------------------------------------------------===//

#include "FakeModel.h"
#include "Gguf.h"
#include "GgufWriter.h"
#include "HfNames.h"
#include "SafetensorsWriter.h"
#include "TestSupport.h"

#include "loom/Runtime/Kernels.h"

#include <cstring>

using namespace loom::test;

namespace {

constexpr int64_t kExperts = 4, kHidden = 2, kSharedHidden = 2;

/// One MoE layer as MLIRGen names it, with the embedding the fake forward reads first.
const loom_weight_desc kMoeWeights[] = {
    {"embedding.weight", 2, {kVocab, kDModel, 0, 0}, LOOM_DTYPE_F32},
    {"layers.0.ffn.router.weight", 2, {kExperts, kDModel, 0, 0}, LOOM_DTYPE_F32},
    {"layers.0.ffn.router.selection_bias", 1, {kExperts, 0, 0, 0}, LOOM_DTYPE_F32},
    {"layers.0.ffn.experts.gate_proj.weight", 3, {kExperts, kHidden, kDModel, 0}, LOOM_DTYPE_F32},
    {"layers.0.ffn.experts.up_proj.weight", 3, {kExperts, kHidden, kDModel, 0}, LOOM_DTYPE_F32},
    {"layers.0.ffn.experts.down_proj.weight", 3, {kExperts, kDModel, kHidden, 0}, LOOM_DTYPE_F32},
    {"layers.0.ffn.experts.gate_proj.bias", 2, {kExperts, kHidden, 0, 0}, LOOM_DTYPE_F32},
    {"layers.0.ffn.experts.up_proj.bias", 2, {kExperts, kHidden, 0, 0}, LOOM_DTYPE_F32},
    {"layers.0.ffn.experts.down_proj.bias", 2, {kExperts, kDModel, 0, 0}, LOOM_DTYPE_F32},
    {"layers.0.ffn.shared.gate_proj.weight", 2, {kSharedHidden, kDModel, 0, 0}, LOOM_DTYPE_F32},
    {"layers.0.ffn.shared.up_proj.weight", 2, {kSharedHidden, kDModel, 0, 0}, LOOM_DTYPE_F32},
    {"layers.0.ffn.shared.down_proj.weight", 2, {kDModel, kSharedHidden, 0, 0}, LOOM_DTYPE_F32},
    {"final_norm.weight", 1, {kDModel, 0, 0, 0}, LOOM_DTYPE_F32},
};
constexpr size_t kMoeWeightCount = sizeof(kMoeWeights) / sizeof(kMoeWeights[0]);
constexpr size_t kGate = 3, kUp = 4, kDown = 5, kLastStacked = 8; // biases from kDown + 1

/// transformers' names; for the stacked weights (kGate .. kLastStacked) the part after
/// "model.layers.0.mlp.experts.<e>.".
const char *const kHfNames[kMoeWeightCount] = {
    "model.embed_tokens.weight",
    "model.layers.0.mlp.gate.weight",
    "model.layers.0.mlp.gate.e_score_correction_bias",
    "gate_proj.weight",
    "up_proj.weight",
    "down_proj.weight",
    "gate_proj.bias",
    "up_proj.bias",
    "down_proj.bias",
    "model.layers.0.mlp.shared_expert.gate_proj.weight",
    "model.layers.0.mlp.shared_expert.up_proj.weight",
    "model.layers.0.mlp.shared_expert.down_proj.weight",
    "model.norm.weight",
};

bool isStacked(size_t i) { return i >= kGate && i <= kLastStacked; }

std::string expertName(size_t i, int64_t e) {
  return "model.layers.0.mlp.experts." + std::to_string(e) + "." + kHfNames[i];
}

std::vector<int64_t> shapeOf(const loom_weight_desc &weight) {
  return std::vector<int64_t>(weight.shape, weight.shape + weight.rank);
}

size_t elementsOf(const loom_weight_desc &weight) {
  size_t elements = 1;
  for (int64_t d = 0; d < weight.rank; ++d)
    elements *= size_t(weight.shape[d]);
  return elements;
}

/// Weight `i` holds i + k/4 at element k: exact in F32, F16 and BF16, and different in every expert.
std::vector<float> valuesOf(size_t i) {
  std::vector<float> values;
  for (size_t k = 0; k < elementsOf(kMoeWeights[i]); ++k)
    values.push_back(float(i) + float(k) / 4);
  return values;
}

/// Expert e's slice of stacked weight i.
std::vector<float> expertValues(size_t i, int64_t e) {
  const std::vector<float> all = valuesOf(i);
  const size_t slice = all.size() / size_t(kExperts);
  return std::vector<float>(all.begin() + ptrdiff_t(size_t(e) * slice), all.begin() + ptrdiff_t(size_t(e + 1) * slice));
}

std::string encode(const std::vector<float> &values, const std::string &dtype) {
  return dtype == "BF16" ? encodeBF16(values) : dtype == "F16" ? encodeF16(values) : encodeF32(values);
}

/// The tensor of expert e of stacked weight i.
TensorBlob expertTensor(size_t i, int64_t e, const std::string &dtype = "F32") {
  const std::vector<int64_t> shape = shapeOf(kMoeWeights[i]);
  return {expertName(i, e), dtype, std::vector<int64_t>(shape.begin() + 1, shape.end()),
          encode(expertValues(i, e), dtype)};
}

/// A Hub checkpoint of the layer: one tensor per expert, the shared expert named `shared` ("shared_expert" as
/// Qwen2-MoE, "shared_experts" as DeepSeek).
std::vector<TensorBlob> hubTensors(const std::string &dtype = "F32", const std::string &shared = "shared_expert") {
  std::vector<TensorBlob> tensors;
  for (size_t i = 0; i < kMoeWeightCount; ++i) {
    if (isStacked(i)) {
      for (int64_t e = 0; e < kExperts; ++e)
        tensors.push_back(expertTensor(i, e, dtype));
      continue;
    }
    std::string name = kHfNames[i];
    if (size_t at = name.find("shared_expert."); at != std::string::npos)
      name.replace(at, 14, shared + ".");
    tensors.push_back({name, dtype, shapeOf(kMoeWeights[i]), encode(valuesOf(i), dtype)});
  }
  return tensors;
}

/// `tensors` without the one called `name`.
std::vector<TensorBlob> without(std::vector<TensorBlob> tensors, const std::string &name) {
  std::erase_if(tensors, [&](const TensorBlob &tensor) { return tensor.name == name; });
  return tensors;
}

/// transformers 5's fused gate_up_proj [E, 2I, d]: each expert's gate rows, then its up rows.
std::vector<float> fusedGateUpValues() {
  std::vector<float> values;
  for (int64_t e = 0; e < kExperts; ++e)
    for (size_t i : {kGate, kUp}) {
      const std::vector<float> rows = expertValues(i, e);
      values.insert(values.end(), rows.begin(), rows.end());
    }
  return values;
}

class MoeWeightLoadingTest : public ::testing::Test {
protected:
  void SetUp() override {
    resetFakeDescriptor();
    fakeDescriptor().weights = kMoeWeights;
    fakeDescriptor().n_weights = int64_t(kMoeWeightCount);
    fakeState() = FakeModelState();
    model.reset(loom_model_create());
    ASSERT_TRUE(model) << loom_last_error();
  }
  void TearDown() override { resetFakeDescriptor(); }

  std::string write(const std::string &name, const std::string &contents) {
    std::string path = directory.file(name);
    writeFile(path, contents);
    return path;
  }

  /// Writes `tensors` to a file of their own and loads it.
  std::string load(const std::vector<TensorBlob> &tensors) {
    std::string path = write("model-" + std::to_string(++files) + ".safetensors", safetensorsFile(tensors));
    EXPECT_EQ(loom_model_load_weights(model.get(), path.c_str()), 0) << loom_last_error();
    return path;
  }

  /// The weight table the fake forward was handed.
  const loom_tensor *forwardWeights() {
    CachePtr cache(loom_kv_cache_create(model.get(), 0));
    int32_t token = 2;
    EXPECT_EQ(loom_model_forward(model.get(), cache.get(), &token, 1, 0, nullptr), 0) << loom_last_error();
    EXPECT_FALSE(fakeState().abiViolation);
    return fakeState().weights;
  }

  /// Every weight holds valuesOf(i); matrices and expert stacks in `matrixDtype`, the rest (biases too) in F32.
  void expectAllValues(int64_t matrixDtype) {
    const loom_tensor *weights = forwardWeights();
    for (size_t i = 0; i < kMoeWeightCount; ++i) {
      const loom_weight_desc &weight = kMoeWeights[i];
      const bool bias = std::string_view(weight.name).ends_with(".bias");
      EXPECT_EQ(weights[i].dtype, weight.rank >= 2 && !bias ? matrixDtype : int64_t(LOOM_DTYPE_F32)) << weight.name;
      EXPECT_EQ(weightValues(weights[i], elementsOf(weight)), valuesOf(i)) << weight.name;
    }
  }

  void expectLoadError(const std::string &path, const std::string &message) {
    EXPECT_EQ(loom_model_load_weights(model.get(), path.c_str()), -1);
    EXPECT_LAST_ERROR_CONTAINS(path);
    EXPECT_LAST_ERROR_CONTAINS(message);
  }

  ScratchDirectory directory;
  ModelPtr model;
  int files = 0;
};

TEST_F(MoeWeightLoadingTest, StacksPerExpertTensors) {
  load(hubTensors());
  expectAllValues(LOOM_DTYPE_F32);
  // Expert 1's first gate row is the second expert's tensor, not the first one's second row.
  const std::vector<float> gate = weightValues(fakeState().weights[kGate], elementsOf(kMoeWeights[kGate]));
  EXPECT_EQ(gate[size_t(kHidden * kDModel)], float(kGate) + float(kHidden * kDModel) / 4);
  EXPECT_EQ(gate[size_t(kHidden * kDModel)], expertValues(kGate, 1)[0]);
}

TEST_F(MoeWeightLoadingTest, StacksBF16ExpertsInTheirDtypeAndWidensTheirBiases) {
  load(hubTensors("BF16", "shared_experts")); // DeepSeek's plural shared_experts
  expectAllValues(LOOM_DTYPE_BF16);
  // The stacks are the experts' bytes back to back, in an aligned copy.
  for (size_t i : {kGate, kUp, kDown}) {
    const std::string bytes = encodeBF16(valuesOf(i));
    ASSERT_EQ(fakeState().weights[i].dtype, LOOM_DTYPE_BF16);
    EXPECT_EQ(std::memcmp(fakeState().weights[i].data, bytes.data(), bytes.size()), 0) << kMoeWeights[i].name;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(fakeState().weights[i].data) % 64, 0u);
  }
}

TEST_F(MoeWeightLoadingTest, SplitsTransformers5FusedGateUpPerExpert) {
  // gate_up_proj and down_proj as transformers 5 names them, without and with a ".weight" suffix.
  for (const auto &[suffix, dtype] : {std::pair<std::string, std::string>{"", "F32"}, {".weight", "BF16"}}) {
    SCOPED_TRACE("suffix '" + suffix + "', " + dtype);
    std::vector<TensorBlob> tensors;
    for (const TensorBlob &tensor : hubTensors(dtype))
      if (tensor.name.find("_proj.weight") == std::string::npos || tensor.name.find(".experts.") == std::string::npos)
        tensors.push_back(tensor);
    // The biases stay per expert.
    tensors.push_back({"model.layers.0.mlp.experts.gate_up_proj" + suffix, dtype, {kExperts, 2 * kHidden, kDModel},
                       encode(fusedGateUpValues(), dtype)});
    tensors.push_back({"model.layers.0.mlp.experts.down_proj" + suffix, dtype, {kExperts, kDModel, kHidden},
                       encode(valuesOf(kDown), dtype)});
    load(tensors);
    expectAllValues(dtype == "BF16" ? LOOM_DTYPE_BF16 : LOOM_DTYPE_F32);
    // Expert 1's up rows are rows 2..3 of its fused slice, rows 6..7 of the tensor.
    const std::vector<float> up = weightValues(fakeState().weights[kUp], elementsOf(kMoeWeights[kUp]));
    const std::vector<float> fused = fusedGateUpValues();
    EXPECT_EQ(std::vector<float>(up.begin() + 8, up.begin() + 16),
              std::vector<float>(fused.begin() + 6 * kDModel, fused.begin() + 8 * kDModel));
    EXPECT_EQ(up[8], float(kUp) + 2.0f);
  }
}

TEST_F(MoeWeightLoadingTest, StacksExpertsSpreadOverShards) {
  std::vector<TensorBlob> first, second;
  for (const TensorBlob &tensor : hubTensors("F16"))
    (tensor.name.find(".experts.0.") != std::string::npos || tensor.name.find(".experts.1.") != std::string::npos
         ? first
         : second)
        .push_back(tensor);
  std::string index = "{\"weight_map\": {";
  for (const auto *shard : {&first, &second})
    for (const TensorBlob &tensor : *shard)
      index += (index.back() == '{' ? "\"" : ", \"") + tensor.name + "\": \"" +
               (shard == &first ? "model-1.safetensors" : "model-2.safetensors") + "\"";
  write("model-1.safetensors", safetensorsFile(first));
  write("model-2.safetensors", safetensorsFile(second));
  const std::string path = write("model.safetensors.index.json", index + "}}");
  ASSERT_EQ(loom_model_load_weights(model.get(), path.c_str()), 0) << loom_last_error();
  expectAllValues(LOOM_DTYPE_F16);
}

TEST_F(MoeWeightLoadingTest, MissingExpert) {
  expectLoadError(write("model.safetensors", safetensorsFile(without(hubTensors(), expertName(kUp, 2)))),
                  "missing tensor 'layers.0.ffn.experts.2.up_proj.weight' (Hugging Face "
                  "'model.layers.0.mlp.experts.2.up_proj.weight'), expert 2 of the 4 stacked into the model's "
                  "'layers.0.ffn.experts.up_proj.weight' [4, 2, 4] (expected shape [2, 4])");
}

TEST_F(MoeWeightLoadingTest, ExpertBeyondTheModelsCount) {
  std::vector<TensorBlob> tensors = hubTensors();
  tensors.push_back(expertTensor(kDown, 0));
  tensors.back().name = expertName(kDown, 4);
  expectLoadError(write("model.safetensors", safetensorsFile(tensors)),
                  "tensor 'layers.0.ffn.experts.4.down_proj.weight' (Hugging Face "
                  "'model.layers.0.mlp.experts.4.down_proj.weight') is expert 4, but the model's "
                  "'layers.0.ffn.experts.down_proj.weight' [4, 4, 2] has 4 experts");
}

TEST_F(MoeWeightLoadingTest, ExpertGivenTwice) {
  std::vector<TensorBlob> tensors = hubTensors();
  tensors.push_back(expertTensor(kGate, 3));
  tensors.back().name = "model.layers.0.mlp.experts.03.gate_proj.weight";
  expectLoadError(write("model.safetensors", safetensorsFile(tensors)),
                  "tensors 'layers.0.ffn.experts.03.gate_proj.weight' (Hugging Face "
                  "'model.layers.0.mlp.experts.03.gate_proj.weight') and 'layers.0.ffn.experts.3.gate_proj.weight' "
                  "(Hugging Face 'model.layers.0.mlp.experts.3.gate_proj.weight') are both expert 3 of the model's "
                  "'layers.0.ffn.experts.gate_proj.weight'");
}

TEST_F(MoeWeightLoadingTest, ExpertsGivenStackedAndPerExpert) {
  std::vector<TensorBlob> tensors = hubTensors();
  tensors.push_back({"model.layers.0.mlp.experts.gate_up_proj", "F32", {kExperts, 2 * kHidden, kDModel},
                     encodeF32(fusedGateUpValues())});
  expectLoadError(write("model.safetensors", safetensorsFile(tensors)),
                  "the model's 'layers.0.ffn.experts.gate_proj.weight' is given both stacked "
                  "('model.layers.0.mlp.experts.gate_up_proj') and per expert "
                  "('layers.0.ffn.experts.0.gate_proj.weight' (Hugging Face "
                  "'model.layers.0.mlp.experts.0.gate_proj.weight'))");
}

TEST_F(MoeWeightLoadingTest, ExpertOfAnotherShape) {
  std::vector<TensorBlob> tensors = hubTensors();
  for (TensorBlob &tensor : tensors)
    if (tensor.name == expertName(kDown, 1))
      tensor.shape = {kHidden, kDModel}; // same bytes, transposed shape
  expectLoadError(write("model.safetensors", safetensorsFile(tensors)),
                  "tensor 'layers.0.ffn.experts.1.down_proj.weight' (Hugging Face "
                  "'model.layers.0.mlp.experts.1.down_proj.weight') has shape [2, 4] but expert 1 of the model's "
                  "'layers.0.ffn.experts.down_proj.weight' [4, 4, 2] must be [4, 2]");
}

TEST_F(MoeWeightLoadingTest, ExpertOfAnotherDtype) {
  std::vector<TensorBlob> tensors = without(hubTensors(), expertName(kGate, 2));
  tensors.push_back(expertTensor(kGate, 2, "BF16"));
  expectLoadError(write("model.safetensors", safetensorsFile(tensors)),
                  "tensor 'layers.0.ffn.experts.2.gate_proj.weight' (Hugging Face "
                  "'model.layers.0.mlp.experts.2.gate_proj.weight') is BF16 but "
                  "'layers.0.ffn.experts.0.gate_proj.weight' (Hugging Face "
                  "'model.layers.0.mlp.experts.0.gate_proj.weight') is F32: the experts stacked into the model's "
                  "'layers.0.ffn.experts.gate_proj.weight' must share a dtype");
}

TEST_F(MoeWeightLoadingTest, StackedWeightMissingAltogether) {
  std::vector<TensorBlob> tensors = hubTensors();
  std::erase_if(tensors, [](const TensorBlob &tensor) { return tensor.name.ends_with("down_proj.bias"); });
  expectLoadError(write("model.safetensors", safetensorsFile(tensors)),
                  "missing tensor 'layers.0.ffn.experts.down_proj.bias' (Hugging Face "
                  "'model.layers.0.mlp.experts.<e>.down_proj.bias') (expected shape [4, 4])");
}

TEST_F(MoeWeightLoadingTest, FusedGateUpOfTheWrongSize) {
  std::vector<TensorBlob> tensors;
  for (const TensorBlob &tensor : hubTensors())
    if (!tensor.name.ends_with("gate_proj.weight") && !tensor.name.ends_with("up_proj.weight"))
      tensors.push_back(tensor);
  tensors.push_back({"model.layers.0.mlp.experts.gate_up_proj", "F32", {kExperts, 3, kDModel},
                     encodeF32(std::vector<float>(size_t(kExperts * 3 * kDModel), 1.0f))});
  tensors.push_back({"model.layers.0.mlp.shared_expert.gate_proj.weight", "F32", {kSharedHidden, kDModel},
                     encodeF32(valuesOf(9))});
  tensors.push_back({"model.layers.0.mlp.shared_expert.up_proj.weight", "F32", {kSharedHidden, kDModel},
                     encodeF32(valuesOf(10))});
  expectLoadError(write("model.safetensors", safetensorsFile(tensors)),
                  "fused tensor 'layers.0.ffn.experts.gate_up_proj.weight' has 4 experts of 3 rows, but its parts "
                  "gate and up need 4 experts of 4 rows");
}

TEST_F(MoeWeightLoadingTest, ExpertsOfALayerWithoutThemAreExtra) {
  std::vector<TensorBlob> tensors = hubTensors();
  TensorBlob stray = expertTensor(kGate, 0);
  stray.name = "model.layers.1.mlp.experts.0.gate_proj.weight";
  tensors.push_back(stray);
  expectLoadError(write("model.safetensors", safetensorsFile(tensors)),
                  "1 tensor is not in the model: 'layers.1.ffn.experts.0.gate_proj.weight' (Hugging Face "
                  "'model.layers.1.mlp.experts.0.gate_proj.weight')");
}

TEST(MoeNamesTest, MapsTransformersNames) {
  using loom::rt::HfNormNaming;
  const std::pair<const char *, const char *> roundTrips[] = {
      {"model.layers.2.mlp.gate.weight", "layers.2.ffn.router.weight"},
      {"model.layers.2.mlp.gate.e_score_correction_bias", "layers.2.ffn.router.selection_bias"},
      {"model.layers.2.mlp.shared_expert.gate_proj.weight", "layers.2.ffn.shared.gate_proj.weight"},
      {"model.layers.2.mlp.shared_expert.up_proj.weight", "layers.2.ffn.shared.up_proj.weight"},
      {"model.layers.2.mlp.shared_expert.down_proj.weight", "layers.2.ffn.shared.down_proj.weight"},
      {"model.layers.2.mlp.experts.17.gate_proj.weight", "layers.2.ffn.experts.17.gate_proj.weight"},
      {"model.layers.2.mlp.experts.0.down_proj.bias", "layers.2.ffn.experts.0.down_proj.bias"},
      {"model.layers.2.mlp.experts.gate_up_proj", "layers.2.ffn.experts.gate_up_proj.weight"},
  };
  for (const auto &[hf, loomName] : roundTrips) {
    std::string out;
    ASSERT_TRUE(loom::rt::hfToLoomName(hf, HfNormNaming::PreFeedForward, out)) << hf;
    EXPECT_EQ(out, loomName);
    ASSERT_TRUE(loom::rt::loomToHfName(loomName, HfNormNaming::PreFeedForward, out)) << loomName;
    EXPECT_EQ(out, hf);
  }
  const std::pair<const char *, const char *> oneWay[] = {
      {"model.layers.2.mlp.shared_experts.gate_proj.weight", "layers.2.ffn.shared.gate_proj.weight"},
      {"model.layers.2.mlp.shared_experts.down_proj.weight", "layers.2.ffn.shared.down_proj.weight"},
      {"model.layers.2.mlp.experts.gate_up_proj.weight", "layers.2.ffn.experts.gate_up_proj.weight"},
      {"model.layers.2.mlp.experts.down_proj", "layers.2.ffn.experts.down_proj.weight"},
      {"model.layers.2.mlp.experts.down_proj.weight", "layers.2.ffn.experts.down_proj.weight"},
  };
  for (const auto &[hf, loomName] : oneWay) {
    std::string out;
    ASSERT_TRUE(loom::rt::hfToLoomName(hf, HfNormNaming::PreFeedForward, out)) << hf;
    EXPECT_EQ(out, loomName);
  }
  // Messages name a stacked weight's per-expert tensors.
  std::string out;
  ASSERT_TRUE(loom::rt::loomToHfName("layers.2.ffn.experts.up_proj.weight", HfNormNaming::PreFeedForward, out));
  EXPECT_EQ(out, "model.layers.2.mlp.experts.<e>.up_proj.weight");
  for (const char *name : {"model.layers.2.mlp.experts.x.gate_proj.weight", "model.layers.2.mlp.experts.1.w1.weight",
                           "model.layers.2.mlp.experts.1234567890.gate_proj.weight", "model.layers.2.mlp.experts.1"})
    EXPECT_FALSE(loom::rt::hfToLoomName(name, HfNormNaming::PreFeedForward, out)) << name;
}

// GGUF stores the experts stacked: ggml dims {d, I, E} are Loom's [E, I, d].

using namespace loom::test::gguf;

constexpr int64_t kGgufExperts = 2, kGgufD = 32, kGgufHidden = 32;

const loom_weight_desc kGgufMoeWeights[] = {
    {"embedding.weight", 2, {kVocab, kDModel, 0, 0}, LOOM_DTYPE_F32},
    {"layers.0.ffn.router.weight", 2, {kGgufExperts, kGgufD, 0, 0}, LOOM_DTYPE_F32},
    {"layers.0.ffn.router.bias", 1, {kGgufExperts, 0, 0, 0}, LOOM_DTYPE_F32},
    {"layers.0.ffn.router.selection_bias", 1, {kGgufExperts, 0, 0, 0}, LOOM_DTYPE_F32},
    {"layers.0.ffn.experts.gate_proj.weight", 3, {kGgufExperts, kGgufHidden, kGgufD, 0}, LOOM_DTYPE_F32},
    {"layers.0.ffn.experts.up_proj.weight", 3, {kGgufExperts, kGgufHidden, kGgufD, 0}, LOOM_DTYPE_F32},
    {"layers.0.ffn.experts.down_proj.weight", 3, {kGgufExperts, kGgufD, kGgufHidden, 0}, LOOM_DTYPE_F32},
    {"layers.0.ffn.experts.gate_proj.bias", 2, {kGgufExperts, kGgufHidden, 0, 0}, LOOM_DTYPE_F32},
    {"layers.0.ffn.experts.up_proj.bias", 2, {kGgufExperts, kGgufHidden, 0, 0}, LOOM_DTYPE_F32},
    {"layers.0.ffn.experts.down_proj.bias", 2, {kGgufExperts, kGgufD, 0, 0}, LOOM_DTYPE_F32},
    {"layers.0.ffn.shared.gate_proj.weight", 2, {kGgufHidden, kGgufD, 0, 0}, LOOM_DTYPE_F32},
    {"layers.0.ffn.shared.up_proj.weight", 2, {kGgufHidden, kGgufD, 0, 0}, LOOM_DTYPE_F32},
    {"layers.0.ffn.shared.down_proj.weight", 2, {kGgufD, kGgufHidden, 0, 0}, LOOM_DTYPE_F32},
    {"final_norm.weight", 1, {kDModel, 0, 0, 0}, LOOM_DTYPE_F32},
};
constexpr size_t kGgufMoeWeightCount = sizeof(kGgufMoeWeights) / sizeof(kGgufMoeWeights[0]);
constexpr size_t kGgufGate = 4, kGgufUp = 5, kGgufDown = 6, kGgufGateBias = 7;

/// The stacked experts' and the shared expert's matrices.
bool isExpertMatrix(size_t i) { return (i >= kGgufGate && i <= kGgufDown) || (i >= 10 && i <= 12); }

const char *const kGgufNames[kGgufMoeWeightCount] = {
    "token_embd.weight",         "blk.0.ffn_gate_inp.weight",  "blk.0.ffn_gate_inp.bias",
    "blk.0.exp_probs_b.bias",    "blk.0.ffn_gate_exps.weight", "blk.0.ffn_up_exps.weight",
    "blk.0.ffn_down_exps.weight", "blk.0.ffn_gate_exps.bias",  "blk.0.ffn_up_exps.bias",
    "blk.0.ffn_down_exps.bias",  "blk.0.ffn_gate_shexp.weight", "blk.0.ffn_up_shexp.weight",
    "blk.0.ffn_down_shexp.weight", "output_norm.weight",
};

/// `count` values base + (k % 64) / 4 - 4, exact in F16 and BF16.
std::vector<float> ggufValues(size_t count, float base) {
  std::vector<float> values;
  for (size_t k = 0; k < count; ++k)
    values.push_back(base + float(k % 64) / 4 - 4);
  return values;
}

std::string ggufData(const std::vector<float> &values, uint32_t type) {
  switch (type) {
  case kF16:
    return f16Data(values);
  case kBF16:
    return bf16Data(values);
  case kQ8_0:
    return q8_0Data(values);
  default:
    return f32Data(values);
  }
}

class GgufMoeLoadingTest : public ::testing::Test {
protected:
  void SetUp() override {
    resetFakeDescriptor();
    fakeDescriptor().weights = kGgufMoeWeights;
    fakeDescriptor().n_weights = int64_t(kGgufMoeWeightCount);
    fakeState() = FakeModelState();
    model.reset(loom_model_create());
    ASSERT_TRUE(model) << loom_last_error();
  }
  void TearDown() override { resetFakeDescriptor(); }

  static size_t ggufElements(size_t i) { return elementsOf(kGgufMoeWeights[i]); }
  static std::vector<float> values(size_t i) { return ggufValues(ggufElements(i), float(i)); }

  /// Weight i as a GGUF tensor of `type`, dims reversed.
  static Tensor tensorOf(size_t i, uint32_t type = kF32) {
    const loom_weight_desc &weight = kGgufMoeWeights[i];
    std::vector<uint64_t> dims;
    for (int64_t d = weight.rank - 1; d >= 0; --d)
      dims.push_back(uint64_t(weight.shape[d]));
    return {kGgufNames[i], dims, type, ggufData(values(i), type)};
  }

  /// Every weight; the expert matrices (stacked and shared) as `matrixType`, the expert biases as `biasType`.
  static Builder moeFile(uint32_t matrixType, uint32_t biasType = kF32) {
    Builder builder;
    builder.string("general.architecture", "qwen2moe");
    for (size_t i = 0; i < kGgufMoeWeightCount; ++i) {
      const bool expertBias = i >= kGgufGateBias && i <= kGgufGateBias + 2;
      builder.tensor(tensorOf(i, isExpertMatrix(i) ? matrixType : expertBias ? biasType : kF32));
    }
    return builder;
  }

  std::string write(const std::string &contents) {
    std::string path = directory.file("model.gguf");
    writeFile(path, contents);
    return path;
  }

  const loom_tensor *forwardWeights() {
    CachePtr cache(loom_kv_cache_create(model.get(), 0));
    int32_t token = 1;
    EXPECT_EQ(loom_model_forward(model.get(), cache.get(), &token, 1, 0, nullptr), 0) << loom_last_error();
    EXPECT_FALSE(fakeState().abiViolation);
    return fakeState().weights;
  }

  void expectLoadError(const std::string &path, const std::string &part) {
    EXPECT_EQ(loom_model_load_weights(model.get(), path.c_str()), -1);
    EXPECT_LAST_ERROR_CONTAINS(path);
    EXPECT_LAST_ERROR_CONTAINS(part);
  }

  ScratchDirectory directory;
  ModelPtr model;
};

TEST_F(GgufMoeLoadingTest, QuantizedExpertsStayInPlaceInTheirDtype) {
  Builder builder = moeFile(kQ8_0);
  const std::string path = write(builder.build());
  if (!loom_kernels_supports(LOOM_DTYPE_Q8_0)) {
    expectLoadError(path, "tensor 'layers.0.ffn.experts.gate_proj.weight' has dtype Q8_0, which the kernels of "
                          "this model library do not support");
    return;
  }
  ASSERT_EQ(loom_model_load_weights(model.get(), path.c_str()), 0) << loom_last_error();
  const loom_tensor *weights = forwardWeights();
  for (size_t i = 0; i < kGgufMoeWeightCount; ++i) {
    const loom_weight_desc &weight = kGgufMoeWeights[i];
    if (!isExpertMatrix(i)) {
      EXPECT_EQ(weights[i].dtype, LOOM_DTYPE_F32) << weight.name;
      EXPECT_EQ(weightValues(weights[i], ggufElements(i)), values(i)) << weight.name;
      continue;
    }
    EXPECT_EQ(weights[i].dtype, LOOM_DTYPE_Q8_0) << weight.name;
    // Zero-copy: the weight sits at its file offset within a page of the mapping.
    EXPECT_EQ(reinterpret_cast<uintptr_t>(weights[i].data) % 4096, builder.dataOffsets[i] % 4096) << weight.name;
    const std::string bytes = q8_0Data(values(i));
    ASSERT_EQ(bytes.size(), ggufElements(i) / 32 * 34);
    EXPECT_EQ(std::memcmp(weights[i].data, bytes.data(), bytes.size()), 0) << weight.name;
  }
  // Expert 1's down matrix starts 32 rows of one block each into the stack.
  const auto *down = static_cast<const uint8_t *>(weights[kGgufDown].data);
  const std::vector<float> downValues = values(kGgufDown);
  const std::string expert1 = q8_0Data(std::vector<float>(downValues.begin() + 1024, downValues.end()));
  EXPECT_EQ(std::memcmp(down + 32 * 34, expert1.data(), expert1.size()), 0);
}

TEST_F(GgufMoeLoadingTest, HalfExpertsStayInPlaceAndHalfExpertBiasesWiden) {
  for (uint32_t type : {kF16, kBF16}) {
    SCOPED_TRACE(type == kF16 ? "F16" : "BF16");
    Builder builder = moeFile(type, type);
    const std::string path = write(builder.build());
    ASSERT_EQ(loom_model_load_weights(model.get(), path.c_str()), 0) << loom_last_error();
    const loom_tensor *weights = forwardWeights();
    for (size_t i = 0; i < kGgufMoeWeightCount; ++i) {
      const loom_weight_desc &weight = kGgufMoeWeights[i];
      const bool matrix = isExpertMatrix(i);
      EXPECT_EQ(weights[i].dtype, matrix ? int64_t(type) : int64_t(LOOM_DTYPE_F32)) << weight.name;
      EXPECT_EQ(weightValues(weights[i], ggufElements(i)), values(i)) << weight.name;
      if (matrix) {
        EXPECT_EQ(reinterpret_cast<uintptr_t>(weights[i].data) % 4096, builder.dataOffsets[i] % 4096) << weight.name;
      }
    }
  }
}

TEST_F(GgufMoeLoadingTest, SplitsFusedGateUpExpertsPerExpert) {
  // ffn_gate_up_exps {d, 2I, E}: each expert's gate rows, then its up rows.
  std::vector<float> fused;
  for (int64_t e = 0; e < kGgufExperts; ++e)
    for (size_t i : {kGgufGate, kGgufUp}) {
      const std::vector<float> all = values(i);
      const size_t slice = all.size() / size_t(kGgufExperts);
      fused.insert(fused.end(), all.begin() + ptrdiff_t(size_t(e) * slice),
                   all.begin() + ptrdiff_t(size_t(e + 1) * slice));
    }
  const bool q8 = loom_kernels_supports(LOOM_DTYPE_Q8_0);
  const uint32_t type = q8 ? kQ8_0 : kF32;
  Builder builder;
  for (size_t i = 0; i < kGgufMoeWeightCount; ++i)
    if (i != kGgufGate && i != kGgufUp)
      builder.tensor(tensorOf(i));
  builder.tensor({"blk.0.ffn_gate_up_exps.weight",
                  {uint64_t(kGgufD), uint64_t(2 * kGgufHidden), uint64_t(kGgufExperts)}, type, ggufData(fused, type)});
  const std::string path = write(builder.build());
  ASSERT_EQ(loom_model_load_weights(model.get(), path.c_str()), 0) << loom_last_error();
  const loom_tensor *weights = forwardWeights();
  for (size_t i : {kGgufGate, kGgufUp}) {
    EXPECT_EQ(weights[i].dtype, int64_t(type));
    const std::string expected = ggufData(values(i), type); // Q8_0 blocks are rows here: 32 elements each
    EXPECT_EQ(std::memcmp(weights[i].data, expected.data(), expected.size()), 0) << kGgufMoeWeights[i].name;
  }
}

TEST_F(GgufMoeLoadingTest, QuantizedExpertBiasIsAnError) {
  expectLoadError(write(moeFile(kF32, kQ8_0).build()),
                  "tensor 'layers.0.ffn.experts.gate_proj.bias' is a bias of dtype Q8_0; biases must be F32, F16 or "
                  "BF16");
}

TEST_F(GgufMoeLoadingTest, MisshapedExpertsNameBothShapes) {
  Builder builder;
  for (size_t i = 0; i < kGgufMoeWeightCount; ++i) {
    Tensor tensor = tensorOf(i);
    if (i == kGgufUp) { // three experts
      tensor.dims = {uint64_t(kGgufD), uint64_t(kGgufHidden), 3};
      tensor.data = f32Data(ggufValues(size_t(3 * kGgufD * kGgufHidden), 0));
    }
    builder.tensor(tensor);
  }
  expectLoadError(write(builder.build()), "tensor 'layers.0.ffn.experts.up_proj.weight' (GGUF "
                                          "'blk.0.ffn_up_exps.weight') has shape [3, 32, 32] but the model expects "
                                          "[2, 32, 32]");
}

TEST_F(GgufMoeLoadingTest, MissingExpertsNameTheGgufTensor) {
  Builder builder;
  for (size_t i = 0; i < kGgufMoeWeightCount; ++i)
    if (i != kGgufDown)
      builder.tensor(tensorOf(i));
  expectLoadError(write(builder.build()), "missing tensor 'layers.0.ffn.experts.down_proj.weight' (GGUF "
                                          "'blk.0.ffn_down_exps.weight', expected shape [2, 32, 32])");
}

TEST(MoeNamesTest, MapsGgufNames) {
  for (size_t i = 1; i + 1 < kGgufMoeWeightCount; ++i) {
    std::string out;
    ASSERT_TRUE(loom::rt::ggufToLoomName(kGgufNames[i], out)) << kGgufNames[i];
    EXPECT_EQ(out, kGgufMoeWeights[i].name);
    ASSERT_TRUE(loom::rt::loomToGgufName(kGgufMoeWeights[i].name, out)) << kGgufMoeWeights[i].name;
    EXPECT_EQ(out, kGgufNames[i]);
  }
}

} // namespace
