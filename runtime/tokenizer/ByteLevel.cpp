//===- ByteLevel.cpp - GPT-2's bytes-to-characters map ---------------------===//
#include "ByteLevel.h"

#include <array>

namespace loom::tokenizer {
namespace {

bool standsForItself(unsigned byte) {
  return (byte >= 0x21 && byte <= 0x7E) || (byte >= 0xA1 && byte <= 0xAC) || (byte >= 0xAE && byte <= 0xFF);
}

const std::array<uint32_t, 256> &byteTable() {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    uint32_t next = 0x100;
    for (unsigned byte = 0; byte < 256; ++byte)
      t[byte] = standsForItself(byte) ? byte : next++;
    return t;
  }();
  return table;
}

} // namespace

uint32_t byteToCodepoint(uint8_t byte) { return byteTable()[byte]; }

std::optional<uint8_t> codepointToByte(uint32_t cp) {
  // Every byte's code point is below U+0144.
  static const std::array<int16_t, 0x144> reverse = [] {
    std::array<int16_t, 0x144> r;
    r.fill(-1);
    for (unsigned byte = 0; byte < 256; ++byte)
      r[byteTable()[byte]] = int16_t(byte);
    return r;
  }();
  if (cp >= reverse.size() || reverse[cp] < 0)
    return std::nullopt;
  return uint8_t(reverse[cp]);
}

} // namespace loom::tokenizer
