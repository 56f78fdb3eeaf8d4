//===- TokenizerTest.cpp - Encoding and decoding on small vocabularies ------===//
#include "TestVocabularies.h"

namespace loom::tokenizer::test {
namespace {

std::vector<TokenId> bytesOf(std::string_view text) {
  std::vector<TokenId> ids;
  for (char c : text)
    ids.push_back(TokenId(uint8_t(c)));
  return ids;
}

// --- byte-level BPE ------------------------------------------------------------------------------

TEST(ByteLevelBpe, MergesByRankWithinWords) {
  auto t = build(byteLevelVocabulary());
  ASSERT_TRUE(t);
  // "the" merges h+e first (rank 0), then t+he; " the" also Ġ+t (rank 1) before Ġt+he.
  EXPECT_EQ(t->encode("the the", false, false), (std::vector<TokenId>{kThe, kSpaceThe}));
  EXPECT_EQ(t->encode("hello", false, false), (std::vector<TokenId>{kHello}));
  // Ġ+h (rank 7) loses to h+e (rank 0); once h is merged away, Ġ stays alone.
  EXPECT_EQ(t->encode(" hello", false, false), (std::vector<TokenId>{' ', kHello}));
}

TEST(ByteLevelBpe, NoMergeAcrossWords) {
  auto t = build(byteLevelVocabulary());
  ASSERT_TRUE(t);
  // "h" and "e" are in different words ("h" and "." and "e"), so "he" never forms.
  EXPECT_EQ(t->encode("h.e", false, false), bytesOf("h.e"));
}

TEST(ByteLevelBpe, MergeResultOutsideVocabularyFallsBackToBytes) {
  auto t = build(byteLevelVocabulary());
  ASSERT_TRUE(t);
  EXPECT_EQ(t->encode("xy", false, false), bytesOf("xy"));
}

TEST(ByteLevelBpe, EveryByteRoundTrips) {
  auto t = build(byteLevelVocabulary());
  ASSERT_TRUE(t);
  const std::string text = "naïve café 😀 日本\t\n  x\x01\x7f";
  const std::vector<TokenId> ids = t->encode(text, false, false);
  EXPECT_EQ(t->decode(ids), text);
  // Multi-byte characters are several byte tokens here (no merges for them).
  EXPECT_EQ(t->encode("é", false, false), bytesOf("é"));
}

TEST(ByteLevelBpe, SpecialTokensAreMatchedInText) {
  auto t = build(byteLevelVocabulary());
  ASSERT_TRUE(t);
  EXPECT_EQ(t->encode("a<|im_end|>b", false, true), (std::vector<TokenId>{'a', kImEnd, 'b'}));
  EXPECT_EQ(t->encode("<|im_start|><|im_end|>", false, true), (std::vector<TokenId>{kImStart, kImEnd}));
  // Without parse_special a control token's text is just text...
  EXPECT_EQ(t->encode("a<|im_end|>b", false, false), bytesOf("a<|im_end|>b"));
  // ...but user-defined tokens are still matched.
  EXPECT_EQ(t->encode("a<user>b", false, false), (std::vector<TokenId>{'a', kUser, 'b'}));
}

TEST(ByteLevelBpe, BosAndEosAsTheFileSays) {
  Vocabulary v = byteLevelVocabulary();
  v.addBos = true;
  v.addEos = true;
  auto t = build(v);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->encode("the", true, true), (std::vector<TokenId>{kBos, kThe, kEndOfText}));
  EXPECT_EQ(t->encode("the", false, true), (std::vector<TokenId>{kThe}));
  EXPECT_EQ(t->encode("", true, true), (std::vector<TokenId>{kBos, kEndOfText}));
  EXPECT_TRUE(t->addsBos());
  EXPECT_EQ(t->bos(), kBos);
  EXPECT_EQ(t->eos(), kEndOfText);
}

TEST(ByteLevelBpe, Llama3AddsBosByDefault) {
  Vocabulary v = byteLevelVocabulary("llama-bpe");
  v.addBos.reset();
  auto t = build(v);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->addsBos());
  EXPECT_EQ(t->encode("the", true, true).front(), kBos);
}

TEST(ByteLevelBpe, Llama3TakesWholeWordTokensWithoutMerging) {
  // ignore_merges: " the" is a token, so it is used even though no merge path would reach it.
  Vocabulary v = byteLevelVocabulary("llama-bpe");
  v.merges = {"h e"};
  auto t = build(v);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->encode(" the", false, false), (std::vector<TokenId>{kSpaceThe}));
  Vocabulary gpt2 = byteLevelVocabulary("gpt-2");
  gpt2.merges = {"h e"};
  auto u = build(gpt2);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->encode(" the", false, false), (std::vector<TokenId>{' ', 't', kHe}));
}

