//===- GgufTest.cpp - The GGUF reader, its errors, and loading GGUF weights ===//

#include "FakeModel.h"
#include "Gguf.h"
#include "GgufWriter.h"
#include "TestSupport.h"

#include "loom/Runtime/Kernels.h"

#include <limits>

using namespace loom::test;
using namespace loom::test::gguf;
using loom::rt::GgufFile;
using loom::rt::GgufTensor;
using loom::rt::GgufValue;
using loom::rt::GgufValueType;

namespace {

/// `count` values i * 0.25 + base, exact in F16 and BF16 for small counts.
std::vector<float> ramp(size_t count, float base = 0) {
  std::vector<float> values;
  for (size_t i = 0; i < count; ++i)
    values.push_back(base + float(i % 64) * 0.25f - 4);
  return values;
}

/// A file with one F32 tensor, for the tests that corrupt one part of it.
Builder oneTensor() {
  Builder builder;
  builder.string("general.architecture", "llama");
  builder.tensor({"t", {4, 2}, kF32, f32Data(ramp(8))});
  return builder;
}

class GgufReaderTest : public ::testing::Test {
protected:
  /// Parses `image` from memory (no mapping), as GgufFile::open does after mapping.
  bool parse(const std::string &image) {
    bytes = image;
    return file.parse(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size(), "test.gguf");
  }

  /// Parsing must fail with a message naming the file and containing `part`.
  void expectError(const std::string &image, const std::string &part) {
    EXPECT_FALSE(parse(image));
    EXPECT_LAST_ERROR_CONTAINS("'test.gguf'");
    EXPECT_LAST_ERROR_CONTAINS(part);
  }

