//===- Tokenizer.h - The tokenizer stored in a GGUF file ---------*- C++ -*-===//
//
// llama.cpp stores a model's tokenizer in its GGUF metadata (`tokenizer.ggml.*`).
// This library rebuilds it so that `loom` turns text into exactly the token ids
// llama.cpp produces for the same file, and ids back into text:
//
//   - byte-level BPE (`tokenizer.ggml.model = "gpt2"`): text is split into words
//     by the pre-tokenizer that `tokenizer.ggml.pre` names, each word's bytes are
//     mapped to GPT-2's printable characters and merged by merge rank;
//   - SentencePiece BPE (`"llama"`): spaces become U+2581, neighbouring pieces
//     are merged by score, and what no piece covers falls back to `<0xXX>` bytes;
//   - control and user-defined tokens are matched verbatim in the text first
//     (llama.cpp's `parse_special`), and BOS/EOS are added as the file says.
//
// It is used by the `loom` tool, never linked into a model library, so it
// reports errors as llvm::Error like the tool does.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TOKENIZER_TOKENIZER_H
#define LOOM_TOKENIZER_TOKENIZER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loom::rt {
class GgufFile;
}

namespace loom::tokenizer {

using TokenId = int32_t;

/// `tokenizer.ggml.token_type` values (llama.cpp's llama_token_type).
enum class TokenType : int32_t {
  Undefined = 0,
  Normal = 1,
  Unknown = 2,
  Control = 3,
  UserDefined = 4,
  Unused = 5,
  Byte = 6,
};

/// The tokenizer's description as the GGUF keys hold it, for building a
/// tokenizer without a file (tests, tools). Unset optionals take llama.cpp's
/// defaults for the model kind.
struct Vocabulary {
  std::string model;                 ///< tokenizer.ggml.model: "gpt2" or "llama".
  std::optional<std::string> pre;    ///< tokenizer.ggml.pre; unset means "default".
  std::vector<std::string> tokens;   ///< tokenizer.ggml.tokens, indexed by id.
  std::vector<float> scores;         ///< tokenizer.ggml.scores; empty: all 0.
  std::vector<int32_t> tokenTypes;   ///< tokenizer.ggml.token_type; empty: all Normal.
  std::vector<std::string> merges;   ///< tokenizer.ggml.merges ("left right"), gpt2 only.
  std::optional<uint64_t> bosId, eosId, unknownId, paddingId;
  std::optional<bool> addBos, addEos, addSpacePrefix;
  std::string chatTemplate;          ///< tokenizer.chat_template; empty if none.
};

class TokenizerImpl;

class Tokenizer {
public:
  /// Reads the `tokenizer.*` keys of an opened GGUF file. Every missing key,
  /// wrong type or inconsistent value is an error naming the file and the key.
  static llvm::Expected<std::unique_ptr<Tokenizer>> fromGguf(const rt::GgufFile &file);
  /// Opens `path` (GGUF) and reads its tokenizer.
  static llvm::Expected<std::unique_ptr<Tokenizer>> fromFile(const std::string &path);
  /// Builds from plain data; `source` names it in error messages.
  static llvm::Expected<std::unique_ptr<Tokenizer>> fromVocabulary(const Vocabulary &vocabulary,
                                                                   std::string source = "vocabulary");
  ~Tokenizer();

  /// Token ids for `text`, as llama.cpp's llama_tokenize(add_special,
  /// parse_special): with `addSpecial`, BOS/EOS as the file's add_bos_token /
  /// add_eos_token say; with `parseSpecial`, control tokens written in the
  /// text (`<|im_start|>`) become their ids (user-defined tokens always do).
  /// Any byte string is accepted; invalid UTF-8 is read as llama.cpp reads it.
  std::vector<TokenId> encode(std::string_view text, bool addSpecial = true, bool parseSpecial = true) const;

