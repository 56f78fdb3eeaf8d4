//===- TokenizerTables.cpp - Validating a vocabulary, building the tables --===//
//
// What llama.cpp's llama_vocab::load does with the tokenizer keys, with its
// defaults per model kind, plus the checks llama.cpp leaves out (merges naming
// unknown tokens, ids outside the vocabulary, counts that disagree): each is
// an error naming the key.
//
//===----------------------------------------------------------------------===//
#include "TokenizerImpl.h"

#include "ByteLevel.h"
#include "Unicode.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_set>

namespace loom::tokenizer {
namespace {

template <typename... Args>
llvm::Error makeError(fmt::format_string<Args...> format, Args &&...args) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), fmt::format(format, std::forward<Args>(args)...));
}

uint32_t attributesOf(TokenType type) {
  switch (type) {
  case TokenType::Unknown:
    return kAttrUnknown;
  case TokenType::Unused:
    return kAttrUnused;
  case TokenType::Normal:
    return kAttrNormal;
  case TokenType::Control:
    return kAttrControl;
  case TokenType::UserDefined:
    return kAttrUserDefined;
  case TokenType::Byte:
    return kAttrByte;
  case TokenType::Undefined:
    break;
  }
  return 0;
}

// Tokens llama.cpp treats as control tokens by their text, whatever the file says, because
// converters have not always marked them: the first group also ends generation.
constexpr std::string_view kEndOfGenerationTexts[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>",        "<end_of_turn>",     "<|endoftext|>",
    "<|eom_id|>", "<EOT>",      "_<EOT>",         "<|end_of_text|>",   "<end_of_utterance>",
    "</s>",       "<eos>",      "<|return|>",     "<|call|>",          "<｜end▁of▁sentence｜>",
};
constexpr std::string_view kFillInTheMiddleTexts[] = {
    "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<PRE>", "▁<PRE>",
    "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<SUF>", "▁<SUF>",
    "<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<MID>", "▁<MID>",
    "<|fim_pad|>",    "<fim-pad>",    "<fim_pad>",    "<PAD>", "<|fim_repo|>",
    "<|repo_name|>",  "<fim-repo>",   "<REPO>",       "<reponame>", "<|file_sep|>",
};

template <size_t N>
bool oneOf(std::string_view text, const std::string_view (&list)[N]) {
  return std::find(std::begin(list), std::end(list), text) != std::end(list);
}

