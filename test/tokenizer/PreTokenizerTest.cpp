//===- PreTokenizerTest.cpp - Words before BPE, per pre-tokenizer ----------===//
//
// The expected words are what llama.cpp's splitter gives for the same text
// (test/reference/test_tokenizer_llamacpp.py checks the ids on real vocabularies).
//
//===----------------------------------------------------------------------===//
#include "PreTokenizer.h"
#include "Unicode.h"

#include <gtest/gtest.h>

namespace loom::tokenizer {
namespace {

std::vector<std::string> words(std::string_view name, std::string_view text) {
  std::optional<PreTokenizer> pre = findPreTokenizer(name);
  if (!pre) {
    ADD_FAILURE() << "no pre-tokenizer " << name;
    return {};
  }
  const std::vector<uint32_t> cps = decodeUtf8(text);
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t length : splitWords(pre->kind, cps)) {
    EXPECT_GT(length, 0u);
    std::string word;
    for (size_t i = start; i < start + length; ++i)
      appendUtf8(word, cps[i]);
    out.push_back(word);
    start += length;
  }
  EXPECT_EQ(start, cps.size());
  return out;
}

using Words = std::vector<std::string>;

TEST(PreTokenizer, Gpt2) {
  EXPECT_EQ(words("gpt-2", "Hello world's  big 123!!"),
            (Words{"Hello", " world", "'s", " ", " big", " 123", "!!"}));
  // Contractions are case-sensitive; whitespace at the end stays one word.
  EXPECT_EQ(words("gpt-2", "I'M ok  "), (Words{"I", "'", "M", " ok", "  "}));
}

TEST(PreTokenizer, Llama3) {
  EXPECT_EQ(words("llama-bpe", "I'M 12345 ok\n\n  x"),
            (Words{"I", "'M", " ", "123", "45", " ok", "\n\n", " ", " x"}));
  EXPECT_EQ(words("llama-bpe", "a.b\r\n!?\n"), (Words{"a", ".b", "\r\n", "!?\n"}));
}

TEST(PreTokenizer, Qwen2SplitsEveryDigit) {
  EXPECT_EQ(words("qwen2", "I'M 12345 ok\n\n  x"),
            (Words{"I", "'M", " ", "1", "2", "3", "4", "5", " ok", "\n\n", " ", " x"}));
}

TEST(PreTokenizer, SmolLMSplitsEveryDigitFirst) {
  EXPECT_EQ(words("smollm", "abc 123 x1"), (Words{"abc", " ", "1", "2", "3", " x", "1"}));
}

TEST(PreTokenizer, Default) {
  EXPECT_EQ(words("default", "a+b 1234"), (Words{"a", "+", "b", " ", "123", "4"}));
}

TEST(PreTokenizer, DeepSeek) {
  EXPECT_EQ(words("deepseek-llm", "Hello, 世界 123"), (Words{"Hello", ",", " ", "世界", " ", "123"}));
  EXPECT_EQ(words("deepseek-coder", "ab, 12"), (Words{"ab", ",", " ", "1", "2"}));
}

TEST(PreTokenizer, UnicodeClasses) {
  // Letters of any script, numbers of any script, Unicode whitespace.
  EXPECT_EQ(words("gpt-2", "Привет мир"), (Words{"Привет", " мир"}));
  // Only an ASCII space joins the word after it.
  EXPECT_EQ(words("gpt-2", "x\u00A0\u00A0y"), (Words{"x", "\u00A0", "\u00A0", "y"}));
  EXPECT_EQ(words("gpt-2", "٣٤ 😀😀"), (Words{"٣٤", " 😀😀"}));
}

TEST(PreTokenizer, Names) {
  EXPECT_FALSE(findPreTokenizer("no-such-thing"));
  EXPECT_TRUE(findPreTokenizer("smollm"));
  EXPECT_NE(knownPreTokenizerNames().find("llama-bpe"), std::string::npos);
}

} // namespace
} // namespace loom::tokenizer