TEST(ByteLevelBpe, Decoding) {
  auto t = build(byteLevelVocabulary());
  ASSERT_TRUE(t);
  EXPECT_EQ(t->decode(kSpaceThe), " the");
  EXPECT_EQ(t->decode(TokenId(' ')), " ");
  EXPECT_EQ(t->decode(TokenId('\n')), "\n");
  EXPECT_EQ(t->decode(kImStart), "");
  EXPECT_EQ(t->decode(kImStart, /*renderSpecial=*/true), "<|im_start|>");
  EXPECT_EQ(t->decode(kUser), "<user>"); // user-defined tokens are text
  EXPECT_EQ(t->decode(-1), "");
  EXPECT_EQ(t->decode(TokenId(100000)), "");
  EXPECT_EQ(t->tokenText(kSpaceThe), "Ġthe");
  EXPECT_EQ(t->findToken("Ġthe"), kSpaceThe);
  EXPECT_EQ(t->tokenType(kUser), TokenType::UserDefined);
}

TEST(ByteLevelBpe, EndOfGeneration) {
  auto t = build(byteLevelVocabulary());
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->isEndOfGeneration(kEndOfText)); // EOS
  EXPECT_TRUE(t->isEndOfGeneration(kImEnd));     // ChatML's end of turn, by its text
  EXPECT_FALSE(t->isEndOfGeneration(kImStart));
  EXPECT_FALSE(t->isEndOfGeneration(kThe));
}

TEST(ByteLevelBpe, InvalidUtf8IsReadAsLlamaCppReadsIt) {
  auto t = build(byteLevelVocabulary());
  ASSERT_TRUE(t);
  // A stray continuation byte becomes U+FFFD (EF BF BD), one per byte.
  EXPECT_EQ(t->decode(t->encode("a\x80z", false, false)), "a\xEF\xBF\xBDz");
}

// --- SentencePiece --------------------------------------------------------------------------------

constexpr TokenId kPiece = 3 + 256; // first piece after <unk> <s> </s> and the byte tokens
constexpr TokenId kSpmSpaceHello = kPiece + 12, kSpmSpaceWorld = kPiece + 17, kSpmHello = kPiece + 11;
constexpr TokenId kSpmSpace = kPiece, kSpmH = kPiece + 1;
TokenId byteToken(uint8_t b) { return 3 + b; }

TEST(SentencePiece, MergesByScoreWithSpacePrefix) {
  auto t = build(sentencePieceVocabulary());
  ASSERT_TRUE(t);
  // "▁hello▁world": ll (-2.5) first, then he/▁w/or/ld (-3, leftmost first), llo, ▁wor, hello, ...
  EXPECT_EQ(t->encode("hello world", false, true), (std::vector<TokenId>{kSpmSpaceHello, kSpmSpaceWorld}));
  // add_bos_token defaults to true for SentencePiece.
  EXPECT_EQ(t->encode("hello world", true, true), (std::vector<TokenId>{1, kSpmSpaceHello, kSpmSpaceWorld}));
}

TEST(SentencePiece, AddSpacePrefixOff) {
  Vocabulary v = sentencePieceVocabulary();
  v.addSpacePrefix = false;
  auto t = build(v);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->encode("hello", false, true), (std::vector<TokenId>{kSpmHello}));
}

TEST(SentencePiece, ByteFallback) {
  auto t = build(sentencePieceVocabulary());
  ASSERT_TRUE(t);
  EXPECT_EQ(t->encode("hé", false, true),
            (std::vector<TokenId>{kSpmSpace, kSpmH, byteToken(0xC3), byteToken(0xA9)}));
  EXPECT_EQ(t->decode(t->encode("hé", false, true)), " hé");
}

TEST(SentencePiece, SpecialTokensAndTheSpaceAfterThem) {
  auto t = build(sentencePieceVocabulary());
  ASSERT_TRUE(t);
  // Text after a special token is prefixed with a space again, as in llama.cpp.
  EXPECT_EQ(t->encode("hello</s>hello", true, true),
            (std::vector<TokenId>{1, kSpmSpaceHello, 2, kSpmSpaceHello}));
  EXPECT_EQ(t->encode("hello</s>hello", true, false),
            (std::vector<TokenId>{1, kSpmSpaceHello, byteToken('<'), byteToken('/'), byteToken('s'),
                                  byteToken('>'), kSpmHello}));
}

TEST(SentencePiece, Decoding) {
  auto t = build(sentencePieceVocabulary());
  ASSERT_TRUE(t);
  EXPECT_EQ(t->decode(kSpmSpaceHello), " hello");
  EXPECT_EQ(t->decode(byteToken(0x0A)), "\n");
  EXPECT_EQ(t->decode(1), "");
  EXPECT_EQ(t->decode(1, true), "<s>");
  EXPECT_EQ(t->decode(0), ""); // <unk>
  EXPECT_EQ(t->bos(), 1);
  EXPECT_EQ(t->eos(), 2);
  EXPECT_EQ(t->unknown(), 0);
  EXPECT_TRUE(t->isEndOfGeneration(2));
}

} // namespace
} // namespace loom::tokenizer::test
