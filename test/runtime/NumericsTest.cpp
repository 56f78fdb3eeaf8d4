//===- NumericsTest.cpp - Half-float widening and the random generator ----===//

#include "HalfFloat.h"
#include "Random.h"

#include <gtest/gtest.h>

#include <cmath>

namespace {

/// binary16 by its definition, computed arithmetically rather than by bits.
double halfReference(uint16_t bits) {
  const int sign = bits >> 15, exponent = (bits >> 10) & 0x1F, mantissa = bits & 0x3FF;
  const double magnitude = exponent == 0x1F ? (mantissa ? NAN : INFINITY)
                           : exponent == 0 ? std::ldexp(double(mantissa), -24)
                                           : std::ldexp(1.0 + mantissa / 1024.0, exponent - 15);
  return sign ? -magnitude : magnitude;
}

TEST(HalfFloatTest, EveryHalfWidensExactly) {
  for (uint32_t bits = 0; bits <= 0xFFFF; ++bits) {
    const float widened = loom::rt::halfToFloat(uint16_t(bits));
    const double expected = halfReference(uint16_t(bits));
    if (std::isnan(expected)) {
      EXPECT_TRUE(std::isnan(widened)) << std::hex << bits;
    } else {
      EXPECT_EQ(double(widened), expected) << std::hex << bits;
      EXPECT_EQ(std::signbit(widened), std::signbit(expected)) << std::hex << bits;
    }
  }
}

TEST(HalfFloatTest, BFloat16IsTheHighHalfOfAFloat) {
  EXPECT_EQ(loom::rt::bfloat16ToFloat(0x3F80), 1.0f);
  EXPECT_EQ(loom::rt::bfloat16ToFloat(0xC040), -3.0f);
  EXPECT_EQ(loom::rt::bfloat16ToFloat(0x0001), std::ldexp(1.0f, -133)); // The smallest subnormal.
  EXPECT_EQ(loom::rt::bfloat16ToFloat(0xFF80), -INFINITY);
  EXPECT_TRUE(std::isnan(loom::rt::bfloat16ToFloat(0x7FC0)));
}

TEST(RandomTest, SameSeedSameStream) {
  loom::rt::Random a(5), b(5), c(6);
  for (int i = 0; i < 100; ++i) {
    uint64_t value = a.next();
    EXPECT_EQ(value, b.next());
    EXPECT_NE(value, c.next());
  }
}

TEST(RandomTest, UniformStaysInTheUnitInterval) {
  loom::rt::Random random(0);
  double sum = 0;
  for (int i = 0; i < 100000; ++i) {
    double u = random.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  // The mean of 1e5 uniforms has a standard deviation of 0.0009.
  EXPECT_NEAR(sum / 100000, 0.5, 0.005);
}

TEST(RandomTest, NormalHasZeroMeanAndUnitVariance) {
  loom::rt::Random random(99);
  constexpr int kSamples = 200000;
  double sum = 0, sumSquares = 0;
  for (int i = 0; i < kSamples; ++i) {
    double x = random.normal();
    sum += x;
    sumSquares += x * x;
  }
  // Standard deviations of the estimates: 0.0022 for the mean, 0.0032 for the variance.
  EXPECT_NEAR(sum / kSamples, 0.0, 0.015);
  EXPECT_NEAR(sumSquares / kSamples, 1.0, 0.02);
}

} // namespace
