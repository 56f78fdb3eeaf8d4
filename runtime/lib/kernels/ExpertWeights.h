//===- ExpertWeights.h - One expert of a stacked expert weight --*- C++ -*-===//
//
// Experts are stacked in a weight's leading dimension ([E, rows, columns]) in
// whatever dtype the checkpoint gave; an expert's matrix is a contiguous run
// of whole rows, so it is a loom_tensor of its own and every product kernel
// takes it unchanged. Shared by the token-by-token and the grouped lowering
// so that both see the same bytes.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_KERNELS_EXPERTWEIGHTS_H
#define LOOM_RUNTIME_KERNELS_EXPERTWEIGHTS_H

#include "BlockWeights.h"
#include "KernelErrors.h"
#include "loom/Runtime/Tensor.h"

#include <cstdint>

namespace loom::kernels {

/// Bytes of one row of `columns` elements of `dtype`.
inline int64_t rowBytes(int64_t dtype, int64_t columns, const char *kernel) {
  switch (dtype) {
  case LOOM_DTYPE_F32:
    return columns * 4;
  case LOOM_DTYPE_F16:
  case LOOM_DTYPE_BF16:
    return columns * 2;
  default: {
    BlockShape block = blockShape(dtype);
    if (block.elems == 0 || columns % block.elems != 0)
      loom_kernel_fail("%s: expert weights of dtype %lld with rows of %lld elements are not supported", kernel,
                       static_cast<long long>(dtype), static_cast<long long>(columns));
    return columns / block.elems * block.bytes;
  }
  }
}

/// Expert `e`'s `[rows, columns]` matrix (or `[rows]` vector, columns = 1 for an F32 bias) of `stacked`.
inline loom_tensor expertSlice(const loom_tensor &stacked, int64_t e, int64_t rows, int64_t columns,
                               const char *kernel) {
  const auto *base = static_cast<const uint8_t *>(stacked.data);
  return loom_tensor{base + e * rows * rowBytes(stacked.dtype, columns, kernel), stacked.dtype};
}

/// `acc += weight * y` over `d` values: the one way both lowerings add an expert's output.
inline void accumulateWeighted(float *acc, const float *y, float weight, int64_t d) {
  for (int64_t i = 0; i < d; ++i)
    acc[i] += weight * y[i];
}

} // namespace loom::kernels

#endif // LOOM_RUNTIME_KERNELS_EXPERTWEIGHTS_H