  std::string bytes;
  GgufFile file;
};

TEST_F(GgufReaderTest, ReadsEveryMetadataType) {
  Builder builder;
  builder.kv("u8", kUint8, le<uint8_t>(200))
      .kv("i8", kInt8, le<int8_t>(-100))
      .kv("u16", kUint16, le<uint16_t>(60000))
      .kv("i16", kInt16, le<int16_t>(-30000))
      .u32("u32", 4000000000u)
      .kv("i32", kInt32, le<int32_t>(-2000000000))
      .f32("f32", 1.5f)
      .kv("bool", kBool, le<uint8_t>(1))
      .string("string", "hello")
      .kv("u64", kUint64, le<uint64_t>(1ull << 63))
      .kv("i64", kInt64, le<int64_t>(-(1ll << 62)))
      .kv("f64", kFloat64, le<double>(0.125))
      .kv("ints", kArray, array(kInt32, 3, le<int32_t>(1) + le<int32_t>(-2) + le<int32_t>(3)))
      .kv("floats", kArray, array(kFloat32, 2, le(0.5f) + le(-1.0f)))
      .kv("strings", kArray, stringArray({"a", "", "ccc"}))
      .kv("nested", kArray, array(kArray, 2, stringArray({"x", "y"}) + array(kUint8, 1, le<uint8_t>(7))))
      .kv("empty", kArray, array(kUint64, 0, ""));
  ASSERT_TRUE(parse(builder.build())) << loom_last_error();
  EXPECT_EQ(file.version(), 3u);
  EXPECT_EQ(file.metadata().size(), 17u);
  EXPECT_EQ(file.metadata()[0].key, "u8");

  uint64_t u;
  double f;
  ASSERT_TRUE(file.find("u8")->toUnsigned(u));
  EXPECT_EQ(u, 200u);
  EXPECT_EQ(file.find("i8")->intValue, -100);
  EXPECT_FALSE(file.find("i8")->toUnsigned(u));
  EXPECT_EQ(file.find("u16")->uintValue, 60000u);
  EXPECT_EQ(file.find("i16")->intValue, -30000);
  EXPECT_EQ(file.find("u32")->uintValue, 4000000000u);
  EXPECT_EQ(file.find("i32")->intValue, -2000000000);
  ASSERT_TRUE(file.find("f32")->toDouble(f));
  EXPECT_EQ(f, 1.5);
  EXPECT_EQ(file.find("bool")->type, GgufValueType::Bool);
  EXPECT_EQ(file.find("bool")->uintValue, 1u);
  EXPECT_EQ(file.find("string")->string, "hello");
  EXPECT_EQ(file.find("u64")->uintValue, 1ull << 63);
  EXPECT_EQ(file.find("i64")->intValue, -(1ll << 62));
  EXPECT_EQ(file.find("f64")->floatValue, 0.125);
  EXPECT_FALSE(file.find("string")->toDouble(f));

  const GgufValue &ints = *file.find("ints");
  ASSERT_TRUE(ints.isArray());
  EXPECT_EQ(ints.elementType, GgufValueType::Int32);
  ASSERT_EQ(ints.count, 3u);
  EXPECT_EQ(ints.element(1).intValue, -2);
  EXPECT_EQ(ints.element(2).intValue, 3);
  EXPECT_EQ(file.find("floats")->element(1).floatValue, -1.0);
  const GgufValue &strings = *file.find("strings");
  ASSERT_EQ(strings.count, 3u);
  EXPECT_EQ(strings.strings[0], "a");
  EXPECT_EQ(strings.element(1).string, "");
  EXPECT_EQ(strings.element(2).string, "ccc");
  const GgufValue &nested = *file.find("nested");
  ASSERT_EQ(nested.count, 2u);
  EXPECT_EQ(nested.arrays[0].strings[1], "y");
  EXPECT_EQ(nested.element(1).element(0).uintValue, 7u);
  EXPECT_EQ(file.find("empty")->count, 0u);
  EXPECT_EQ(file.find("absent"), nullptr);
}

TEST_F(GgufReaderTest, ReadsVersion2) {
  Builder builder = oneTensor();
  builder.version = 2;
  ASSERT_TRUE(parse(builder.build())) << loom_last_error();
  EXPECT_EQ(file.version(), 2u);
  EXPECT_EQ(file.tensors().size(), 1u);
}

TEST_F(GgufReaderTest, ReadsTensorsOfEverySupportedType) {
  Builder builder;
  builder.tensor({"f32", {3, 2}, kF32, f32Data(ramp(6))})
      .tensor({"f16", {4}, kF16, f16Data(ramp(4))})
      .tensor({"bf16", {2, 2, 2}, kBF16, bf16Data(ramp(8))})
      .tensor({"q8_0", {64, 2}, kQ8_0, q8_0Data(ramp(128))})
      .tensor({"q4_0", {32, 3}, kQ4_0, std::string(3 * 18, '\x11')})
      .tensor({"q4_1", {32}, kQ4_1, std::string(20, '\x22')})
      .tensor({"q4_k", {256, 2}, kQ4_K, std::string(2 * 144, '\x33')})
      .tensor({"q6_k", {512, 1, 1, 2}, kQ6_K, std::string(4 * 210, '\x44')});
  const std::string image = builder.build();
  ASSERT_TRUE(parse(image)) << loom_last_error();
  const size_t expectedBytes[] = {24, 8, 16, 2 * 2 * 34, 3 * 18, 20, 2 * 144, 4 * 210};
  ASSERT_EQ(file.tensors().size(), 8u);
  for (size_t i = 0; i < 8; ++i) {
    const GgufTensor &tensor = file.tensors()[i];
    EXPECT_EQ(tensor.bytes, expectedBytes[i]) << tensor.name;
    // Zero-copy: the tensor is the file's bytes at its offset.
    EXPECT_EQ(tensor.data, reinterpret_cast<const uint8_t *>(bytes.data()) + builder.dataOffsets[i]) << tensor.name;
  }
  const GgufTensor &q8 = *file.findTensor("q8_0");
  EXPECT_EQ(q8.type, uint32_t(LOOM_DTYPE_Q8_0));
  EXPECT_EQ(q8.nDims, 2u);
  EXPECT_EQ(q8.elements, 128);
  EXPECT_EQ(q8.shape(), (std::vector<int64_t>{2, 64}));
  EXPECT_EQ(file.findTensor("q6_k")->shape(), (std::vector<int64_t>{2, 1, 1, 512}));
  EXPECT_EQ(std::memcmp(file.findTensor("f32")->data, f32Data(ramp(6)).data(), 24), 0);
  EXPECT_EQ(file.findTensor("nope"), nullptr);
}

TEST_F(GgufReaderTest, HonoursGeneralAlignment) {
  Builder builder;
  builder.alignment = 64;
  builder.u32("general.alignment", 64);
  builder.tensor({"a", {3}, kF32, f32Data(ramp(3))}).tensor({"b", {5}, kF32, f32Data(ramp(5))});
  ASSERT_TRUE(parse(builder.build())) << loom_last_error();
  EXPECT_EQ(file.alignment(), 64u);
  EXPECT_EQ(file.tensors()[1].offset, 64u);
  EXPECT_EQ(file.tensors()[1].data, reinterpret_cast<const uint8_t *>(bytes.data()) + builder.dataOffsets[1]);
}

TEST_F(GgufReaderTest, FileWithoutTensors) {
  Builder builder;
  builder.string("general.name", "metadata only");
  std::string image = builder.build();
  ASSERT_TRUE(parse(image)) << loom_last_error();
  EXPECT_TRUE(file.tensors().empty());
}

// One test per kind of corrupt input; each expects a message that names the file and the fault.

TEST_F(GgufReaderTest, EmptyFile) { expectError("", "not a GGUF file"); }

TEST_F(GgufReaderTest, BadMagic) { expectError("GGML" + oneTensor().build().substr(4), "not \"GGUF\""); }

TEST_F(GgufReaderTest, TruncatedHeader) { expectError(oneTensor().build().substr(0, 20), "truncated file of 20 bytes"); }

TEST_F(GgufReaderTest, TruncatedMetadata) {
  // Cut inside the value of "general.architecture".
  expectError(oneTensor().build().substr(0, 24 + 8 + 20 + 4 + 8 + 2), "metadata key 'general.architecture'");
  EXPECT_LAST_ERROR_CONTAINS("past the end of the file");
}

TEST_F(GgufReaderTest, TruncatedTensorInfo) {
  const std::string image = oneTensor().build();
  // Header, the key-value pair, then the tensor's name and n_dims: its dims are cut.
  expectError(image.substr(0, 24 + 8 + 20 + 4 + 8 + 5 + 8 + 1 + 4 + 3), "truncated file: tensor 't'");
}

TEST_F(GgufReaderTest, TruncatedTensorData) {
  Builder builder = oneTensor();
  const std::string image = builder.build();
  expectError(image.substr(0, builder.dataOffsets[0] + 16), "tensor 't' needs bytes [0, 32) of the data section");
}

TEST_F(GgufReaderTest, UnsupportedVersion) {
  Builder builder = oneTensor();
  builder.version = 1;
  expectError(builder.build(), "unsupported GGUF version 1");
  builder.version = 4;
  expectError(builder.build(), "unsupported GGUF version 4");
  builder.version = 3u << 24; // a big-endian file's version, read little-endian
  expectError(builder.build(), "only little-endian GGUF files are supported");
}

TEST_F(GgufReaderTest, AbsurdTensorCount) {
  Builder builder = oneTensor();
  builder.tensorCount = 1ull << 60;
  expectError(builder.build(), "claims 1152921504606846976 tensors");
}

TEST_F(GgufReaderTest, AbsurdMetadataCount) {
  Builder builder = oneTensor();
  builder.keyCount = std::numeric_limits<uint64_t>::max();
  expectError(builder.build(), "claims 18446744073709551615 metadata entries");
}

TEST_F(GgufReaderTest, KeyLengthBeyondFile) {
  std::string image = "GGUF" + le<uint32_t>(3) + le<uint64_t>(0) + le<uint64_t>(1) + le<uint64_t>(1ull << 40) + std::string(16, 'k');
  expectError(image, "the key of metadata entry 0 is a string of 1099511627776 bytes");
}

TEST_F(GgufReaderTest, StringValueBeyondFile) {
  Builder builder;
  builder.kv("general.name", kString, le<uint64_t>(~0ull) + "abc");
  expectError(builder.build(), "metadata key 'general.name' is a string of 18446744073709551615 bytes");
}

TEST_F(GgufReaderTest, TensorNameBeyondFile) {
  Builder builder;
  builder.tensor({std::string(3, 'n'), {1}, kF32, f32Data({1})});
  std::string image = builder.build();
  image.replace(24, 8, le<uint64_t>(image.size()));
  expectError(image, "the name of tensor 0 is a string of");
}

TEST_F(GgufReaderTest, UnknownValueType) {
  Builder builder;
  builder.kv("weird", 13, le<uint32_t>(0));
  expectError(builder.build(), "metadata key 'weird' has unknown value type 13");
}

TEST_F(GgufReaderTest, UnknownArrayElementType) {
  Builder builder;
  builder.kv("weird", kArray, array(77, 1, "x"));
  expectError(builder.build(), "metadata key 'weird' is an array of unknown value type 77");
}

TEST_F(GgufReaderTest, ArrayLongerThanFile) {
  Builder builder;
  builder.kv("tokens", kArray, array(kString, 1ull << 40, str("a")));
  expectError(builder.build(), "metadata key 'tokens' is an array of 1099511627776 string elements");
  Builder scalars;
  scalars.kv("ids", kArray, array(kUint32, (1ull << 62) + 1, le<uint32_t>(1)));
  expectError(scalars.build(), "is an array of 4611686018427387905 uint32 elements");
}

TEST_F(GgufReaderTest, ArraysNestedTooDeep) {
  std::string value = array(kUint8, 0, "");
  for (int depth = 0; depth < 20; ++depth)
    value = array(kArray, 1, value);
  Builder builder;
  builder.kv("deep", kArray, value);
  expectError(builder.build(), "metadata key 'deep' nests arrays more than 8 deep");
}

TEST_F(GgufReaderTest, TooManyNestedArrays) {
  std::string elements;
  for (int i = 0; i < 70000; ++i)
    elements += array(kUint8, 0, "");
  Builder builder;
  builder.kv("wide", kArray, array(kArray, 70000, elements));
  expectError(builder.build(), "metadata key 'wide' is an array of 70000 arrays (at most 65536 are supported)");
}

TEST_F(GgufReaderTest, DuplicateKey) {
  Builder builder;
  builder.u32("a", 1).u32("a", 2);
  expectError(builder.build(), "metadata key 'a' appears twice");
}

TEST_F(GgufReaderTest, BadAlignment) {
  Builder zero = oneTensor();
  zero.u32("general.alignment", 0);
  expectError(zero.build(), "general.alignment is 0, expected a power of two");
  Builder three = oneTensor();
  three.u32("general.alignment", 3);
  expectError(three.build(), "general.alignment is 3");
  Builder wrongType = oneTensor();
  wrongType.kv("general.alignment", kUint64, le<uint64_t>(32));
  expectError(wrongType.build(), "general.alignment is a uint64, expected a uint32");
}

TEST_F(GgufReaderTest, UnknownTensorType) {
  Builder builder;
  builder.tensor({"t", {4}, 99, std::string(16, '\0')});
  expectError(builder.build(), "tensor 't' has unknown ggml type 99");
}

TEST_F(GgufReaderTest, UnsupportedTensorType) {
  Builder builder;
  builder.tensor({"t", {256}, kQ5_K, std::string(176, '\0')});
  expectError(builder.build(), "tensor 't' has type Q5_K (13), which Loom does not support");
}

TEST_F(GgufReaderTest, TooManyDimensions) {
  Builder builder;
  builder.tensor({"t", {1, 1, 1, 1, 1}, kF32, f32Data({1})});
  expectError(builder.build(), "tensor 't' has 5 dimensions (1 to 4 are supported)");
}

TEST_F(GgufReaderTest, NoDimensions) {
  Builder builder;
  builder.tensor({"t", {}, kF32, f32Data({1})});
  expectError(builder.build(), "tensor 't' has 0 dimensions");
}

TEST_F(GgufReaderTest, ZeroSizedDimension) {
  Builder builder;
  builder.tensor({"t", {4, 0}, kF32, ""});
  expectError(builder.build(), "tensor 't' has dimension 1 of size 0");
}

TEST_F(GgufReaderTest, DimensionBeyondInt64) {
  Builder builder;
  builder.tensor({"t", {1ull << 63}, kF32, ""});
  expectError(builder.build(), "tensor 't' has dimension 0 of size 9223372036854775808");
}

TEST_F(GgufReaderTest, OverflowingDimensions) {
  Builder builder;
  builder.tensor({"t", {1ull << 32, 1ull << 32}, kF32, ""});
  expectError(builder.build(), "tensor 't' has ggml dims [4294967296, 4294967296] whose element count overflows");
  Builder bytes;
  bytes.tensor({"t", {1ull << 61, 2}, kF32, ""});
  expectError(bytes.build(), "whose size in bytes overflows");
  // One dimension whose byte size alone wraps to 0 (found by the fuzzer).
  Builder row;
  row.tensor({"t", {1ull << 62}, kF32, ""});
  expectError(row.build(), "tensor 't' has ggml dims [4611686018427387904] whose size in bytes overflows");
}

TEST_F(GgufReaderTest, RowNotAMultipleOfTheBlock) {
  Builder builder;
  builder.tensor({"t", {16, 2}, kQ8_0, std::string(34, '\0')});
  expectError(builder.build(), "tensor 't' of type Q8_0 has rows of 16 elements, not a multiple of its block size 32");
}

TEST_F(GgufReaderTest, DataOutOfBounds) {
  Builder builder;
  builder.tensor({"t", {4}, kF32, f32Data(ramp(4)), 1ull << 20});
  std::string image = builder.build();
  expectError(image.substr(0, builder.dataOffsets[0] - (1ull << 20) + 32),
              "tensor 't' needs bytes [1048576, 1048592) of the data section, which holds 32 bytes");
  Builder huge;
  huge.tensor({"t", {4}, kF32, "", ~0ull - 31});
  expectError(huge.build().substr(0, 96), "tensor 't' needs bytes");
}

TEST_F(GgufReaderTest, MisalignedOffset) {
  Builder builder;
  builder.tensor({"t", {4}, kF32, f32Data(ramp(4)), 8});
  expectError(builder.build(), "tensor 't' has data offset 8, not a multiple of the alignment 32");
}

TEST_F(GgufReaderTest, OverlappingTensors) {
  Builder builder;
  builder.tensor({"a", {16}, kF32, f32Data(ramp(16)), 0}).tensor({"b", {4}, kF32, f32Data(ramp(4)), 32});
  expectError(builder.build(), "tensors 'a' and 'b' overlap in the data section");
}

TEST_F(GgufReaderTest, DuplicateTensor) {
  Builder builder;
  builder.tensor({"a", {4}, kF32, f32Data(ramp(4))}).tensor({"a", {4}, kF32, f32Data(ramp(4))});
  expectError(builder.build(), "tensor 'a' appears twice");
}

TEST_F(GgufReaderTest, EmptyTensorName) {
  Builder builder;
  builder.tensor({"", {4}, kF32, f32Data(ramp(4))});
  expectError(builder.build(), "tensor 0 has an empty name");
}

TEST(GgufFileTest, OpensAndDetectsFiles) {
  ScratchDirectory directory;
  const std::string path = directory.file("model.gguf");
  writeFile(path, oneTensor().build());
  EXPECT_TRUE(loom::rt::isGgufFile(path));
  GgufFile file;
  ASSERT_TRUE(file.open(path)) << loom_last_error();
  EXPECT_EQ(file.find("general.architecture")->string, "llama");
  EXPECT_EQ(file.tensors()[0].shape(), (std::vector<int64_t>{2, 4}));

  const std::string other = directory.file("model.safetensors");
  writeFile(other, "GGU");
  EXPECT_FALSE(loom::rt::isGgufFile(other));
  EXPECT_FALSE(loom::rt::isGgufFile(directory.file("absent.gguf")));
  EXPECT_FALSE(file.open(directory.file("absent.gguf")));
  EXPECT_LAST_ERROR_CONTAINS("cannot open");
}

TEST(GgufNamesTest, MapsTheLlamaConvention) {
  const std::pair<const char *, const char *> pairs[] = {
      {"token_embd.weight", "embedding.weight"},
      {"output_norm.weight", "final_norm.weight"},
      {"output.weight", "lm_head.weight"},
      {"blk.0.attn_norm.weight", "layers.0.attn_norm.weight"},
      {"blk.12.attn_q.weight", "layers.12.attention.q_proj.weight"},
      {"blk.3.attn_k.bias", "layers.3.attention.k_proj.bias"},
      {"blk.3.attn_v.weight", "layers.3.attention.v_proj.weight"},
      {"blk.3.attn_output.weight", "layers.3.attention.o_proj.weight"},
      {"blk.7.attn_q_norm.weight", "layers.7.attention.q_norm.weight"},
      {"blk.7.attn_k_norm.weight", "layers.7.attention.k_norm.weight"},
      {"blk.1.ffn_norm.weight", "layers.1.ffn_norm.weight"},
      {"blk.1.ffn_gate.weight", "layers.1.ffn.gate_proj.weight"},
      {"blk.1.ffn_up.weight", "layers.1.ffn.up_proj.weight"},
      {"blk.100.ffn_down.weight", "layers.100.ffn.down_proj.weight"},
  };
  for (const auto &[gguf, loomName] : pairs) {
    std::string out;
    ASSERT_TRUE(loom::rt::ggufToLoomName(gguf, out)) << gguf;
    EXPECT_EQ(out, loomName);
    ASSERT_TRUE(loom::rt::loomToGgufName(loomName, out)) << loomName;
    EXPECT_EQ(out, gguf);
  }
  std::string out;
  for (const char *name : {"blk.01.attn_q.weight", "blk..attn_q.weight", "blk.x.attn_q.weight", "blk.1",
                           "blk.1.", "blk.1.attn_q", "rope_freqs.weight", "blk.1234567890.attn_q.weight", ""})
    EXPECT_FALSE(loom::rt::ggufToLoomName(name, out)) << name;
  EXPECT_FALSE(loom::rt::loomToGgufName("layers.0.proj.weight", out));
}

/// The fake model with llama-convention names (same shapes and order as
/// FakeModel.cpp's manifest, so its forward pass still works).
const loom_weight_desc kLlamaWeights[] = {
    {"embedding.weight", 2, {kVocab, kDModel, 0, 0}, LOOM_DTYPE_F32},
    {"layers.0.attn_norm.weight", 1, {kDModel, 0, 0, 0}, LOOM_DTYPE_F32},
    {"layers.0.attention.q_proj.weight", 2, {kDModel, kDModel, 0, 0}, LOOM_DTYPE_F32},
    {"layers.0.attention.q_proj.bias", 1, {kDModel, 0, 0, 0}, LOOM_DTYPE_F32},
    {"layers.1.attn_norm.weight", 1, {kDModel, 0, 0, 0}, LOOM_DTYPE_F32},
    {"layers.1.ffn.down_proj.weight", 2, {kDModel, 2 * kDModel, 0, 0}, LOOM_DTYPE_F32},
    {"final_norm.weight", 1, {kDModel, 0, 0, 0}, LOOM_DTYPE_F32},
};
constexpr size_t kLlamaWeightCount = sizeof(kLlamaWeights) / sizeof(kLlamaWeights[0]);

class GgufLoadingTest : public ::testing::Test {
protected:
  void SetUp() override {
    resetFakeDescriptor();
    fakeDescriptor().weights = kLlamaWeights;
    fakeDescriptor().n_weights = kLlamaWeightCount;
    fakeState() = FakeModelState();
    model.reset(loom_model_create());
    ASSERT_TRUE(model) << loom_last_error();
  }
  void TearDown() override { resetFakeDescriptor(); }

