//===- BlockWeights.h - ggml block dtypes the kernels take -----*- C++ -*-===//
#ifndef LOOM_RUNTIME_KERNELS_BLOCKWEIGHTS_H
#define LOOM_RUNTIME_KERNELS_BLOCKWEIGHTS_H

#include "loom/Runtime/Tensor.h"

#include <cstdint>

namespace loom::kernels {

/// Elements and bytes of one encoded block of a ggml block dtype (a k-quant's 256-element super-block);
/// {0, 0} for any other dtype.
struct BlockShape {
  int64_t elems, bytes;
};

inline BlockShape blockShape(int64_t dtype) {
  switch (dtype) {
  case LOOM_DTYPE_Q8_0:
    return {32, 34};
  case LOOM_DTYPE_Q4_0:
    return {32, 18};
  case LOOM_DTYPE_Q4_1:
    return {32, 20};
  case LOOM_DTYPE_Q4_K:
    return {256, 144};
  case LOOM_DTYPE_Q6_K:
    return {256, 210};
  default:
    return {0, 0};
  }
}

/// The name of a block dtype, for messages.
inline const char *blockDtypeName(int64_t dtype) {
  switch (dtype) {
  case LOOM_DTYPE_Q8_0:
    return "Q8_0";
  case LOOM_DTYPE_Q4_0:
    return "Q4_0";
  case LOOM_DTYPE_Q4_1:
    return "Q4_1";
  case LOOM_DTYPE_Q4_K:
    return "Q4_K";
  case LOOM_DTYPE_Q6_K:
    return "Q6_K";
  default:
    return "?";
  }
}

} // namespace loom::kernels

#endif // LOOM_RUNTIME_KERNELS_BLOCKWEIGHTS_H