/// The byte a `<0xXX>` token stands for (llama.cpp reads the two characters after "<0x").
uint8_t byteTokenValue(std::string_view text) {
  unsigned value = 0;
  for (size_t i = 3; i < 5 && i < text.size(); ++i) {
    const char c = text[i];
    unsigned digit;
    if (c >= '0' && c <= '9')
      digit = unsigned(c - '0');
    else if (c >= 'a' && c <= 'f')
      digit = unsigned(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      digit = unsigned(c - 'A' + 10);
    else
      break;
    value = value * 16 + digit;
  }
  return uint8_t(value);
}

/// A byte-level BPE token's bytes; characters outside the byte map are kept visible the way
/// llama.cpp shows them.
std::string decodeByteLevelText(std::string_view text) {
  std::string out;
  for (uint32_t cp : decodeUtf8(text)) {
    if (std::optional<uint8_t> byte = codepointToByte(cp)) {
      out += char(*byte);
      continue;
    }
    std::string utf8;
    appendUtf8(utf8, cp);
    out += "[UNK_BYTE_0x";
    for (char c : utf8)
      out += fmt::format("{:02x}", uint8_t(c));
    out += text;
    out += "]";
  }
  return out;
}

/// llama.cpp's special token ids for a model kind, used when the file names none.
struct DefaultIds {
  std::optional<uint64_t> bos, eos, unknown;
};

llvm::Expected<DefaultIds> chooseModel(TokenizerImpl &t, const Vocabulary &v, const std::string &source) {
  t.modelName = v.model;
  if (v.model == "gpt2") {
    t.kind = TokenizerImpl::Kind::BytePairEncoding;
    t.preName = v.pre.value_or("default");
    std::optional<PreTokenizer> pre = findPreTokenizer(t.preName);
    if (!pre)
      return makeError("'{}': tokenizer.ggml.pre '{}' is not a pre-tokenizer Loom knows (known: {})", source,
                       t.preName, knownPreTokenizerNames());
    t.pre = *pre;
    t.addBos = pre->addsBosByDefault;
    return DefaultIds{11, 11, std::nullopt}; // llama.cpp's (GPT-2's ","); files set their own
  }
  if (v.model == "llama") {
    t.kind = TokenizerImpl::Kind::SentencePiece;
    t.addBos = true;
    t.addSpacePrefix = true;
    return DefaultIds{1, 2, 0};
  }
  return makeError("'{}': tokenizer.ggml.model '{}' is not supported (Loom reads 'gpt2' byte-level BPE and "
                   "'llama' SentencePiece tokenizers)",
                   source, v.model);
}

llvm::Error readTokens(TokenizerImpl &t, const Vocabulary &v, const std::string &source) {
  const size_t n = v.tokens.size();
  if (n == 0)
    return makeError("'{}': tokenizer.ggml.tokens is empty", source);
  if (n > size_t(INT32_MAX))
    return makeError("'{}': tokenizer.ggml.tokens has {} entries, more than token ids can number", source, n);
  if (!v.scores.empty() && v.scores.size() != n)
    return makeError("'{}': tokenizer.ggml.scores has {} entries for {} tokens", source, v.scores.size(), n);
  if (!v.tokenTypes.empty() && v.tokenTypes.size() != n)
    return makeError("'{}': tokenizer.ggml.token_type has {} entries for {} tokens", source, v.tokenTypes.size(), n);
  t.texts.reserve(n);
  t.types.reserve(n);
  t.attributes.reserve(n);
  t.scores = v.scores.empty() ? std::vector<float>(n, 0.0f) : v.scores;
  t.ids.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    // llama.cpp names empty tokens instead of refusing them; their ids must stay usable.
    std::string text = v.tokens[i].empty() ? fmt::format("[EMPTY_{}]", i) : v.tokens[i];
    auto [it, inserted] = t.ids.emplace(text, TokenId(i));
    if (!inserted)
      return makeError("'{}': tokenizer.ggml.tokens has '{}' twice (ids {} and {})", source, text, it->second, i);
    TokenType type = TokenType::Normal;
    if (!v.tokenTypes.empty()) {
      const int32_t raw = v.tokenTypes[i];
      if (raw < 0 || raw > int32_t(TokenType::Byte))
        return makeError("'{}': tokenizer.ggml.token_type[{}] is {}, not a token type (0 to 6)", source, i, raw);
      type = TokenType(raw);
    }
    t.types.push_back(type);
    t.attributes.push_back(attributesOf(type));
    t.texts.push_back(std::move(text));
  }
  return llvm::Error::success();
}

/// Byte-level BPE merges: "left right", ranked by position; both sides must be tokens.
llvm::Error readMerges(TokenizerImpl &t, const Vocabulary &v, const std::string &source) {
  t.mergeRanks.reserve(v.merges.size());
  for (size_t i = 0; i < v.merges.size(); ++i) {
    const std::string &merge = v.merges[i];
    // llama.cpp splits at the first space after the first character.
    const size_t space = merge.size() > 1 ? merge.find(' ', 1) : std::string::npos;
    if (space == std::string::npos)
      return makeError("'{}': tokenizer.ggml.merges[{}] '{}' is not two tokens separated by a space", source, i,
                       merge);
    std::string left = merge.substr(0, space), right = merge.substr(space + 1);
    for (const std::string *part : {&left, &right})
      if (!t.ids.count(*part))
        return makeError("'{}': tokenizer.ggml.merges[{}] '{}' refers to '{}', which is not in "
                         "tokenizer.ggml.tokens",
                         source, i, merge, *part);
    t.mergeRanks.emplace(std::make_pair(std::move(left), std::move(right)), int(std::min<size_t>(i, INT32_MAX)));
  }
  return llvm::Error::success();
}