  /// The bytes token `id` stands for: byte-level BPE pieces through GPT-2's
  /// byte map, SentencePiece pieces with U+2581 as space and `<0xXX>` as its
  /// byte. Control and unknown tokens give "" unless `renderSpecial`; ids out
  /// of range give "".
  std::string decode(TokenId id, bool renderSpecial = false) const;
  /// The concatenated pieces of `ids` (no clean-up of spaces).
  std::string decode(llvm::ArrayRef<TokenId> ids, bool renderSpecial = false) const;

  size_t vocabularySize() const;
  /// The token's text as stored in the file (no decoding); "" out of range.
  std::string_view tokenText(TokenId id) const;
  TokenType tokenType(TokenId id) const;
  /// The id of a token whose text is exactly `text`.
  std::optional<TokenId> findToken(std::string_view text) const;

  std::optional<TokenId> bos() const;
  std::optional<TokenId> eos() const;
  std::optional<TokenId> unknown() const;
  std::optional<TokenId> padding() const;
  bool addsBos() const;
  bool addsEos() const;
  /// Whether generation should stop at `id`: EOS and the end-of-turn tokens
  /// llama.cpp recognises by their text (`<|im_end|>`, `<|eot_id|>`,
  /// `<end_of_turn>`, `<|endoftext|>`, ...).
  bool isEndOfGeneration(TokenId id) const;
  const std::vector<TokenId> &endOfGenerationIds() const;

  /// "gpt2" or "llama"; the pre-tokenizer name in effect ("" for llama).
  std::string_view model() const;
  std::string_view preTokenizer() const;
  /// tokenizer.chat_template, "" when the file has none.
  const std::string &chatTemplate() const;

private:
  explicit Tokenizer(std::unique_ptr<TokenizerImpl> impl);
  std::unique_ptr<TokenizerImpl> impl_;
  friend class TokenizerImpl;
};

/// Turns generated token ids into printable text: pieces are concatenated and
/// whatever ends in an incomplete UTF-8 sequence is held back until the next
/// token completes it, so a multi-byte character split over two tokens (an
/// emoji in byte-level BPE, `<0xE2><0x96><0x81>` in SentencePiece) is never
/// printed in halves.
class StreamingDecoder {
public:
  explicit StreamingDecoder(const Tokenizer &tokenizer, bool renderSpecial = false)
      : tokenizer_(tokenizer), renderSpecial_(renderSpecial) {}
  /// The text that became complete with `id` (often "", or several characters).
  std::string push(TokenId id);
  /// Whatever is still held back (an incomplete sequence at the end of output).
  std::string finish();

private:
  const Tokenizer &tokenizer_;
  bool renderSpecial_;
  std::string pending_;
};

/// The number of leading bytes of `bytes` that can be printed now: all of it
/// unless it ends in the first bytes of a UTF-8 sequence that later bytes may
/// complete. Bytes that can never become valid are not held back.
size_t completeUtf8Prefix(std::string_view bytes);

/// Chat formats `loom` can write prompts in, recognised from the template text.
enum class ChatFormat {
  ChatML, ///< <|im_start|>role\n...<|im_end|>\n (Qwen, SmolLM, ...)
  Llama3, ///< <|start_header_id|>role<|end_header_id|>\n\n...<|eot_id|>
  Gemma,  ///< <start_of_turn>user\n...<end_of_turn>\n
};

struct ChatTemplate {
  ChatFormat format;
  /// A system message the template inserts when the conversation has none
  /// (SmolLM2's "You are a helpful AI assistant named SmolLM, ..."), taken
  /// from the template text; unset if it inserts none.
  std::optional<std::string> defaultSystem;
};

/// Recognises `templateText` (a Jinja chat template from the file). An empty
/// or unknown template is an error that suggests --raw.
llvm::Expected<ChatTemplate> recognizeChatTemplate(std::string_view templateText);

/// The prompt text for one user turn (after an optional system message, else
/// the template's default one) ending where the assistant's answer begins, as
/// the template renders it with add_generation_prompt. Encode it with
/// parseSpecial so that its markers become control tokens.
std::string formatChatPrompt(const ChatTemplate &chat, std::string_view user,
                             std::optional<std::string_view> system = std::nullopt);

} // namespace loom::tokenizer

#endif // LOOM_TOKENIZER_TOKENIZER_H