  static size_t elementsOf(size_t i) {
    size_t elements = 1;
    for (int64_t d = 0; d < kLlamaWeights[i].rank; ++d)
      elements *= size_t(kLlamaWeights[i].shape[d]);
    return elements;
  }
  static std::vector<float> valuesOf(size_t i) { return ramp(elementsOf(i), float(i)); }

  /// Manifest weight `i` as a GGUF tensor of `type`: GGUF name, dims reversed.
  static Tensor tensorOf(size_t i, uint32_t type = kF32) {
    const loom_weight_desc &weight = kLlamaWeights[i];
    std::string name;
    EXPECT_TRUE(loom::rt::loomToGgufName(weight.name, name));
    std::vector<uint64_t> dims;
    for (int64_t d = weight.rank - 1; d >= 0; --d)
      dims.push_back(uint64_t(weight.shape[d]));
    const std::vector<float> values = valuesOf(i);
    std::string data = type == kF16 ? f16Data(values) : type == kBF16 ? bf16Data(values) : f32Data(values);
    return {name, dims, type, data, std::nullopt};
  }

  /// Every manifest weight; matrices as `matrixType`, vectors as `vectorType`.
  static Builder manifestFile(uint32_t matrixType = kF32, uint32_t vectorType = kF32) {
    Builder builder;
    builder.string("general.architecture", "llama");
    for (size_t i = 0; i < kLlamaWeightCount; ++i)
      builder.tensor(tensorOf(i, kLlamaWeights[i].rank == 2 ? matrixType : vectorType));
    return builder;
  }

