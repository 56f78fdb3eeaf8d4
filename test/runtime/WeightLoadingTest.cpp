//===- WeightLoadingTest.cpp - Safetensors checkpoints and their errors ---===//

#include "FakeModel.h"
#include "SafetensorsWriter.h"
#include "TestSupport.h"

using namespace loom::test;

namespace {

class WeightLoadingTest : public ::testing::Test {
protected:
  void SetUp() override {
    resetFakeDescriptor();
    fakeState() = FakeModelState();
    model.reset(loom_model_create());
    ASSERT_TRUE(model) << loom_last_error();
  }

  /// The values tests store in manifest weight `i`: i + e/4 for element e,
  /// exact in F32, F16 and BF16.
  static std::vector<float> valuesOf(int64_t i) {
    const loom_weight_desc &weight = fakeDescriptor().weights[i];
    int64_t elements = 1;
    for (int64_t d = 0; d < weight.rank; ++d)
      elements *= weight.shape[d];
    std::vector<float> values;
    for (int64_t e = 0; e < elements; ++e)
      values.push_back(float(i) + float(e) / 4);
    return values;
  }

  static std::string encode(const std::vector<float> &values, const std::string &dtype) {
    return dtype == "BF16" ? encodeBF16(values) : dtype == "F16" ? encodeF16(values) : encodeF32(values);
  }

  /// Every manifest weight, stored as `dtypes[i % dtypes.size()]`.
  static std::vector<TensorBlob> manifestTensors(const std::vector<std::string> &dtypes = {"F32"}) {
    std::vector<TensorBlob> tensors;
    const loom_model_desc &desc = fakeDescriptor();
    for (int64_t i = 0; i < desc.n_weights; ++i) {
      const loom_weight_desc &weight = desc.weights[i];
      const std::string &dtype = dtypes[size_t(i) % dtypes.size()];
      tensors.push_back({weight.name, dtype, std::vector<int64_t>(weight.shape, weight.shape + weight.rank),
                         encode(valuesOf(i), dtype)});
    }
    return tensors;
  }

  /// Removes the manifest tensor called `name` from `tensors`.
  static std::vector<TensorBlob> without(std::vector<TensorBlob> tensors, const std::string &name) {
    std::erase_if(tensors, [&](const TensorBlob &tensor) { return tensor.name == name; });
    return tensors;
  }

  std::string write(const std::string &name, const std::string &contents) {
    std::string path = directory.file(name);
    writeFile(path, contents);
    return path;
  }

  /// The weights the runtime hands generated code, read through a forward call.
  std::vector<std::vector<float>> loadedWeights() {
    CachePtr cache(loom_kv_cache_create(model.get(), 0));
    int32_t token = 0;
    EXPECT_EQ(loom_model_forward(model.get(), cache.get(), &token, 1, 0, nullptr), 0) << loom_last_error();
    std::vector<std::vector<float>> weights;
    EXPECT_FALSE(fakeState().abiViolation);
    for (int64_t i = 0; i < fakeDescriptor().n_weights; ++i)
      weights.push_back(weightValues(fakeState().weights[i], valuesOf(i).size()));
    return weights;
  }

  void expectAllManifestValues() {
    std::vector<std::vector<float>> weights = loadedWeights();
    for (int64_t i = 0; i < fakeDescriptor().n_weights; ++i)
      EXPECT_EQ(weights[size_t(i)], valuesOf(i)) << fakeDescriptor().weights[i].name;
  }

  /// Loading `path` must fail with an error that names the file and contains `message`.
  void expectLoadError(const std::string &path, const std::string &message) {
    EXPECT_EQ(loom_model_load_weights(model.get(), path.c_str()), -1);
    EXPECT_LAST_ERROR_CONTAINS(message);
    EXPECT_LAST_ERROR_CONTAINS(path);
  }

