//===- HalfWidthTest.cpp - Every finite F16 and BF16 weight widens exactly -===//
//
// The kernels widen 16-bit weights with their own bit arithmetic (see
// codegen/kernels/WeightFormat.h); a product with x = 1 exposes the widened
// value unchanged, so every finite bit pattern must come back exactly, through
// both the GEMV and the GEMM schedule.
//
//===----------------------------------------------------------------------===//

#include "loom/Runtime/Kernels.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

namespace {

/// IEEE binary16 decoded with double arithmetic, independently of the kernels.
double halfValue(uint16_t bits) {
  int exponent = (bits >> 10) & 0x1F, mantissa = bits & 0x3FF;
  double magnitude = exponent == 0 ? std::ldexp(mantissa, -24) : std::ldexp(1024 + mantissa, exponent - 25);
  return (bits & 0x8000) ? -magnitude : magnitude;
}

/// Every bit pattern of a 16-bit format whose exponent field is not all ones (finite values).
std::vector<uint16_t> finitePatterns(int exponentShift, uint32_t exponentMask) {
  std::vector<uint16_t> patterns;
  for (uint32_t bits = 0; bits <= 0xFFFF; ++bits)
    if (((bits >> exponentShift) & exponentMask) != exponentMask)
      patterns.push_back(static_cast<uint16_t>(bits));
  return patterns;
}

void expectExactWidening(loom_dtype dtype, const std::vector<uint16_t> &patterns, double (*decode)(uint16_t)) {
  const int64_t n = static_cast<int64_t>(patterns.size());
  loom_tensor w{patterns.data(), dtype};
  for (int64_t m : {1, 7}) { // GEMV and GEMM
    std::vector<float> x(m, 1.0f), y(m * n, NAN);
    loom_k_linear(x.data(), m, 1, &w, n, nullptr, y.data());
    int64_t mismatches = 0;
    for (int64_t r = 0; r < m; ++r)
      for (int64_t i = 0; i < n; ++i)
        if (static_cast<double>(y[r * n + i]) != decode(patterns[i]) && ++mismatches <= 5)
          ADD_FAILURE() << "dtype " << dtype << " m=" << m << ": bits 0x" << std::hex << patterns[i] << std::dec
                        << " widened to " << y[r * n + i] << ", expected " << decode(patterns[i]);
    EXPECT_EQ(mismatches, 0) << "dtype " << dtype << " m=" << m;
  }
}

TEST(HalfWidth, EveryFiniteF16) {
  expectExactWidening(LOOM_DTYPE_F16, finitePatterns(10, 0x1F), halfValue);
}

TEST(HalfWidth, EveryFiniteBF16) {
  expectExactWidening(LOOM_DTYPE_BF16, finitePatterns(7, 0xFF),
                      [](uint16_t bits) { return static_cast<double>(std::bit_cast<float>(uint32_t(bits) << 16)); });
}

} // namespace
