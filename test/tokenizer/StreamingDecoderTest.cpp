//===- StreamingDecoderTest.cpp - Printing text token by token -------------===//
#include "TestVocabularies.h"

namespace loom::tokenizer::test {
namespace {

TEST(CompleteUtf8Prefix, HoldsBackOnlyIncompleteSequences) {
  EXPECT_EQ(completeUtf8Prefix(""), 0u);
  EXPECT_EQ(completeUtf8Prefix("abc"), 3u);
  EXPECT_EQ(completeUtf8Prefix("a\xC3"), 1u);             // é, first byte
  EXPECT_EQ(completeUtf8Prefix("a\xC3\xA9"), 3u);         // é complete
  EXPECT_EQ(completeUtf8Prefix("a\xF0\x9F\x98"), 1u);     // 😀, three of four bytes
  EXPECT_EQ(completeUtf8Prefix("a\xF0\x9F\x98\x80"), 5u); // 😀 complete
  EXPECT_EQ(completeUtf8Prefix("\xE2\x96"), 0u);
  // Bytes that can never become valid are printed rather than held forever.
  EXPECT_EQ(completeUtf8Prefix("a\x80"), 2u);
  EXPECT_EQ(completeUtf8Prefix("a\xFF"), 2u);
  EXPECT_EQ(completeUtf8Prefix("a\xC0"), 2u);
  EXPECT_EQ(completeUtf8Prefix("\x80\x80\x80\x80"), 4u);
}

TEST(StreamingDecoder, ByteLevelEmojiSplitOverTokens) {
  auto t = build(byteLevelVocabulary());
  ASSERT_TRUE(t);
  const std::vector<TokenId> ids = t->encode("a😀b", false, false); // a, four byte tokens, b
  ASSERT_EQ(ids.size(), 6u);
  StreamingDecoder decoder(*t);
  std::vector<std::string> printed;
  for (TokenId id : ids)
    printed.push_back(decoder.push(id));
  EXPECT_EQ(printed, (std::vector<std::string>{"a", "", "", "", "😀", "b"}));
  EXPECT_EQ(decoder.finish(), "");
}

TEST(StreamingDecoder, SentencePieceByteTokens) {
  auto t = build(sentencePieceVocabulary());
  ASSERT_TRUE(t);
  StreamingDecoder decoder(*t);
  EXPECT_EQ(decoder.push(3 + 0xE2), "");
  EXPECT_EQ(decoder.push(3 + 0x82), "");
  EXPECT_EQ(decoder.push(3 + 0xAC), "€");
  // An incomplete sequence at the end comes out of finish().
  EXPECT_EQ(decoder.push(3 + 0xC3), "");
  EXPECT_EQ(decoder.finish(), "\xC3");
}

TEST(StreamingDecoder, ControlTokensPrintNothingUnlessAsked) {
  auto t = build(byteLevelVocabulary());
  ASSERT_TRUE(t);
  StreamingDecoder quiet(*t);
  EXPECT_EQ(quiet.push(kImEnd), "");
  StreamingDecoder loud(*t, /*renderSpecial=*/true);
  EXPECT_EQ(loud.push(kImEnd), "<|im_end|>");
}

} // namespace
} // namespace loom::tokenizer::test
