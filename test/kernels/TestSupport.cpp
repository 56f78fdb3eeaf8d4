//===- TestSupport.cpp - Inputs and comparisons for kernel tests ----------===//

#include "TestSupport.h"

#include <bit>
#include <cmath>
#include <random>
#include <sstream>

namespace loom::test {

std::vector<float> randomFloats(size_t count, uint64_t seed, float lo, float hi) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(count);
  for (float &f : v)
    f = dist(rng);
  return v;
}

namespace {

/// IEEE binary16, decoded independently of the kernel library's decoder.
double halfValue(uint16_t bits) {
  int sign = bits >> 15, exponent = (bits >> 10) & 0x1F, mantissa = bits & 0x3FF;
  double magnitude = exponent == 0 ? std::ldexp(mantissa, -24) : std::ldexp(1024 + mantissa, exponent - 25);
  return sign ? -magnitude : magnitude;
}

} // namespace

Weights randomWeights(loom_dtype dtype, size_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Weights w{dtype, {}, {}, std::vector<double>(count)};
  switch (dtype) {
  case LOOM_DTYPE_F32:
    w.floats = randomFloats(count, seed);
    for (size_t i = 0; i < count; ++i)
      w.values[i] = w.floats[i];
    break;
  case LOOM_DTYPE_F16:
    // Exponents 0..15: subnormals through magnitudes just under 2.
    for (size_t i = 0; i < count; ++i) {
      uint16_t bits = uint16_t((rng() & 0x8000) | ((rng() % 16) << 10) | (rng() & 0x3FF));
      w.halves.push_back(bits);
      w.values[i] = halfValue(bits);
    }
    break;
  case LOOM_DTYPE_BF16:
    // Exponents 112..127: magnitudes 2^-15 through just under 2.
    for (size_t i = 0; i < count; ++i) {
      uint16_t bits = uint16_t((rng() & 0x8000) | ((112 + rng() % 16) << 7) | (rng() & 0x7F));
      w.halves.push_back(bits);
      w.values[i] = std::bit_cast<float>(uint32_t(bits) << 16);
    }
    break;
  default:
    ADD_FAILURE() << "randomWeights: unsupported dtype " << dtype;
  }
  return w;
}

void expectMatches(const std::vector<float> &got, const Reference &ref, double rtol, const std::string &what) {
  ASSERT_EQ(got.size(), ref.value.size()) << what;
  int reported = 0;
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    double error = std::abs(double(got[i]) - ref.value[i]);
    double allowed = rtol * ref.magnitude[i] + 1e-30;
    worst = std::max(worst, error / (ref.magnitude[i] + 1e-30));
    if (!(error <= allowed) && reported++ < 5)
      ADD_FAILURE() << what << ": element " << i << " is " << got[i] << ", expected " << ref.value[i]
                    << " (error " << error << ", allowed " << allowed << ")";
  }
  if (reported > 5)
    ADD_FAILURE() << what << ": " << reported << " mismatches in all, worst relative error " << worst;
}

} // namespace loom::test
