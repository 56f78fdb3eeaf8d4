//===- WidenWeights.cpp - Small weight vectors as F32 ---------------------===//

#include "WidenWeights.h"

#include "KernelErrors.h"

#include <bit>
#include <cmath>

namespace loom::kernels {

float halfBitsToFloat(uint16_t bits) {
  const uint32_t sign = uint32_t(bits & 0x8000u) << 16;
  const uint32_t exponent = (bits >> 10) & 0x1Fu;
  const uint32_t mantissa = bits & 0x3FFu;
  if (exponent == 0) { // zero or subnormal: mantissa * 2^-24, exact in F32
    float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 0x1F) // infinity or NaN, payload kept
    return std::bit_cast<float>(sign | 0x7F800000u | (mantissa << 13));
  return std::bit_cast<float>(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
}

float bfloat16BitsToFloat(uint16_t bits) { return std::bit_cast<float>(uint32_t(bits) << 16); }

const float *widenToF32(const loom_tensor &tensor, int64_t count, std::vector<float> &storage, const char *kernel,
                        const char *what) {
  if (tensor.dtype == LOOM_DTYPE_F32)
    return static_cast<const float *>(tensor.data);
  float (*widen)(uint16_t);
  switch (tensor.dtype) {
  case LOOM_DTYPE_F16:
    widen = halfBitsToFloat;
    break;
  case LOOM_DTYPE_BF16:
    widen = bfloat16BitsToFloat;
    break;
  default:
    loom_kernel_fail("%s: %s of dtype %lld is not supported (F32, F16 and BF16 are)", kernel, what,
                     static_cast<long long>(tensor.dtype));
  }
  const auto *bits = static_cast<const uint16_t *>(tensor.data);
  storage.resize(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i)
    storage[i] = widen(bits[i]);
  return storage.data();
}

} // namespace loom::kernels
