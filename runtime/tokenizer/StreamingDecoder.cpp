//===- StreamingDecoder.cpp - Printing generated text token by token -------===//
#include "loom/Tokenizer/Tokenizer.h"

namespace loom::tokenizer {

size_t completeUtf8Prefix(std::string_view bytes) {
  // The last sequence starts at most 3 bytes before the end; find its lead byte.
  size_t start = bytes.size();
  size_t continuations = 0;
  while (start > 0 && continuations < 3 && (uint8_t(bytes[start - 1]) & 0xC0) == 0x80) {
    --start;
    ++continuations;
  }
  if (start == 0)
    return bytes.size();
  const uint8_t lead = uint8_t(bytes[start - 1]);
  size_t length = 0;
  if (lead >= 0xC2 && lead <= 0xDF)
    length = 2;
  else if (lead >= 0xE0 && lead <= 0xEF)
    length = 3;
  else if (lead >= 0xF0 && lead <= 0xF4)
    length = 4;
  // Hold back a lead byte that still waits for continuation bytes; anything else (ASCII, a
  // complete sequence, a byte that can never start one) is printable now.
  if (length > 0 && continuations + 1 < length)
    return start - 1;
  return bytes.size();
}

std::string StreamingDecoder::push(TokenId id) {
  pending_ += tokenizer_.decode(id, renderSpecial_);
  const size_t ready = completeUtf8Prefix(pending_);
  std::string out = pending_.substr(0, ready);
  pending_.erase(0, ready);
  return out;
}

std::string StreamingDecoder::finish() {
  std::string out;
  out.swap(pending_);
  return out;
}

} // namespace loom::tokenizer