  ScratchDirectory directory;
  ModelPtr model;
};

TEST_F(WeightLoadingTest, LoadsF32) {
  std::string path = write("model.safetensors", safetensorsFile(manifestTensors()));
  ASSERT_EQ(loom_model_load_weights(model.get(), path.c_str()), 0) << loom_last_error();
  expectAllManifestValues();
}

/// Matrices keep their dtype (the kernels take F16 and BF16); vectors are widened to F32.
void expectDtypes(int64_t matrixDtype) {
  for (int64_t i = 0; i < fakeDescriptor().n_weights; ++i)
    EXPECT_EQ(fakeState().weights[i].dtype, fakeDescriptor().weights[i].rank == 2 ? matrixDtype : int64_t(LOOM_DTYPE_F32))
        << fakeDescriptor().weights[i].name;
}

TEST_F(WeightLoadingTest, LoadsBF16) {
  std::string path = write("model.safetensors", safetensorsFile(manifestTensors({"BF16"})));
  ASSERT_EQ(loom_model_load_weights(model.get(), path.c_str()), 0) << loom_last_error();
  expectAllManifestValues();
  expectDtypes(LOOM_DTYPE_BF16);
}

TEST_F(WeightLoadingTest, LoadsF16) {
  std::string path = write("model.safetensors", safetensorsFile(manifestTensors({"F16"})));
  ASSERT_EQ(loom_model_load_weights(model.get(), path.c_str()), 0) << loom_last_error();
  expectAllManifestValues();
  expectDtypes(LOOM_DTYPE_F16);
}

TEST_F(WeightLoadingTest, LoadsMixedDtypes) {
  std::string path = write("model.safetensors", safetensorsFile(manifestTensors({"F32", "BF16", "F16"})));
  ASSERT_EQ(loom_model_load_weights(model.get(), path.c_str()), 0) << loom_last_error();
  expectAllManifestValues();
}

TEST_F(WeightLoadingTest, CopiesMisalignedF32) {
  // Without padding, a header whose end is not 4-aligned misaligns every tensor.
  std::string image = safetensorsFile(manifestTensors(), /*pad=*/false);
  uint64_t headerBytes = 0;
  for (int i = 7; i >= 0; --i)
    headerBytes = (headerBytes << 8) | uint8_t(image[size_t(i)]);
  if ((8 + headerBytes) % 4 == 0)
    image = safetensorsImage(image.substr(8, headerBytes) + " ", image.substr(8 + headerBytes), /*pad=*/false);
  std::string path = write("model.safetensors", image);
  ASSERT_EQ(loom_model_load_weights(model.get(), path.c_str()), 0) << loom_last_error();
  expectAllManifestValues();
}

TEST_F(WeightLoadingTest, LoadingReplacesRandomWeights) {
  ASSERT_EQ(loom_model_init_random(model.get(), 1, 1.0f), 0);
  std::string path = write("model.safetensors", safetensorsFile(manifestTensors()));
  ASSERT_EQ(loom_model_load_weights(model.get(), path.c_str()), 0) << loom_last_error();
  expectAllManifestValues();
}

TEST_F(WeightLoadingTest, FailedLoadKeepsThePreviousWeights) {
  std::string good = write("good.safetensors", safetensorsFile(manifestTensors()));
  ASSERT_EQ(loom_model_load_weights(model.get(), good.c_str()), 0) << loom_last_error();
  std::vector<TensorBlob> tensors = manifestTensors({"BF16"});
  tensors.back().shape = {2, 2};
  std::string bad = write("bad.safetensors", safetensorsFile(tensors));
  EXPECT_EQ(loom_model_load_weights(model.get(), bad.c_str()), -1);
  expectAllManifestValues();
}

TEST_F(WeightLoadingTest, MissingFile) {
  expectLoadError(directory.file("absent.safetensors"), "cannot open");
}

TEST_F(WeightLoadingTest, EmptyFile) {
  expectLoadError(write("model.safetensors", ""), "truncated file of 0 bytes");
}

TEST_F(WeightLoadingTest, TruncatedHeaderLength) {
  expectLoadError(write("model.safetensors", std::string(5, '\x10')), "truncated file of 5 bytes");
}

TEST_F(WeightLoadingTest, HeaderLengthBeyondTheFile) {
  std::string image = safetensorsImage("{}", "");
  image[0] = char(0xE8); // 1000
  image[1] = char(0x03);
  expectLoadError(write("model.safetensors", image), "header length 1000 exceeds the 8 bytes that follow it");
}

TEST_F(WeightLoadingTest, TruncatedData) {
  std::string image = safetensorsFile(manifestTensors());
  image.resize(image.size() - 3);
  expectLoadError(write("model.safetensors", image), "tensor 'norm.weight' has data_offsets [");
}

TEST_F(WeightLoadingTest, InvalidJson) {
  expectLoadError(write("model.safetensors", safetensorsImage("{\"a\": }", "")),
                  "invalid JSON header at byte 6 of the header: unexpected character '}', expected a value");
}

TEST_F(WeightLoadingTest, HeaderIsNotAnObject) {
  expectLoadError(write("model.safetensors", safetensorsImage("[1, 2]", "")),
                  "the header is an array, expected an object of tensors");
}

TEST_F(WeightLoadingTest, DuplicateTensorName) {
  std::string header = "{" + tensorJson("a", "F32", {1}, 0, 4) + ", " + tensorJson("a", "F32", {1}, 4, 8) + "}";
  expectLoadError(write("model.safetensors", safetensorsImage(header, std::string(8, '\0'))),
                  "duplicate key \"a\"");
}

TEST_F(WeightLoadingTest, UnknownDtype) {
  std::string header = "{" + tensorJson("embed.weight", "F31", {1}, 0, 4) + "}";
  expectLoadError(write("model.safetensors", safetensorsImage(header, std::string(4, '\0'))),
                  "tensor 'embed.weight' has unknown dtype 'F31'");
}

TEST_F(WeightLoadingTest, DtypeThatIsNotAFloat) {
  std::vector<TensorBlob> tensors = manifestTensors();
  tensors[1].dtype = "I32";
  expectLoadError(write("model.safetensors", safetensorsFile(tensors)),
                  "tensor 'layers.0.attn_norm.weight' has dtype I32; weights must be F32, F16 or BF16");
}

TEST_F(WeightLoadingTest, NegativeDimension) {
  std::string header = "{" + tensorJson("a", "F32", {-1}, 0, 4) + "}";
  expectLoadError(write("model.safetensors", safetensorsImage(header, std::string(4, '\0'))),
                  "tensor 'a' has no \"shape\" array of non-negative integers");
}

TEST_F(WeightLoadingTest, MissingDataOffsets) {
  std::string header = "{\"a\": {\"dtype\": \"F32\", \"shape\": [1]}}";
  expectLoadError(write("model.safetensors", safetensorsImage(header, std::string(4, '\0'))),
                  "tensor 'a' has no \"data_offsets\" pair of non-negative integers");
}

TEST_F(WeightLoadingTest, DataOffsetsBeyondTheData) {
  std::string header = "{" + tensorJson("a", "F32", {4}, 8, 24) + "}";
  expectLoadError(write("model.safetensors", safetensorsImage(header, std::string(16, '\0'))),
                  "tensor 'a' has data_offsets [8, 24] beyond the 16-byte data section");
}

TEST_F(WeightLoadingTest, DataOffsetsEndBeforeTheyBegin) {
  std::string header = "{" + tensorJson("a", "F32", {1}, 8, 4) + "}";
  expectLoadError(write("model.safetensors", safetensorsImage(header, std::string(16, '\0'))),
                  "tensor 'a' has data_offsets [8, 4] that end before they begin");
}

TEST_F(WeightLoadingTest, ByteSizeDiffersFromTheShape) {
  std::string header = "{" + tensorJson("a", "F32", {4}, 0, 12) + "}";
  expectLoadError(write("model.safetensors", safetensorsImage(header, std::string(16, '\0'))),
                  "tensor 'a' has 12 bytes of data but shape [4] of F32 needs 16");
}

TEST_F(WeightLoadingTest, OverlappingTensors) {
  std::string header = "{" + tensorJson("a", "F32", {2}, 0, 8) + ", " + tensorJson("b", "F32", {2}, 4, 12) + "}";
  expectLoadError(write("model.safetensors", safetensorsImage(header, std::string(12, '\0'))),
                  "tensors 'a' and 'b' overlap in the data section");
}

TEST_F(WeightLoadingTest, MetadataMustBeAnObject) {
  std::string header = "{\"__metadata__\": 3}";
  expectLoadError(write("model.safetensors", safetensorsImage(header, "")),
                  "\"__metadata__\" is an integer, expected an object");
}

TEST_F(WeightLoadingTest, MissingTensor) {
  std::string path = write("model.safetensors", safetensorsFile(without(manifestTensors(), "layers.0.attn_norm.weight")));
  expectLoadError(path, "missing tensor 'layers.0.attn_norm.weight' (expected shape [4])");
}

TEST_F(WeightLoadingTest, ShapeMismatch) {
  std::vector<TensorBlob> tensors = manifestTensors();
  tensors[2].shape = {2, 8};
  expectLoadError(write("model.safetensors", safetensorsFile(tensors)),
                  "tensor 'layers.0.proj.weight' has shape [2, 8] but the model expects [4, 4]");
}

TEST_F(WeightLoadingTest, ExtraTensors) {
  std::vector<TensorBlob> tensors = manifestTensors();
  for (const char *name : {"extra.a", "extra.b", "extra.c", "extra.d"})
    tensors.push_back({name, "F32", {1}, encodeF32({1.0f})});
  expectLoadError(write("model.safetensors", safetensorsFile(tensors)),
                  "4 tensors are not in the model: 'extra.a', 'extra.b', 'extra.c', ...");
}

TEST_F(WeightLoadingTest, OneExtraTensor) {
  std::vector<TensorBlob> tensors = manifestTensors();
  tensors.push_back({"lm_head.weight", "F32", {1}, encodeF32({1.0f})});
  expectLoadError(write("model.safetensors", safetensorsFile(tensors)),
                  "1 tensor is not in the model: 'lm_head.weight'");
}

/// The manifest split over two shards in a subdirectory of the index's.
class ShardedWeightLoadingTest : public WeightLoadingTest {
protected:
  void SetUp() override {
    WeightLoadingTest::SetUp();
    std::vector<TensorBlob> tensors = manifestTensors({"F32", "BF16"});
    first.assign(tensors.begin(), tensors.begin() + 3);
    second.assign(tensors.begin() + 3, tensors.end());
  }