  std::string write(const std::string &contents) {
    std::string path = directory.file("model.gguf");
    writeFile(path, contents);
    return path;
  }

  /// Every weight as the fake forward saw it equals the values written.
  void expectAllValues() {
    CachePtr cache(loom_kv_cache_create(model.get(), 0));
    int32_t token = 3;
    std::vector<float> logits(kVocab);
    ASSERT_EQ(loom_model_forward(model.get(), cache.get(), &token, 1, 0, logits.data()), 0) << loom_last_error();
    EXPECT_FALSE(fakeState().abiViolation);
    for (size_t i = 0; i < kLlamaWeightCount; ++i)
      EXPECT_EQ(weightValues(fakeState().weights[i], elementsOf(i)), valuesOf(i)) << kLlamaWeights[i].name;
    // The forward read the embedding as it was written.
    EXPECT_EQ(logits, expectedLogits({token}, valuesOf(0).data()));
  }

  void expectLoadError(const std::string &path, const std::string &part) {
    EXPECT_EQ(loom_model_load_weights(model.get(), path.c_str()), -1);
    EXPECT_LAST_ERROR_CONTAINS(path);
    EXPECT_LAST_ERROR_CONTAINS(part);
  }

  ScratchDirectory directory;
  ModelPtr model;
};

TEST_F(GgufLoadingTest, LoadsF32InPlace) {
  Builder builder = manifestFile();
  const std::string path = write(builder.build());
  ASSERT_EQ(loom_model_load_weights(model.get(), path.c_str()), 0) << loom_last_error();
  expectAllValues();
  // Zero-copy: each weight sits at its file offset within a page of the mapping (a copy would be
  // 64-byte aligned, which half of these offsets are not).
  for (size_t i = 0; i < kLlamaWeightCount; ++i) {
    EXPECT_EQ(fakeState().weights[i].dtype, LOOM_DTYPE_F32);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(fakeState().weights[i].data) % 4096, builder.dataOffsets[i] % 4096)
        << kLlamaWeights[i].name;
  }
}

