//===- Support.cpp - loom_kernels_supports --------------------------------===//
//
// The weight dtypes loom_k_linear and loom_k_embedding accept (see their
// variantFor); a dtype added there is added here.
//
//===----------------------------------------------------------------------===//

#include "loom/Runtime/Kernels.h"

int32_t loom_kernels_supports(int64_t dtype) {
  switch (dtype) {
  case LOOM_DTYPE_F32:
  case LOOM_DTYPE_F16:
  case LOOM_DTYPE_BF16:
  case LOOM_DTYPE_Q8_0:
  case LOOM_DTYPE_Q4_0:
  case LOOM_DTYPE_Q4_1:
  case LOOM_DTYPE_Q4_K:
  case LOOM_DTYPE_Q6_K:
    return 1;
  default:
    return 0;
  }
}
