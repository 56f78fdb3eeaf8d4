//===- TokenizerErrorsTest.cpp - Malformed tokenizer metadata --------------===//
//
// Every way the tokenizer keys of a GGUF file can be wrong is an error that
// names the key (and the file), never a crash.
//
//===----------------------------------------------------------------------===//
#include "GgufWriter.h"
#include "TestVocabularies.h"

#include "Gguf.h"

namespace loom::tokenizer::test {
namespace {

namespace gguf = loom::test::gguf;

std::string int32Array(const std::vector<int32_t> &values) {
  std::string bytes;
  for (int32_t v : values)
    bytes += gguf::le(v);
  return gguf::array(gguf::kInt32, values.size(), bytes);
}

std::string f32Array(const std::vector<float> &values) {
  return gguf::array(gguf::kFloat32, values.size(), gguf::f32Data(values));
}

/// The keys of a well-formed byte-level tokenizer; tests drop or replace one.
struct Keys {
  std::vector<std::pair<std::string, std::pair<uint32_t, std::string>>> entries;

  Keys() {
    const Vocabulary v = byteLevelVocabulary();
    set("tokenizer.ggml.model", gguf::kString, gguf::str("gpt2"));
    set("tokenizer.ggml.pre", gguf::kString, gguf::str("gpt-2"));
    set("tokenizer.ggml.tokens", gguf::kArray, gguf::stringArray(v.tokens));
    set("tokenizer.ggml.token_type", gguf::kArray, int32Array(v.tokenTypes));
    set("tokenizer.ggml.merges", gguf::kArray, gguf::stringArray(v.merges));
    set("tokenizer.ggml.eos_token_id", gguf::kUint32, gguf::le<uint32_t>(kEndOfText));
  }
  Keys &set(const std::string &key, uint32_t type, std::string value) {
    erase(key);
    entries.push_back({key, {type, std::move(value)}});
    return *this;
  }
  Keys &erase(const std::string &key) {
    std::erase_if(entries, [&](const auto &e) { return e.first == key; });
    return *this;
  }
};

/// The error message of reading `keys` as a GGUF file, or "" if it loads.
std::string loadError(const Keys &keys) {
  gguf::Builder builder;
  for (const auto &[key, value] : keys.entries)
    builder.kv(key, value.first, value.second);
  const std::string image = builder.build();
  rt::GgufFile file;
  if (!file.parse(reinterpret_cast<const uint8_t *>(image.data()), image.size(), "tok.gguf"))
    return "GGUF parse failed";
  auto tokenizer = Tokenizer::fromGguf(file);
  if (tokenizer)
    return "";
  return llvm::toString(tokenizer.takeError());
}

#define EXPECT_ERROR_MENTIONS(keys, ...)                                                                     \
  do {                                                                                                       \
    const std::string message = loadError(keys);                                                            \
    EXPECT_FALSE(message.empty()) << "loaded";                                                               \
    for (const char *part : {__VA_ARGS__})                                                                   \
      EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;           \
  } while (false)

TEST(TokenizerErrors, WellFormedLoads) { EXPECT_EQ(loadError(Keys()), ""); }

TEST(TokenizerErrors, Model) {
  EXPECT_ERROR_MENTIONS(Keys().erase("tokenizer.ggml.model"), "tok.gguf", "tokenizer.ggml.model", "missing");
  EXPECT_ERROR_MENTIONS(Keys().set("tokenizer.ggml.model", gguf::kUint32, gguf::le<uint32_t>(1)),
                        "tokenizer.ggml.model", "uint32", "string");
  EXPECT_ERROR_MENTIONS(Keys().set("tokenizer.ggml.model", gguf::kString, gguf::str("bert")),
                        "tokenizer.ggml.model", "'bert'");
}

TEST(TokenizerErrors, PreTokenizer) {
  EXPECT_ERROR_MENTIONS(Keys().set("tokenizer.ggml.pre", gguf::kString, gguf::str("klingon")), "tokenizer.ggml.pre",
                        "'klingon'", "smollm");
  EXPECT_ERROR_MENTIONS(Keys().set("tokenizer.ggml.pre", gguf::kBool, std::string(1, '\1')), "tokenizer.ggml.pre",
                        "bool");
}

TEST(TokenizerErrors, Tokens) {
  EXPECT_ERROR_MENTIONS(Keys().erase("tokenizer.ggml.tokens"), "tokenizer.ggml.tokens", "missing");
  EXPECT_ERROR_MENTIONS(Keys().set("tokenizer.ggml.tokens", gguf::kArray, int32Array({1, 2})),
                        "tokenizer.ggml.tokens", "array of int32", "array of strings");
  EXPECT_ERROR_MENTIONS(Keys().set("tokenizer.ggml.tokens", gguf::kString, gguf::str("a")),
                        "tokenizer.ggml.tokens", "a string");
  EXPECT_ERROR_MENTIONS(Keys().set("tokenizer.ggml.tokens", gguf::kArray, gguf::stringArray({})),
                        "tokenizer.ggml.tokens", "empty");
  std::vector<std::string> duplicated = byteLevelVocabulary().tokens;
  duplicated.back() = duplicated.front();
  EXPECT_ERROR_MENTIONS(Keys().set("tokenizer.ggml.tokens", gguf::kArray, gguf::stringArray(duplicated)),
                        "tokenizer.ggml.tokens", "twice");
}

TEST(TokenizerErrors, ScoresAndTypes) {
  const size_t n = byteLevelVocabulary().tokens.size();
  EXPECT_ERROR_MENTIONS(Keys().set("tokenizer.ggml.scores", gguf::kArray, f32Array(std::vector<float>(n - 1))),
                        "tokenizer.ggml.scores", "entries for");
  EXPECT_ERROR_MENTIONS(Keys().set("tokenizer.ggml.scores", gguf::kArray, gguf::stringArray({"1"})),
                        "tokenizer.ggml.scores", "array of string");
  EXPECT_ERROR_MENTIONS(
      Keys().set("tokenizer.ggml.token_type", gguf::kArray, int32Array(std::vector<int32_t>(n + 1, 1))),
      "tokenizer.ggml.token_type", "entries for");
  EXPECT_ERROR_MENTIONS(Keys().set("tokenizer.ggml.token_type", gguf::kArray, f32Array(std::vector<float>(n))),
                        "tokenizer.ggml.token_type", "array of float32");
  std::vector<int32_t> types(n, 1);
  types[5] = 9;
  EXPECT_ERROR_MENTIONS(Keys().set("tokenizer.ggml.token_type", gguf::kArray, int32Array(types)),
                        "tokenizer.ggml.token_type[5]", "9");
}

TEST(TokenizerErrors, Merges) {
  EXPECT_ERROR_MENTIONS(Keys().erase("tokenizer.ggml.merges"), "tokenizer.ggml.merges", "missing");
  EXPECT_ERROR_MENTIONS(Keys().set("tokenizer.ggml.merges", gguf::kArray, int32Array({1})), "tokenizer.ggml.merges",
                        "array of strings");
  EXPECT_ERROR_MENTIONS(Keys().set("tokenizer.ggml.merges", gguf::kArray, gguf::stringArray({"h e", "he"})),
                        "tokenizer.ggml.merges[1]", "'he'", "separated by a space");
  EXPECT_ERROR_MENTIONS(Keys().set("tokenizer.ggml.merges", gguf::kArray, gguf::stringArray({"h zz"})),
                        "tokenizer.ggml.merges[0]", "'zz'", "not in tokenizer.ggml.tokens");
}

TEST(TokenizerErrors, SpecialIds) {
  EXPECT_ERROR_MENTIONS(Keys().set("tokenizer.ggml.bos_token_id", gguf::kUint32, gguf::le<uint32_t>(100000)),
                        "tokenizer.ggml.bos_token_id", "100000", "outside");
  EXPECT_ERROR_MENTIONS(Keys().set("tokenizer.ggml.eos_token_id", gguf::kString, gguf::str("2")),
                        "tokenizer.ggml.eos_token_id", "non-negative integer");
  EXPECT_ERROR_MENTIONS(Keys().set("tokenizer.ggml.unknown_token_id", gguf::kInt32, gguf::le<int32_t>(-1)),
                        "tokenizer.ggml.unknown_token_id");
  EXPECT_ERROR_MENTIONS(Keys().set("tokenizer.ggml.padding_token_id", gguf::kUint64, gguf::le<uint64_t>(1ull << 40)),
                        "tokenizer.ggml.padding_token_id", "outside");
}

TEST(TokenizerErrors, Flags) {
  EXPECT_ERROR_MENTIONS(Keys().set("tokenizer.ggml.add_bos_token", gguf::kUint32, gguf::le<uint32_t>(1)),
                        "tokenizer.ggml.add_bos_token", "bool");
  EXPECT_ERROR_MENTIONS(Keys().set("tokenizer.ggml.add_space_prefix", gguf::kString, gguf::str("yes")),
                        "tokenizer.ggml.add_space_prefix", "bool");
  // The byte-level default BOS (id 11) exists here, so take a vocabulary too small for it.
  EXPECT_ERROR_MENTIONS(Keys()
                            .set("tokenizer.ggml.tokens", gguf::kArray, gguf::stringArray({"a", "b"}))
                            .erase("tokenizer.ggml.token_type")
                            .erase("tokenizer.ggml.eos_token_id")
                            .set("tokenizer.ggml.merges", gguf::kArray, gguf::stringArray({"a b"}))
                            .set("tokenizer.ggml.add_bos_token", gguf::kBool, std::string(1, '\1')),
                        "tokenizer.ggml.add_bos_token", "bos_token_id");
}

TEST(TokenizerErrors, ChatTemplate) {
  EXPECT_ERROR_MENTIONS(Keys().set("tokenizer.chat_template", gguf::kUint32, gguf::le<uint32_t>(0)),
                        "tokenizer.chat_template", "string");
}

TEST(TokenizerErrors, FileThatIsNotGguf) {
  auto tokenizer = Tokenizer::fromFile("/nonexistent/model.gguf");
  ASSERT_FALSE(tokenizer);
  EXPECT_NE(llvm::toString(tokenizer.takeError()).find("/nonexistent/model.gguf"), std::string::npos);
}

} // namespace
} // namespace loom::tokenizer::test
