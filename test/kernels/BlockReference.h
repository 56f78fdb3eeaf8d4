//===- BlockReference.h - ggml block formats, straightforwardly -*- C++ -*-===//
//
// Test data and references for the Q8_0, Q4_0 and Q4_1 kernels, written from
// ggml's definitions independently of the kernel library: random blocks,
// their exact values, and the product llama.cpp computes (x quantized to
// Q8_0/Q8_1 blocks with F16 scales, integer dot products per block).
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TEST_KERNELS_BLOCKREFERENCE_H
#define LOOM_TEST_KERNELS_BLOCKREFERENCE_H

#include "Reference.h"

#include "loom/Runtime/Tensor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace loom::test {

/// A matrix [rows, k] of a block dtype: its bytes and the exact value of every element.
struct BlockMatrix {
  loom_dtype dtype;
  std::vector<uint8_t> bytes;
  std::vector<double> values;
  loom_tensor tensor() const { return {bytes.data(), dtype}; }
};

int64_t blockElems(loom_dtype dtype);
int64_t blockBytes(loom_dtype dtype);
std::string dtypeName(loom_dtype dtype);

/// Random codes with random F16 scales (and offsets) of magnitudes around 1 / 64, like trained weights.
BlockMatrix randomBlocks(loom_dtype dtype, int64_t rows, int64_t k, uint64_t seed);

/// The exact values of `rows` rows of k elements stored as `bytes`.
std::vector<double> dequantizeBlocks(loom_dtype dtype, const uint8_t *bytes, int64_t rows, int64_t k);

/// y = x . w^T (+ bias) as ggml computes it for w's dtype: each row of x quantized to 8-bit blocks of 32
/// (round to nearest even, F16 scale d = amax / 127; Q4_1 adds s = F16(d * sum(q))), then per block
/// dw * dx * sum(qw * qx) (+ mw * sx), summed exactly.
Reference blockLinear(const std::vector<float> &x, int64_t m, int64_t k, const BlockMatrix &w, int64_t n,
                      const std::vector<float> *bias);

} // namespace loom::test

#endif // LOOM_TEST_KERNELS_BLOCKREFERENCE_H
