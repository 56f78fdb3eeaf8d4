//===- Tokenizer.cpp - Special tokens first, then the model; decoding -----===//
#include "TokenizerImpl.h"

#include <algorithm>

namespace loom::tokenizer {

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
