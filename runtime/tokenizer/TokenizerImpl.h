//===- TokenizerImpl.h - The tokenizer's tables ------------------*- C++ -*-===//
#ifndef LOOM_TOKENIZER_TOKENIZERIMPL_H
#define LOOM_TOKENIZER_TOKENIZERIMPL_H

#include "PreTokenizer.h"

#include "loom/Tokenizer/Tokenizer.h"

#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace loom::tokenizer {

/// What llama.cpp derives from a token's type (and, for some, from its text);
/// several may be set at once.
enum TokenAttribute : uint32_t {
  kAttrUnknown = 1u << 0,
  kAttrUnused = 1u << 1,
  kAttrNormal = 1u << 2,
  kAttrControl = 1u << 3,
  kAttrUserDefined = 1u << 4,
  kAttrByte = 1u << 5,
};

/// SentencePiece's stand-in for a space.
inline constexpr std::string_view kSentencePieceSpace = "\xE2\x96\x81"; // U+2581

inline std::string replaceAll(std::string text, std::string_view from, std::string_view to) {
  size_t pos = 0;
  while ((pos = text.find(from, pos)) != std::string::npos) {
    text.replace(pos, from.size(), to);
    pos += to.size();
  }
  return text;
}

/// Lets the token table be searched with a string_view.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>()(text); }
};

struct StringPairHash {
  size_t operator()(const std::pair<std::string, std::string> &p) const {
    const size_t a = std::hash<std::string>()(p.first), b = std::hash<std::string>()(p.second);
    return a ^ (b + 0x9E3779B97F4A7C15ull + (a << 6) + (a >> 2));
  }
};

class TokenizerImpl {
public:
  enum class Kind { BytePairEncoding, SentencePiece };

  /// Validates `vocabulary` and builds the tables; errors name `source` and the GGUF key.
  static llvm::Expected<std::unique_ptr<TokenizerImpl>> build(const Vocabulary &vocabulary,
                                                              const std::string &source);
  static Tokenizer *wrap(std::unique_ptr<TokenizerImpl> impl) { return new Tokenizer(std::move(impl)); }

  std::vector<TokenId> encode(std::string_view text, bool addSpecial, bool parseSpecial) const;

  // Algorithms on one stretch of text without special tokens (BytePairEncoding.cpp,
  // SentencePiece.cpp).
  void encodeBytePairs(std::string_view text, std::vector<TokenId> &out) const;
  void encodeSentencePiece(std::string_view text, std::vector<TokenId> &out) const;

  std::optional<TokenId> find(std::string_view text) const {
    auto it = ids.find(text);
    return it == ids.end() ? std::nullopt : std::optional<TokenId>(it->second);
  }
  bool valid(TokenId id) const { return id >= 0 && size_t(id) < texts.size(); }

  Kind kind = Kind::BytePairEncoding;
  std::string modelName;
  std::string preName;
  PreTokenizer pre{PreTokenizerKind::Default};

  std::vector<std::string> texts;
  std::vector<float> scores;
  std::vector<TokenType> types;
  std::vector<uint32_t> attributes;
  std::unordered_map<std::string, TokenId, StringHash, std::equal_to<>> ids;
  std::unordered_map<std::pair<std::string, std::string>, int, StringPairHash> mergeRanks;

  std::optional<TokenId> bosId, eosId, unknownId, paddingId;
  bool addBos = false, addEos = false, addSpacePrefix = false;

  /// Tokens matched verbatim in text before tokenizing, longest first.
  std::vector<TokenId> specialTokens;
  std::vector<TokenId> endOfGeneration;
  /// Each token's bytes, with control tokens rendered.
  std::vector<std::string> pieces;
  std::string chatTemplate;
};

} // namespace loom::tokenizer

#endif // LOOM_TOKENIZER_TOKENIZERIMPL_H