TEST_F(GgufLoadingTest, KeepsHalfMatricesAndWidensHalfVectors) {
  for (uint32_t type : {kF16, kBF16}) {
    Builder builder = manifestFile(type, type);
    const std::string path = write(builder.build());
    ASSERT_EQ(loom_model_load_weights(model.get(), path.c_str()), 0) << loom_last_error();
    expectAllValues();
    for (size_t i = 0; i < kLlamaWeightCount; ++i) {
      const bool matrix = kLlamaWeights[i].rank == 2;
      EXPECT_EQ(fakeState().weights[i].dtype, matrix ? int64_t(type) : int64_t(LOOM_DTYPE_F32));
      if (matrix) {
        EXPECT_EQ(reinterpret_cast<uintptr_t>(fakeState().weights[i].data) % 4096, builder.dataOffsets[i] % 4096);
      }
    }
  }
}

TEST_F(GgufLoadingTest, QuantizedMatricesStayQuantizedIfTheKernelsTakeThem) {
  // A [4, 64] Q8_0 matrix as the down projection.
  static loom_weight_desc weights[kLlamaWeightCount];
  std::copy(std::begin(kLlamaWeights), std::end(kLlamaWeights), weights);
  weights[5].shape[1] = 64;
  fakeDescriptor().weights = weights;
  Builder quantized;
  for (size_t i = 0; i < kLlamaWeightCount; ++i) {
    Tensor tensor = tensorOf(i);
    if (i == 5)
      tensor = {tensor.name, {64, 4}, kQ8_0, q8_0Data(ramp(256)), std::nullopt};
    quantized.tensor(tensor);
  }
  const std::string path = write(quantized.build());
  if (loom_kernels_supports(LOOM_DTYPE_Q8_0)) {
    ASSERT_EQ(loom_model_load_weights(model.get(), path.c_str()), 0) << loom_last_error();
    CachePtr cache(loom_kv_cache_create(model.get(), 0));
    int32_t token = 1;
    ASSERT_EQ(loom_model_forward(model.get(), cache.get(), &token, 1, 0, nullptr), 0) << loom_last_error();
    EXPECT_EQ(fakeState().weights[5].dtype, LOOM_DTYPE_Q8_0);
    EXPECT_EQ(std::memcmp(fakeState().weights[5].data, q8_0Data(ramp(256)).data(), 8 * 34), 0);
  } else {
    expectLoadError(path, "tensor 'layers.1.ffn.down_proj.weight' has dtype Q8_0, which the kernels of this "
                          "model library do not support");
  }
}

