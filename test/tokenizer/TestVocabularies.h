//===- TestVocabularies.h - Small vocabularies for tokenizer tests -*- C++ -*-===//
#ifndef LOOM_TEST_TOKENIZER_TESTVOCABULARIES_H
#define LOOM_TEST_TOKENIZER_TESTVOCABULARIES_H

#include "ByteLevel.h"
#include "Unicode.h"

#include "loom/Tokenizer/Tokenizer.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace loom::tokenizer::test {

/// A string's GPT-2 byte-level spelling ("a b" -> "aĠb").
inline std::string byteLevel(std::string_view text) {
  std::string out;
  for (char c : text)
    appendUtf8(out, byteToCodepoint(uint8_t(c)));
  return out;
}

/// Byte-level BPE: the 256 byte tokens (ids 0-255, in byte order), then merged tokens, then
/// special ones. Merges: "h e", "Ġ t", "Ġt he", "t he", "l l", "he ll", "hell o", "Ġ h", "x y"
/// (whose result "xy" is deliberately not a token).
inline Vocabulary byteLevelVocabulary(std::string pre = "gpt-2") {
  Vocabulary v;
  v.model = "gpt2";
  v.pre = pre;
  for (unsigned b = 0; b < 256; ++b)
    v.tokens.push_back(byteLevel(std::string(1, char(b))));
  for (const char *merged : {"he", "Ġt", "Ġthe", "the", "ll", "hell", "hello", "Ġh"})
    v.tokens.push_back(merged);
  v.merges = {"h e", "Ġ t", "Ġt he", "t he", "l l", "he ll", "hell o", "Ġ h", "x y"};
  v.tokenTypes.assign(v.tokens.size(), int32_t(TokenType::Normal));
  const auto special = [&](const char *text, TokenType type) {
    v.tokens.push_back(text);
    v.tokenTypes.push_back(int32_t(type));
    return uint64_t(v.tokens.size() - 1);
  };
  v.eosId = special("<|endoftext|>", TokenType::Control);
  special("<|im_start|>", TokenType::Control);
  special("<|im_end|>", TokenType::Control);
  special("<user>", TokenType::UserDefined);
  v.bosId = special("<bos>", TokenType::Control);
  v.addBos = false;
  return v;
}

/// The ids of the byte-level vocabulary's merged and special tokens.
enum ByteLevelIds : TokenId {
  kHe = 256, kSpaceT, kSpaceThe, kThe, kLl, kHell, kHello, kSpaceH,
  kEndOfText, kImStart, kImEnd, kUser, kBos,
};

/// SentencePiece: <unk> <s> </s>, the byte tokens <0x00>..<0xFF> (ids 3-258), then pieces
/// with scores (higher merges first).
inline Vocabulary sentencePieceVocabulary() {
  Vocabulary v;
  v.model = "llama";
  v.tokens = {"<unk>", "<s>", "</s>"};
  v.tokenTypes = {int32_t(TokenType::Unknown), int32_t(TokenType::Control), int32_t(TokenType::Control)};
  v.scores = {0, 0, 0};
  for (unsigned b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    v.tokens.push_back(name);
    v.tokenTypes.push_back(int32_t(TokenType::Byte));
    v.scores.push_back(0);
  }
  const std::pair<const char *, float> pieces[] = {
      {"▁", -1},   {"h", -2},    {"e", -2},     {"l", -2},      {"o", -2},     {"w", -2},    {"r", -2},
      {"d", -2},   {"he", -3},   {"ll", -2.5f}, {"llo", -4},    {"hello", -5}, {"▁hello", -6}, {"▁w", -3},
      {"or", -3},  {"▁wor", -4}, {"ld", -3},    {"▁world", -7},
  };
  for (const auto &[text, score] : pieces) {
    v.tokens.push_back(text);
    v.tokenTypes.push_back(int32_t(TokenType::Normal));
    v.scores.push_back(score);
  }
  return v;
}

inline std::unique_ptr<Tokenizer> build(const Vocabulary &v) {
  auto tokenizer = Tokenizer::fromVocabulary(v, "test");
  if (!tokenizer) {
    ADD_FAILURE() << llvm::toString(tokenizer.takeError());
    return nullptr;
  }
  return std::move(*tokenizer);
}

} // namespace loom::tokenizer::test

#endif // LOOM_TEST_TOKENIZER_TESTVOCABULARIES_H
