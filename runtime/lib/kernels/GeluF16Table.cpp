//===- GeluF16Table.cpp - loom_k_gelu_f16_table, loom_k_geglu_f16_table ---===//
//
// GELU as ggml's CPU backend computes it (GGML_GELU_FP16, its default): the
// input rounded to half precision indexes a table of 65536 half-precision
// results of the tanh form, outside [-10, 10] the function's limits (0 and x).
// The `ggml` numerics profile uses these so that GPT-2 and Gemma equal
// llama.cpp; the table's rounding is up to 2^-11 relative, too coarse for
// transformers' float32 GELU, which the `fast` profile's kernels match.
//
// The conversions are written out rather than taken from F16C so that the
// kernels build for any target; both round to nearest even, as F16C does.
//
//===----------------------------------------------------------------------===//

#include "KernelErrors.h"
#include "loom/Runtime/Kernels.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace {

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  if (exponent == 0) { // zero or subnormal: mantissa * 2^-24, exact in float
    float magnitude = std::ldexp(float(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  uint32_t bits = exponent == 0x1f ? sign | 0x7f800000 | (mantissa << 13)
                                   : sign | ((exponent + 112) << 23) | (mantissa << 13);
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

uint16_t floatToHalf(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  uint16_t sign = (bits >> 16) & 0x8000;
  uint32_t magnitude = bits & 0x7fffffff;
  if (magnitude > 0x7f800000) // NaN stays NaN
    return sign | 0x7e00;
  if (magnitude >= 0x477ff000) // 65520 and up round to infinity
    return sign | 0x7c00;
  if (magnitude < 0x38800000) { // below 2^-14: a subnormal half, in units of 2^-24 (exact scaling)
    float value;
    std::memcpy(&value, &magnitude, sizeof value);
    return sign | uint16_t(std::nearbyint(value * 16777216.0f));
  }
  // Round the 13 dropped bits to nearest, ties to even, then rebias the exponent (127 - 15 = 112).
  magnitude += 0xfff + ((magnitude >> 13) & 1);
  return sign | uint16_t((magnitude - (112u << 23)) >> 13);
}

/// ggml_table_gelu_f16: each half's GELU (ggml_gelu_f32, in float) rounded to half.
const std::array<uint16_t, 65536> &geluTable() {
  static const std::array<uint16_t, 65536> table = [] {
    constexpr float kSqrt2OverPi = 0.79788456080286535587989211986876f, kCoefA = 0.044715f;
    std::array<uint16_t, 65536> t{};
    for (uint32_t i = 0; i < t.size(); ++i) {
      float x = halfToFloat(uint16_t(i));
      t[i] = floatToHalf(0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * x * (1.0f + kCoefA * x * x))));
    }
    return t;
  }();
  return table;
}

float gelu(const std::array<uint16_t, 65536> &table, float x) {
  if (x <= -10.0f)
    return 0.0f;
  if (x >= 10.0f)
    return x;
  return halfToFloat(table[floatToHalf(x)]);
}

} // namespace

void loom_k_gelu_f16_table(const float *x, int64_t count, float *out) {
  if (count < 0)
    loom_kernel_fail("loom_k_gelu_f16_table: invalid count=%lld", static_cast<long long>(count));
  const auto &table = geluTable();
  for (int64_t i = 0; i < count; ++i)
    out[i] = gelu(table, x[i]);
}

void loom_k_geglu_f16_table(const float *gate, const float *up, int64_t count, float *out) {
  if (count < 0)
    loom_kernel_fail("loom_k_geglu_f16_table: invalid count=%lld", static_cast<long long>(count));
  const auto &table = geluTable();
  for (int64_t i = 0; i < count; ++i)
    out[i] = gelu(table, gate[i]) * up[i];
}