TEST_F(GgufLoadingTest, QuantizedVectorIsAnError) {
  static loom_weight_desc weights[kLlamaWeightCount];
  std::copy(std::begin(kLlamaWeights), std::end(kLlamaWeights), weights);
  weights[6].shape[0] = 32; // final_norm, as a Q8_0 block
  fakeDescriptor().weights = weights;
  Builder builder;
  for (size_t i = 0; i < kLlamaWeightCount; ++i)
    builder.tensor(i == 6 ? Tensor{"output_norm.weight", {32}, kQ8_0, q8_0Data(ramp(32)), std::nullopt}
                          : tensorOf(i));
  expectLoadError(write(builder.build()),
                  "tensor 'final_norm.weight' of rank 1 has dtype Q8_0; only matrices may be quantized");
}

TEST_F(GgufLoadingTest, MissingTensor) {
  Builder builder;
  for (size_t i = 0; i < kLlamaWeightCount; ++i)
    if (i != 2)
      builder.tensor(tensorOf(i));
  expectLoadError(write(builder.build()),
                  "missing tensor 'layers.0.attention.q_proj.weight' (GGUF 'blk.0.attn_q.weight', expected shape "
                  "[4, 4])");
}

TEST_F(GgufLoadingTest, ExtraTensors) {
  Builder builder = manifestFile();
  builder.tensor({"blk.0.ffn_up.weight", {4, 4}, kF32, f32Data(ramp(16))});
  builder.tensor({"token_types.weight", {2}, kF32, f32Data(ramp(2))});
  expectLoadError(write(builder.build()),
                  "2 tensors are not in the model: 'blk.0.ffn_up.weight', 'token_types.weight'");
}

