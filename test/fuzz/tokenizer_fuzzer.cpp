//===- tokenizer_fuzzer.cpp - libFuzzer entry point for the GGUF tokenizer ===//
//
// An input that starts with "GGUF" is read as a GGUF file: a tokenizer built
// from its metadata (or a clean error) must then tokenize and decode a fixed
// text without fault.
//
// Any other input is tokenized with small fixed vocabularies: byte-level BPE
// under each pre-tokenizer family, and SentencePiece. The first input byte
// picks the vocabulary and the flags, the rest is the text. Checks, beyond
// ASan/UBSan:
//   - every id is inside the vocabulary;
//   - byte-level BPE without special tokens loses nothing: decoding gives the
//     text back (with malformed UTF-8 replaced as llama.cpp reads it);
//   - SentencePiece gives the text back after its leading space, up to spaces
//     and U+2581 (the text's spaces become U+2581 before it is split into
//     characters, so a malformed sequence can swallow part of one and come
//     back as raw bytes, as in llama.cpp);
//   - the streaming decoder prints exactly what decoding all ids gives.
//
//===----------------------------------------------------------------------===//
#include "ByteLevel.h"
#include "Gguf.h"
#include "Unicode.h"

#include "loom/Tokenizer/Tokenizer.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace loom::tokenizer;

namespace {

std::string byteLevel(std::string_view text) {
  std::string out;
  for (char c : text)
    appendUtf8(out, byteToCodepoint(uint8_t(c)));
  return out;
}

Vocabulary byteLevelVocabulary(const char *pre) {
  Vocabulary v;
  v.model = "gpt2";
  v.pre = pre;
  for (unsigned b = 0; b < 256; ++b)
    v.tokens.push_back(byteLevel(std::string(1, char(b))));
  // Merges over frequent pairs, including multi-byte characters and ones across pre-tokenizer
  // boundaries (which must never apply), and one whose result is not a token ("x y").
  const char *merges[] = {"h e", "Ġ t", "Ġt he", "t he", "l l", "he ll", "hell o", "Ġ h", "Ġ Ġ", "ĠĠ ĠĠ",
                          "1 2", "12 3", "' s", "Ċ Ċ", "Ã ©", "æ Ĺ", "Ġ 1", ". Ġ", "x y"};
  for (const char *merge : merges) {
    v.merges.push_back(merge);
    std::string joined = merge;
    joined.erase(joined.find(' '), 1);
    if (joined != "xy")
      v.tokens.push_back(joined);
  }
  v.tokens.push_back("<|im_start|>");
  v.tokens.push_back("<|im_end|>");
  v.tokens.push_back("<special>");
  v.tokenTypes.assign(v.tokens.size(), int32_t(TokenType::Normal));
  v.tokenTypes[v.tokens.size() - 3] = int32_t(TokenType::Control);
  v.tokenTypes[v.tokens.size() - 2] = int32_t(TokenType::Control);
  v.tokenTypes[v.tokens.size() - 1] = int32_t(TokenType::UserDefined);
  v.eosId = v.tokens.size() - 2;
  v.bosId = v.tokens.size() - 3;
  return v;
}

Vocabulary sentencePieceVocabulary() {
  Vocabulary v;
  v.model = "llama";
  v.tokens = {"<unk>", "<s>", "</s>"};
  v.tokenTypes = {int32_t(TokenType::Unknown), int32_t(TokenType::Control), int32_t(TokenType::Control)};
  for (unsigned b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    v.tokens.push_back(name);
    v.tokenTypes.push_back(int32_t(TokenType::Byte));
  }
  for (const char *piece : {"▁", "h", "e", "l", "o", "he", "ll", "llo", "hello", "▁hello", "▁▁", "é", "日本"}) {
    v.tokens.push_back(piece);
    v.tokenTypes.push_back(int32_t(TokenType::Normal));
  }
  v.scores.resize(v.tokens.size());
  for (size_t i = 0; i < v.scores.size(); ++i)
    v.scores[i] = -float(i % 7); // ties on purpose
  return v;
}

std::vector<std::unique_ptr<Tokenizer>> buildAll() {
  std::vector<std::unique_ptr<Tokenizer>> all;
  for (const char *pre : {"gpt-2", "llama-bpe", "qwen2", "smollm", "default", "deepseek-llm", "deepseek-coder"}) {
    auto t = Tokenizer::fromVocabulary(byteLevelVocabulary(pre), pre);
    if (!t) {
      std::fprintf(stderr, "%s\n", llvm::toString(t.takeError()).c_str());
      std::abort();
    }
    all.push_back(std::move(*t));
  }
  auto spm = Tokenizer::fromVocabulary(sentencePieceVocabulary(), "spm");
  if (!spm) {
    std::fprintf(stderr, "%s\n", llvm::toString(spm.takeError()).c_str());
    std::abort();
  }
  all.push_back(std::move(*spm));
  return all;
}

/// `text` with every space written as U+2581.
std::string withLowerBlocks(const std::string &text) {
  std::string out;
  for (char c : text)
    out += c == ' ' ? std::string("\xE2\x96\x81") : std::string(1, c);
  return out;
}

void check(bool condition, const char *what) {
  if (!condition) {
    std::fprintf(stderr, "tokenizer fuzzer: %s\n", what);
    std::abort();
  }
}

/// Builds a tokenizer from a GGUF file's metadata and exercises it.
void fuzzMetadata(const uint8_t *data, size_t size) {
  loom::rt::GgufFile file;
  if (!file.parse(data, size, "fuzz.gguf"))
    return;
  auto tokenizer = Tokenizer::fromGguf(file);
  if (!tokenizer) {
    llvm::consumeError(tokenizer.takeError());
    return;
  }
  const Tokenizer &t = **tokenizer;
  for (bool special : {false, true}) {
    const std::vector<TokenId> ids = t.encode("Hello <|im_start|>wörld 123\n\t😀 <s>", special, special);
    for (TokenId id : ids)
      check(id >= 0 && size_t(id) < t.vocabularySize(), "id outside the vocabulary");
    (void)t.decode(ids, special);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const std::vector<std::unique_ptr<Tokenizer>> tokenizers = buildAll();
  if (size >= 4 && std::memcmp(data, "GGUF", 4) == 0) {
    fuzzMetadata(data, size);
    return 0;
  }
  if (size == 0)
    return 0;
  const uint8_t selector = data[0];
  const std::string_view text(reinterpret_cast<const char *>(data + 1), size - 1);
  const Tokenizer &t = *tokenizers[selector % tokenizers.size()];
  const bool parseSpecial = selector & 0x40;
  const bool addSpecial = selector & 0x80;

  const std::vector<TokenId> ids = t.encode(text, addSpecial, parseSpecial);
  for (TokenId id : ids)
    check(id >= 0 && size_t(id) < t.vocabularySize(), "id outside the vocabulary");

  const std::string decoded = t.decode(ids);
  if (!parseSpecial && !addSpecial) {
    if (t.model() == "gpt2") {
      std::string expected;
      for (uint32_t cp : decodeUtf8(text))
        appendUtf8(expected, cp);
      check(decoded == expected, "byte-level BPE does not round-trip");
    } else if (!text.empty()) {
      check(withLowerBlocks(decoded) == withLowerBlocks(" " + std::string(text)),
            "SentencePiece does not round-trip");
    }
  }

  StreamingDecoder streaming(t);
  std::string printed;
  for (TokenId id : ids)
    printed += streaming.push(id);
  printed += streaming.finish();
  check(printed == decoded, "streaming decoder differs from decode");
  return 0;
}
