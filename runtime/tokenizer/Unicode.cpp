//===- Unicode.cpp - Code points and their classes -------------------------===//
#include "Unicode.h"

#include <unicode/uchar.h>

namespace loom::tokenizer {

CodepointClass classify(uint32_t cp) {
  CodepointClass c;
  c.exists = true;
  if (cp > 0x10FFFF)
    return c;
  const UChar32 ch = UChar32(cp);
  c.whitespace = u_isUWhiteSpace(ch);
  switch (u_charType(ch)) {
  case U_UPPERCASE_LETTER:
  case U_LOWERCASE_LETTER:
  case U_TITLECASE_LETTER:
  case U_MODIFIER_LETTER:
  case U_OTHER_LETTER:
    c.letter = true;
    break;
  case U_DECIMAL_DIGIT_NUMBER:
  case U_LETTER_NUMBER:
  case U_OTHER_NUMBER:
    c.number = true;
    break;
  case U_NON_SPACING_MARK:
  case U_ENCLOSING_MARK:
  case U_COMBINING_SPACING_MARK:
    c.mark = true;
    break;
  case U_DASH_PUNCTUATION:
  case U_START_PUNCTUATION:
  case U_END_PUNCTUATION:
  case U_CONNECTOR_PUNCTUATION:
  case U_OTHER_PUNCTUATION:
  case U_INITIAL_PUNCTUATION:
  case U_FINAL_PUNCTUATION:
    c.punctuation = true;
    break;
  case U_MATH_SYMBOL:
  case U_CURRENCY_SYMBOL:
  case U_MODIFIER_SYMBOL:
  case U_OTHER_SYMBOL:
    c.symbol = true;
    break;
  default:
    break;
  }
  return c;
}

uint32_t toLower(uint32_t cp) { return cp > 0x10FFFF ? cp : uint32_t(u_tolower(UChar32(cp))); }

size_t utf8SequenceLength(uint8_t leadByte) {
  static constexpr uint8_t kLengths[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kLengths[leadByte >> 4];
}

std::vector<uint32_t> decodeUtf8(std::string_view text) {
  std::vector<uint32_t> out;
  out.reserve(text.size());
  const auto byte = [&](size_t i) { return uint8_t(text[i]); };
  const auto continuation = [&](size_t i) { return i < text.size() && (byte(i) & 0xC0) == 0x80; };
  size_t i = 0;
  while (i < text.size()) {
    const uint8_t lead = byte(i);
    size_t length = 0;
    uint32_t cp = 0;
    if (lead < 0x80) {
      length = 1;
      cp = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2;
      cp = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      cp = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      cp = lead & 0x07;
    } // else: a continuation byte or 0xF8-0xFF starts nothing.
    bool valid = length > 0;
    for (size_t k = 1; valid && k < length; ++k) {
      if (!continuation(i + k))
        valid = false;
      else
        cp = cp << 6 | (byte(i + k) & 0x3F);
    }
    if (!valid || cp > 0x10FFFF) {
      out.push_back(0xFFFD);
      // llama.cpp skips one byte of a bad sequence but all of an out-of-range one; for the latter
      // it fails outright, so either choice is ours. Skipping one byte keeps the rule simple.
      i += 1;
      continue;
    }
    out.push_back(cp);
    i += length;
  }
  return out;
}

void appendUtf8(std::string &out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

} // namespace loom::tokenizer
