//===- Unicode.h - Code points and their classes, as llama.cpp sees them -*- C++ -*-===//
//
// llama.cpp's pre-tokenizers look at code points, not bytes, and classify each
// as a letter (\p{L}), number (\p{N}), whitespace (\s) and so on. The classes
// come from ICU; the UTF-8 reading follows llama.cpp, including what it does
// with malformed input, because that decides the token ids of such input.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TOKENIZER_UNICODE_H
#define LOOM_TOKENIZER_UNICODE_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace loom::tokenizer {

/// Unicode general category groups plus the White_Space property.
struct CodepointClass {
  bool letter = false;      ///< \p{L}
  bool number = false;      ///< \p{N}
  bool mark = false;        ///< \p{M}
  bool punctuation = false; ///< \p{P}
  bool symbol = false;      ///< \p{S}
  bool whitespace = false;  ///< \s (White_Space)
  /// False only for the "no code point" past the end of a piece: every real
  /// code point, even an unassigned one, belongs to some category.
  bool exists = false;
};

CodepointClass classify(uint32_t cp);
/// Simple lowercase mapping.
uint32_t toLower(uint32_t cp);

/// The code points of `text` as llama.cpp reads them: a lead byte's length is
/// taken at its word and a sequence with a bad continuation byte, a stray
/// continuation byte or a lead byte 0xF8-0xFF is one U+FFFD per byte
/// (overlong forms and surrogates pass, as there). Code points above U+10FFFF
/// (lead bytes 0xF4-0xF7) also become U+FFFD, where llama.cpp would fail.
std::vector<uint32_t> decodeUtf8(std::string_view text);

/// Appends the UTF-8 form of `cp` (any value up to U+10FFFF, surrogates too).
void appendUtf8(std::string &out, uint32_t cp);

/// The byte length a UTF-8 lead byte announces (1 for continuation bytes), as
/// llama.cpp's unicode_len_utf8.
size_t utf8SequenceLength(uint8_t leadByte);

} // namespace loom::tokenizer

#endif // LOOM_TOKENIZER_UNICODE_H