// Llama 3.1's rope_freqs.weight is no weight: the loader compares it with the divisors the model's llama3
// scaling implies (descriptor), accepts it when they agree and names it when they do not.
TEST_F(GgufLoadingTest, RopeFreqsMustMatchTheModelsScaling) {
  static const float divisors[3] = {1.0f, 2.5f, 8.0f};
  auto fileWith = [&](std::vector<float> table) {
    Builder builder = manifestFile();
    builder.tensor({"rope_freqs.weight", {table.size()}, kF32, f32Data(table)});
    return write(builder.build());
  };
  expectLoadError(fileWith({1.0f, 2.5f, 8.0f}),
                  "tensor 'rope_freqs.weight' holds Llama 3.1 RoPE frequency factors, but the model's RoPE has no "
                  "llama3 scaling");

  fakeDescriptor().n_rope_freq_divisors = 3;
  fakeDescriptor().rope_freq_divisors = divisors;
  ASSERT_EQ(loom_model_load_weights(model.get(), fileWith({1.0f, 2.5000002f, 8.0f}).c_str()), 0)
      << loom_last_error();
  expectAllValues();
  expectLoadError(fileWith({1.0f, 2.6f, 8.0f}), "tensor 'rope_freqs.weight' gives RoPE pair 1 the frequency factor "
                                                 "2.6, but the spec's llama3 scaling implies 2.5");
  expectLoadError(fileWith({1.0f, 2.5f}), "tensor 'rope_freqs.weight' is F32 with 2 elements, but the model's "
                                          "llama3 RoPE scaling has 3 F32 frequency factors");
}

