//===- GgufVocabulary.cpp - Reading tokenizer.* keys from a GGUF file ------===//
//
// Only the types are checked here (a key of the wrong type is an error naming
// it); what the values mean is checked where the tokenizer is built.
//
//===----------------------------------------------------------------------===//
#include "TokenizerImpl.h"

#include "Gguf.h"

#include "loom/loom.h"

#include <fmt/format.h>

namespace loom::tokenizer {
namespace {

using rt::GgufFile;
using rt::GgufValue;
using rt::GgufValueType;

template <typename... Args>
llvm::Error makeError(fmt::format_string<Args...> format, Args &&...args) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), fmt::format(format, std::forward<Args>(args)...));
}

std::string describe(const GgufValue &value) {
  if (value.isArray())
    return fmt::format("an array of {}", rt::ggufValueTypeName(value.elementType));
  return fmt::format("a {}", rt::ggufValueTypeName(value.type));
}

struct Reader {
  const GgufFile &file;

  llvm::Error wrongType(std::string_view key, const GgufValue &value, std::string_view expected) const {
    return makeError("'{}': {} is {}, expected {}", file.path(), key, describe(value), expected);
  }

  llvm::Error string(std::string_view key, std::optional<std::string> &out, bool required) const {
    const GgufValue *value = file.find(key);
    if (!value)
      return required ? makeError("'{}': {} is missing (the file has no tokenizer)", file.path(), key)
                      : llvm::Error::success();
    if (value->type != GgufValueType::String)
      return wrongType(key, *value, "a string");
    out = std::string(value->string);
    return llvm::Error::success();
  }

  llvm::Error strings(std::string_view key, std::vector<std::string> &out, bool required) const {
    const GgufValue *value = file.find(key);
    if (!value)
      return required ? makeError("'{}': {} is missing", file.path(), key) : llvm::Error::success();
    if (!value->isArray() || value->elementType != GgufValueType::String)
      return wrongType(key, *value, "an array of strings");
    out.assign(value->strings.begin(), value->strings.end());
    return llvm::Error::success();
  }

  llvm::Error unsignedId(std::string_view key, std::optional<uint64_t> &out) const {
    const GgufValue *value = file.find(key);
    if (!value)
      return llvm::Error::success();
    uint64_t id;
    if (value->isArray() || value->type == GgufValueType::Bool || !value->toUnsigned(id))
      return wrongType(key, *value, "a non-negative integer");
    out = id;
    return llvm::Error::success();
  }

  llvm::Error flag(std::string_view key, std::optional<bool> &out) const {
    const GgufValue *value = file.find(key);
    if (!value)
      return llvm::Error::success();
    if (value->type != GgufValueType::Bool)
      return wrongType(key, *value, "a bool");
    out = value->uintValue != 0;
    return llvm::Error::success();
  }

  /// Scores are float32 (llama.cpp also takes int32).
  llvm::Error scores(std::string_view key, std::vector<float> &out) const {
    const GgufValue *value = file.find(key);
    if (!value)
      return llvm::Error::success();
    if (!value->isArray() || (value->elementType != GgufValueType::Float32 && value->elementType != GgufValueType::Int32))
      return wrongType(key, *value, "an array of float32");
    out.resize(value->count);
    for (uint64_t i = 0; i < value->count; ++i) {
      const GgufValue element = value->element(i);
      out[i] = element.type == GgufValueType::Float32 ? float(element.floatValue) : float(element.intValue);
    }
    return llvm::Error::success();
  }

  llvm::Error int32s(std::string_view key, std::vector<int32_t> &out) const {
    const GgufValue *value = file.find(key);
    if (!value)
      return llvm::Error::success();
    if (!value->isArray() || value->elementType != GgufValueType::Int32)
      return wrongType(key, *value, "an array of int32");
    out.resize(value->count);
    for (uint64_t i = 0; i < value->count; ++i)
      out[i] = int32_t(value->element(i).intValue);
    return llvm::Error::success();
  }
};

} // namespace

llvm::Expected<std::unique_ptr<Tokenizer>> Tokenizer::fromGguf(const rt::GgufFile &file) {
  const Reader read{file};
  Vocabulary v;
  std::optional<std::string> model, chatTemplate;
  if (llvm::Error e = read.string("tokenizer.ggml.model", model, /*required=*/true))
    return std::move(e);
  v.model = *model;
  if (llvm::Error e = read.string("tokenizer.ggml.pre", v.pre, false))
    return std::move(e);
  if (llvm::Error e = read.strings("tokenizer.ggml.tokens", v.tokens, true))
    return std::move(e);
  if (llvm::Error e = read.scores("tokenizer.ggml.scores", v.scores))
    return std::move(e);
  if (llvm::Error e = read.int32s("tokenizer.ggml.token_type", v.tokenTypes))
    return std::move(e);
  if (llvm::Error e = read.strings("tokenizer.ggml.merges", v.merges, /*required=*/v.model == "gpt2"))
    return std::move(e);
  if (llvm::Error e = read.unsignedId("tokenizer.ggml.bos_token_id", v.bosId))
    return std::move(e);
  if (llvm::Error e = read.unsignedId("tokenizer.ggml.eos_token_id", v.eosId))
    return std::move(e);
  if (llvm::Error e = read.unsignedId("tokenizer.ggml.unknown_token_id", v.unknownId))
    return std::move(e);
  if (llvm::Error e = read.unsignedId("tokenizer.ggml.padding_token_id", v.paddingId))
    return std::move(e);
  if (llvm::Error e = read.flag("tokenizer.ggml.add_bos_token", v.addBos))
    return std::move(e);
  if (llvm::Error e = read.flag("tokenizer.ggml.add_eos_token", v.addEos))
    return std::move(e);
  if (llvm::Error e = read.flag("tokenizer.ggml.add_space_prefix", v.addSpacePrefix))
    return std::move(e);
  if (llvm::Error e = read.string("tokenizer.chat_template", chatTemplate, false))
    return std::move(e);
  v.chatTemplate = chatTemplate.value_or("");
  return fromVocabulary(v, file.path());
}

llvm::Expected<std::unique_ptr<Tokenizer>> Tokenizer::fromFile(const std::string &path) {
  GgufFile file;
  if (!file.open(path))
    return llvm::createStringError(llvm::inconvertibleErrorCode(), loom_last_error());
  return fromGguf(file);
}

} // namespace loom::tokenizer