/// BOS/EOS/unknown/padding ids and the add_* flags. A default id outside the vocabulary is
/// dropped (as llama.cpp does); an id the file gives must be inside it.
llvm::Error readSpecialIds(TokenizerImpl &t, const Vocabulary &v, const DefaultIds &defaults,
                           const std::string &source) {
  const size_t n = t.texts.size();
  struct {
    const char *key;
    std::optional<uint64_t> fromFile, fallback;
    std::optional<TokenId> &out;
  } specials[] = {
      {"tokenizer.ggml.bos_token_id", v.bosId, defaults.bos, t.bosId},
      {"tokenizer.ggml.eos_token_id", v.eosId, defaults.eos, t.eosId},
      {"tokenizer.ggml.unknown_token_id", v.unknownId, defaults.unknown, t.unknownId},
      {"tokenizer.ggml.padding_token_id", v.paddingId, std::nullopt, t.paddingId},
  };
  for (auto &special : specials) {
    if (special.fromFile) {
      if (*special.fromFile >= n)
        return makeError("'{}': {} is {}, outside the {} tokens", source, special.key, *special.fromFile, n);
      special.out = TokenId(*special.fromFile);
    } else if (special.fallback && *special.fallback < n) {
      special.out = TokenId(*special.fallback);
    }
  }
  t.addBos = v.addBos.value_or(t.addBos);
  t.addEos = v.addEos.value_or(t.addEos);
  t.addSpacePrefix = v.addSpacePrefix.value_or(t.addSpacePrefix);
  if (t.addBos && !t.bosId)
    return makeError("'{}': tokenizer.ggml.add_bos_token is true but there is no tokenizer.ggml.bos_token_id",
                     source);
  if (t.addEos && !t.eosId)
    return makeError("'{}': tokenizer.ggml.add_eos_token is true but there is no tokenizer.ggml.eos_token_id",
                     source);
  return llvm::Error::success();
}

/// Control tokens recognised by their text (converters have not always marked them), and the
/// tokens that end generation: EOS and the end-of-turn markers.
void markControlTokens(TokenizerImpl &t) {
  std::unordered_set<TokenId> endOfGeneration;
  for (size_t i = 0; i < t.texts.size(); ++i) {
    const std::string &text = t.texts[i];
    const bool ends = oneOf(text, kEndOfGenerationTexts);
    if (ends || oneOf(text, kFillInTheMiddleTexts))
      t.attributes[i] |= kAttrControl;
    if (ends || text == "<|fim_pad|>" || text == "<|fim_repo|>" || text == "<|repo_name|>" ||
        text == "<|file_sep|>")
      endOfGeneration.insert(TokenId(i));
  }
  if (t.eosId)
    endOfGeneration.insert(*t.eosId);
  t.endOfGeneration.assign(endOfGeneration.begin(), endOfGeneration.end());
  std::sort(t.endOfGeneration.begin(), t.endOfGeneration.end());
}

/// Tokens matched verbatim in text, longest first (ties by id, for a deterministic order).
void collectSpecialTokens(TokenizerImpl &t) {
  for (size_t i = 0; i < t.texts.size(); ++i)
    if (t.attributes[i] & (kAttrControl | kAttrUserDefined | kAttrUnknown))
      t.specialTokens.push_back(TokenId(i));
  std::sort(t.specialTokens.begin(), t.specialTokens.end(), [&](TokenId a, TokenId b) {
    return t.texts[a].size() != t.texts[b].size() ? t.texts[a].size() > t.texts[b].size() : a < b;
  });
}

/// Each token's bytes, as llama.cpp's token_to_piece(special = true).
void buildPieces(TokenizerImpl &t) {
  t.pieces.resize(t.texts.size());
  for (size_t i = 0; i < t.texts.size(); ++i) {
    const uint32_t attr = t.attributes[i];
    const std::string &text = t.texts[i];
    if (attr & (kAttrUnknown | kAttrControl | kAttrUserDefined))
      t.pieces[i] = text;
    else if (attr & kAttrNormal)
      t.pieces[i] = t.kind == TokenizerImpl::Kind::BytePairEncoding ? decodeByteLevelText(text)
                                                                    : replaceAll(text, kSentencePieceSpace, " ");
    else if (attr & kAttrByte)
      t.pieces[i] = std::string(1, char(byteTokenValue(text)));
    // Unused and undefined tokens decode to nothing.
  }
}

} // namespace

llvm::Expected<std::unique_ptr<TokenizerImpl>> TokenizerImpl::build(const Vocabulary &v, const std::string &source) {
  auto impl = std::make_unique<TokenizerImpl>();
  TokenizerImpl &t = *impl;
  llvm::Expected<DefaultIds> defaults = chooseModel(t, v, source);
  if (!defaults)
    return defaults.takeError();
  if (llvm::Error e = readTokens(t, v, source))
    return std::move(e);
  if (t.kind == Kind::BytePairEncoding)
    if (llvm::Error e = readMerges(t, v, source))
      return std::move(e);
  if (llvm::Error e = readSpecialIds(t, v, *defaults, source))
    return std::move(e);
  markControlTokens(t);
  collectSpecialTokens(t);
  buildPieces(t);
  t.chatTemplate = v.chatTemplate;
  return impl;
}

} // namespace loom::tokenizer
