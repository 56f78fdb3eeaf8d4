//===- FuzzKernels.cpp - The kernel-library query the loader makes --------===//
#include "loom/Runtime/Kernels.h"

/// The dtypes the loader may keep as they are (Q8_0 too, to reach that path).
extern "C" int32_t loom_kernels_supports(int64_t dtype) {
  return dtype == LOOM_DTYPE_F32 || dtype == LOOM_DTYPE_F16 || dtype == LOOM_DTYPE_BF16 || dtype == LOOM_DTYPE_Q8_0;
}