  /// The index JSON placing `first` in shard 1 and `second` in shard 2.
  std::string indexJson() const {
    std::string json = "{\"metadata\": {\"total_size\": 1234}, \"weight_map\": {";
    const char *separator = "";
    for (const auto *shard : {&first, &second})
      for (const TensorBlob &tensor : *shard) {
        json += std::string(separator) + "\"" + tensor.name + "\": \"shards/model-0000" +
                (shard == &first ? "1" : "2") + "-of-00002.safetensors\"";
        separator = ", ";
      }
    return json + "}}";
  }

  std::string writeCheckpoint(const std::string &index) {
    write("shards/model-00001-of-00002.safetensors", safetensorsFile(first));
    write("shards/model-00002-of-00002.safetensors", safetensorsFile(second));
    return write("model.safetensors.index.json", index);
  }

  std::vector<TensorBlob> first, second;
};

TEST_F(ShardedWeightLoadingTest, LoadsEveryShard) {
  std::string index = writeCheckpoint(indexJson());
  ASSERT_EQ(loom_model_load_weights(model.get(), index.c_str()), 0) << loom_last_error();
  expectAllManifestValues();
}

TEST_F(ShardedWeightLoadingTest, IndexWithoutWeightMap) {
  expectLoadError(writeCheckpoint("{\"metadata\": {}}"),
                  "no \"weight_map\" object mapping tensor names to shard files");
}

TEST_F(ShardedWeightLoadingTest, IndexThatIsNotJson) {
  expectLoadError(writeCheckpoint("{\"weight_map\": {\"a\": \"b\"}"),
                  "invalid JSON at byte 25: expected ',' or '}' in object");
}

TEST_F(ShardedWeightLoadingTest, IndexNamesAMissingShard) {
  std::string index = indexJson();
  index.replace(index.find("00002-of"), 5, "00003");
  std::string path = writeCheckpoint(index);
  EXPECT_EQ(loom_model_load_weights(model.get(), path.c_str()), -1);
  EXPECT_LAST_ERROR_CONTAINS("cannot open '" + directory.file("shards/model-00003-of-00002.safetensors") + "'");
}

TEST_F(ShardedWeightLoadingTest, ShardLacksATensorTheIndexPlacesThere) {
  std::string index = indexJson();
  TensorBlob moved = second.back();
  second.pop_back();
  writeCheckpoint(index);
  expectLoadError(directory.file("model.safetensors.index.json"),
                  "maps tensor '" + moved.name + "' to 'shards/model-00002-of-00002.safetensors', which does "
                  "not contain it");
}

TEST_F(ShardedWeightLoadingTest, ShardHoldsATensorTheIndexDoesNotList) {
  std::string index = indexJson();
  second.push_back({"stray.weight", "F32", {1}, encodeF32({0.0f})});
  writeCheckpoint(index);
  EXPECT_EQ(loom_model_load_weights(model.get(), directory.file("model.safetensors.index.json").c_str()), -1);
  EXPECT_LAST_ERROR_CONTAINS("model-00002-of-00002.safetensors': contains tensor 'stray.weight', which '");
}

TEST_F(ShardedWeightLoadingTest, TensorInTwoShards) {
  std::string index = indexJson();
  second.push_back(first.front());
  writeCheckpoint(index);
  EXPECT_EQ(loom_model_load_weights(model.get(), directory.file("model.safetensors.index.json").c_str()), -1);
  EXPECT_LAST_ERROR_CONTAINS("tensor 'embed.weight' is also in '");
}

TEST_F(ShardedWeightLoadingTest, MissingManifestTensor) {
  second.pop_back();
  std::string index = writeCheckpoint(indexJson());
  expectLoadError(index, "missing tensor 'norm.weight' (expected shape [4])");
}

} // namespace
