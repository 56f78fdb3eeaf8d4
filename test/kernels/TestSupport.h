//===- TestSupport.h - Inputs and comparisons for kernel tests -*- C++ -*-===//
#ifndef LOOM_TEST_KERNELS_TESTSUPPORT_H
#define LOOM_TEST_KERNELS_TESTSUPPORT_H

#include "Reference.h"

#include "loom/Runtime/Tensor.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace loom::test {

/// `count` floats uniform in [lo, hi) from `seed`.
std::vector<float> randomFloats(size_t count, uint64_t seed, float lo = -1.0f, float hi = 1.0f);

/// A weight tensor in some dtype, with the exact value of every element.
struct Weights {
  loom_dtype dtype;
  std::vector<uint16_t> halves; // F16 or BF16 bits
  std::vector<float> floats;    // F32 data
  std::vector<double> values;   // what each element means

  loom_tensor tensor() const {
    return {dtype == LOOM_DTYPE_F32 ? static_cast<const void *>(floats.data()) : halves.data(), dtype};
  }
};

/// `count` random elements of `dtype` (F32, F16 or BF16) with magnitudes up to about 2, including
/// F16 subnormals.
Weights randomWeights(loom_dtype dtype, size_t count, uint64_t seed);

/// Expects |got[i] - ref.value[i]| <= rtol * ref.magnitude[i] for every i (an absolute floor of
/// 1e-30 covers exact zeros); reports the first few mismatches under `what`.
void expectMatches(const std::vector<float> &got, const Reference &ref, double rtol, const std::string &what);

} // namespace loom::test

#endif // LOOM_TEST_KERNELS_TESTSUPPORT_H
