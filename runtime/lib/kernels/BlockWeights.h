//===- BlockWeights.h - ggml block dtypes the kernels take -----*- C++ -*-===//
#ifndef LOOM_RUNTIME_KERNELS_BLOCKWEIGHTS_H
#define LOOM_RUNTIME_KERNELS_BLOCKWEIGHTS_H

#include "loom/Runtime/Tensor.h"

#include <cstdint>

namespace loom::kernels {

/// Elements and bytes of one block of a ggml block dtype; {0, 0} for any other dtype.
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
  default:
    return "?";
  }
}

} // namespace loom::kernels

#endif // LOOM_RUNTIME_KERNELS_BLOCKWEIGHTS_H
