//===- PreTokenizer.h - Splitting text into words before BPE ----*- C++ -*-===//
//
// Byte-level BPE never merges across word boundaries, and where the boundaries
// are is the model's choice, written as one or more regular expressions in its
// tokenizer.json and named in the GGUF file by `tokenizer.ggml.pre`. llama.cpp
// applies the expressions one after another, each refining the words of the
// previous one (text between matches stays a word of its own), and for the
// two most common expressions uses hand-written matchers. Each expression
// here is such a matcher over code point classes, with the semantics of the
// implementation llama.cpp uses for it: the hand-written ones for GPT-2 and
// Llama 3, std::regex's leftmost, first-alternative-wins search for the rest.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TOKENIZER_PRETOKENIZER_H
#define LOOM_TOKENIZER_PRETOKENIZER_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loom::tokenizer {

/// Families of pre-tokenizers: each is one list of expressions.
enum class PreTokenizerKind {
  Default,       ///< "default" or no key: punctuation runs, GPT-2, digit runs, 3-digit groups
  Gpt2,          ///< 's|'t|...| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
  Llama3,        ///< contractions (any case), words with one leading non-letter, 1-3 digits, ...
  Qwen2,         ///< Llama 3's expression with single digits
  SmolLM,        ///< every digit alone, then GPT-2's (StarCoder's)
  DeepSeekLlm,   ///< newline, Latin/Greek/... words, ASCII/full-width punctuation, CJK, digit runs
  DeepSeekCoder, ///< newline, letters, punctuation, CJK, single digits
};

struct PreTokenizer {
  PreTokenizerKind kind;
  /// A word that is a token as a whole skips merging (Llama 3's ignore_merges).
  bool ignoreMerges = false;
  /// add_bos_token's default when the file does not say (true for Llama 3).
  bool addsBosByDefault = false;
};

/// The pre-tokenizer llama.cpp selects for `tokenizer.ggml.pre = name`.
std::optional<PreTokenizer> findPreTokenizer(std::string_view name);
/// The names findPreTokenizer accepts, for error messages.
std::string knownPreTokenizerNames();

/// Splits `cps` into words; returns each word's length in code points (they
/// add up to cps.size(); none is 0).
std::vector<size_t> splitWords(PreTokenizerKind kind, const std::vector<uint32_t> &cps);

} // namespace loom::tokenizer

#endif // LOOM_TOKENIZER_PRETOKENIZER_H
