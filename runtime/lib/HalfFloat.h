//===- HalfFloat.h - IEEE half and bfloat16 to float ------------*- C++ -*-===//
//
// Exact widening conversions (every F16 and BF16 value, including subnormals,
// infinities and NaN payloads, is representable in F32), by bit manipulation
// so that they do not depend on compiler support for _Float16 or __bf16.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_HALFFLOAT_H
#define LOOM_RUNTIME_HALFFLOAT_H

#include <bit>
#include <cstdint>

namespace loom::rt {

/// bfloat16 is the upper half of an F32.
inline float bfloat16ToFloat(uint16_t bits) { return std::bit_cast<float>(uint32_t(bits) << 16); }

/// IEEE 754 binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits.
inline float halfToFloat(uint16_t bits) {
  const uint32_t sign = uint32_t(bits & 0x8000) << 16;
  const uint32_t exponent = (bits >> 10) & 0x1F;
  uint32_t mantissa = bits & 0x3FF;
  if (exponent == 0x1F) // Infinity or NaN: keep the payload.
    return std::bit_cast<float>(sign | 0x7F800000u | (mantissa << 13));
  if (exponent != 0) // Normal: rebias 15 -> 127.
    return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
  if (mantissa == 0)
    return std::bit_cast<float>(sign);
  // Subnormal half: normalize, since every one is a normal F32.
  uint32_t shift = 0;
  while (!(mantissa & 0x400)) {
    mantissa <<= 1;
    ++shift;
  }
  mantissa &= 0x3FF;
  return std::bit_cast<float>(sign | ((113 - shift) << 23) | (mantissa << 13));
}

} // namespace loom::rt

#endif // LOOM_RUNTIME_HALFFLOAT_H