TEST_F(GgufLoadingTest, MisshapedTensorNamesBothShapes) {
  Builder builder;
  for (size_t i = 0; i < kLlamaWeightCount; ++i) {
    Tensor tensor = tensorOf(i);
    if (i == 5) // [4, 8] in Loom's order is ggml dims [8, 4]; these are the dims of a [8, 4] matrix.
      tensor.dims = {4, 8};
    builder.tensor(tensor);
  }
  expectLoadError(write(builder.build()), "tensor 'layers.1.ffn.down_proj.weight' (GGUF 'blk.1.ffn_down.weight') "
                                          "has shape [8, 4] but the model expects [4, 8]");
}

TEST_F(GgufLoadingTest, CorruptFileNamesTheFault) {
  Builder builder = manifestFile();
  builder.version = 7;
  expectLoadError(write(builder.build()), "unsupported GGUF version 7");
}

TEST_F(GgufLoadingTest, FailedLoadKeepsThePreviousWeights) {
  const std::string path = write(manifestFile().build());
  ASSERT_EQ(loom_model_load_weights(model.get(), path.c_str()), 0) << loom_last_error();
  Builder bad;
  for (size_t i = 1; i < kLlamaWeightCount; ++i)
    bad.tensor(tensorOf(i));
  const std::string badPath = directory.file("bad.gguf");
  writeFile(badPath, bad.build());
  EXPECT_EQ(loom_model_load_weights(model.get(), badPath.c_str()), -1);
  EXPECT_LAST_ERROR_CONTAINS("missing tensor 'embedding.weight'");
  expectAllValues();
}

} // namespace
