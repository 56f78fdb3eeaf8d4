//===- Tokenizer.cpp - Building the tables, special tokens, decoding -------===//
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

std::string replaceAll(std::string text, std::string_view from, std::string_view to) {
  size_t pos = 0;
  while ((pos = text.find(from, pos)) != std::string::npos) {
    text.replace(pos, from.size(), to);
    pos += to.size();
  }
  return text;
}

constexpr std::string_view kSentencePieceSpace = "\xE2\x96\x81"; // U+2581

} // namespace

llvm::Expected<std::unique_ptr<TokenizerImpl>> TokenizerImpl::build(const Vocabulary &v, const std::string &source) {
  auto impl = std::make_unique<TokenizerImpl>();
  TokenizerImpl &t = *impl;
  t.modelName = v.model;
  // Defaults per model kind, as llama.cpp sets them before reading the optional keys.
  std::optional<uint64_t> defaultBos, defaultEos, defaultUnknown;
  if (v.model == "gpt2") {
    t.kind = Kind::BytePairEncoding;
    t.preName = v.pre.value_or("default");
    std::optional<PreTokenizer> pre = findPreTokenizer(t.preName);
    if (!pre)
      return makeError("'{}': tokenizer.ggml.pre '{}' is not a pre-tokenizer Loom knows (known: {})", source,
                       t.preName, knownPreTokenizerNames());
    t.pre = *pre;
    t.addBos = pre->addsBosByDefault;
    defaultBos = defaultEos = 11; // llama.cpp's (GPT-2's "," in most vocabularies; files set their own)
  } else if (v.model == "llama") {
    t.kind = Kind::SentencePiece;
    t.addBos = true;
    t.addSpacePrefix = true;
    defaultBos = 1;
    defaultEos = 2;
    defaultUnknown = 0;
  } else {
    return makeError("'{}': tokenizer.ggml.model '{}' is not supported (Loom reads 'gpt2' byte-level BPE and "
                     "'llama' SentencePiece tokenizers)",
                     source, v.model);
  }

  // Tokens, scores and types.
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

  // Merges (byte-level BPE only): "left right", ranked by position.
  if (t.kind == Kind::BytePairEncoding) {
    t.mergeRanks.reserve(v.merges.size());
    for (size_t i = 0; i < v.merges.size(); ++i) {
      const std::string &merge = v.merges[i];
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
  }

  // Special token ids: a default outside the vocabulary is dropped, a file's id must be inside it.
  const auto specialId = [&](const char *key, std::optional<uint64_t> fromFile,
                             std::optional<uint64_t> fallback) -> llvm::Expected<std::optional<TokenId>> {
    if (fromFile) {
      if (*fromFile >= n)
        return makeError("'{}': {} is {}, outside the {} tokens", source, key, *fromFile, n);
      return std::optional<TokenId>(TokenId(*fromFile));
    }
    if (fallback && *fallback < n)
      return std::optional<TokenId>(TokenId(*fallback));
    return std::optional<TokenId>();
  };
  struct {
    const char *key;
    std::optional<uint64_t> fromFile, fallback;
    std::optional<TokenId> *out;
  } specials[] = {
      {"tokenizer.ggml.bos_token_id", v.bosId, defaultBos, &t.bosId},
      {"tokenizer.ggml.eos_token_id", v.eosId, defaultEos, &t.eosId},
      {"tokenizer.ggml.unknown_token_id", v.unknownId, defaultUnknown, &t.unknownId},
      {"tokenizer.ggml.padding_token_id", v.paddingId, std::nullopt, &t.paddingId},
  };
  for (auto &special : specials) {
    auto id = specialId(special.key, special.fromFile, special.fallback);
    if (!id)
      return id.takeError();
    *special.out = *id;
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

  // End of generation, and control tokens recognised by their text.
  std::unordered_set<TokenId> endOfGeneration;
  for (size_t i = 0; i < n; ++i) {
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

  // Special tokens are matched longest first (ties by id, for a deterministic order).
  for (size_t i = 0; i < n; ++i)
    if (t.attributes[i] & (kAttrControl | kAttrUserDefined | kAttrUnknown))
      t.specialTokens.push_back(TokenId(i));
  std::sort(t.specialTokens.begin(), t.specialTokens.end(), [&](TokenId a, TokenId b) {
    return t.texts[a].size() != t.texts[b].size() ? t.texts[a].size() > t.texts[b].size() : a < b;
  });

  // Pieces, as llama.cpp's token_to_piece(special = true).
  t.pieces.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const uint32_t attr = t.attributes[i];
    const std::string &text = t.texts[i];
    if (attr & (kAttrUnknown | kAttrControl | kAttrUserDefined))
      t.pieces[i] = text;
    else if (attr & kAttrNormal)
      t.pieces[i] = t.kind == Kind::BytePairEncoding ? decodeByteLevelText(text)
                                                     : replaceAll(text, kSentencePieceSpace, " ");
    else if (attr & kAttrByte)
      t.pieces[i] = std::string(1, char(byteTokenValue(text)));
    // Unused and undefined tokens decode to nothing.
  }
  t.chatTemplate = v.chatTemplate;
  return impl;
}

std::vector<TokenId> TokenizerImpl::encode(std::string_view text, bool addSpecial, bool parseSpecial) const {
  // Cut the text at special tokens first: each token in turn (longest first) splits every
  // stretch of plain text that contains it.
  struct Fragment {
    size_t offset = 0, length = 0;
    std::optional<TokenId> token;
  };
  std::vector<Fragment> fragments;
  if (!text.empty())
    fragments.push_back({0, text.size(), std::nullopt});
  for (TokenId special : specialTokens) {
    // Without parse_special only user-defined tokens are matched (as Hugging Face's added tokens).
    if (!parseSpecial && (attributes[special] & (kAttrControl | kAttrUnknown)))
      continue;
    const std::string &needle = texts[special];
    std::vector<Fragment> next;
    next.reserve(fragments.size());
    for (const Fragment &fragment : fragments) {
      if (fragment.token) {
        next.push_back(fragment);
        continue;
      }
      const std::string_view stretch = text.substr(fragment.offset, fragment.length);
      size_t start = 0;
      for (size_t match; (match = stretch.find(needle, start)) != std::string_view::npos;) {
        if (match > start)
          next.push_back({fragment.offset + start, match - start, std::nullopt});
        next.push_back({0, 0, special});
        start = match + needle.size();
      }
      if (start < stretch.size())
        next.push_back({fragment.offset + start, stretch.size() - start, std::nullopt});
    }
    fragments = std::move(next);
  }

  std::vector<TokenId> out;
  if (addSpecial && addBos)
    out.push_back(*bosId);
  // SentencePiece: the text at the start and after each special token gets a leading space.
  bool previousWasSpecial = true;
  for (const Fragment &fragment : fragments) {
    if (fragment.token) {
      out.push_back(*fragment.token);
      previousWasSpecial = true;
      continue;
    }
    const std::string_view stretch = text.substr(fragment.offset, fragment.length);
    if (kind == Kind::BytePairEncoding) {
      encodeBytePairs(stretch, out);
    } else {
      std::string spaced = addSpacePrefix && previousWasSpecial ? " " : "";
      spaced += stretch;
      encodeSentencePiece(replaceAll(std::move(spaced), " ", kSentencePieceSpace), out);
    }
    previousWasSpecial = false;
  }
  if (addSpecial && addEos)
    out.push_back(*eosId);
  return out;
}

// --- Tokenizer ----------------------------------------------------------------------------------

Tokenizer::Tokenizer(std::unique_ptr<TokenizerImpl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

llvm::Expected<std::unique_ptr<Tokenizer>> Tokenizer::fromVocabulary(const Vocabulary &vocabulary,
                                                                     std::string source) {
  auto impl = TokenizerImpl::build(vocabulary, source);
  if (!impl)
    return impl.takeError();
  return std::unique_ptr<Tokenizer>(TokenizerImpl::wrap(std::move(*impl)));
}

std::vector<TokenId> Tokenizer::encode(std::string_view text, bool addSpecial, bool parseSpecial) const {
  return impl_->encode(text, addSpecial, parseSpecial);
}

std::string Tokenizer::decode(TokenId id, bool renderSpecial) const {
  if (!impl_->valid(id))
    return "";
  if (!renderSpecial && (impl_->attributes[id] & (kAttrControl | kAttrUnknown)))
    return "";
  return impl_->pieces[id];
}

std::string Tokenizer::decode(llvm::ArrayRef<TokenId> ids, bool renderSpecial) const {
  std::string out;
  for (TokenId id : ids)
    out += decode(id, renderSpecial);
  return out;
}

size_t Tokenizer::vocabularySize() const { return impl_->texts.size(); }
std::string_view Tokenizer::tokenText(TokenId id) const {
  return impl_->valid(id) ? std::string_view(impl_->texts[id]) : std::string_view();
}
TokenType Tokenizer::tokenType(TokenId id) const {
  return impl_->valid(id) ? impl_->types[id] : TokenType::Undefined;
}
std::optional<TokenId> Tokenizer::findToken(std::string_view text) const { return impl_->find(text); }
std::optional<TokenId> Tokenizer::bos() const { return impl_->bosId; }
std::optional<TokenId> Tokenizer::eos() const { return impl_->eosId; }
std::optional<TokenId> Tokenizer::unknown() const { return impl_->unknownId; }
std::optional<TokenId> Tokenizer::padding() const { return impl_->paddingId; }
bool Tokenizer::addsBos() const { return impl_->addBos; }
bool Tokenizer::addsEos() const { return impl_->addEos; }
bool Tokenizer::isEndOfGeneration(TokenId id) const {
  return std::binary_search(impl_->endOfGeneration.begin(), impl_->endOfGeneration.end(), id);
}
const std::vector<TokenId> &Tokenizer::endOfGenerationIds() const { return impl_->endOfGeneration; }
std::string_view Tokenizer::model() const { return impl_->modelName; }
std::string_view Tokenizer::preTokenizer() const { return impl_->preName; }
const std::string &Tokenizer::chatTemplate() const { return impl_->chatTemplate; }

} // namespace loom::tokenizer
