//===- ByteLevel.h - GPT-2's bytes-to-characters map -------------*- C++ -*-===//
//
// Byte-level BPE vocabularies spell every byte as a printable character so that
// tokens are valid text: the 188 printable Latin-1 bytes stand for themselves
// and the other 68 (controls, space, 0x7F-0xA0, 0xAD) for U+0100 onwards, in
// byte order. "Ġ" (U+0120) is the space, "Ċ" (U+010A) the newline.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TOKENIZER_BYTELEVEL_H
#define LOOM_TOKENIZER_BYTELEVEL_H

#include <cstdint>
#include <optional>

namespace loom::tokenizer {

/// The code point that stands for `byte`.
uint32_t byteToCodepoint(uint8_t byte);
/// The byte `cp` stands for, if it is one of the 256.
std::optional<uint8_t> codepointToByte(uint32_t cp);

} // namespace loom::tokenizer

#endif // LOOM_TOKENIZER_BYTELEVEL_H
