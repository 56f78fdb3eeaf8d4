//===- Scale.cpp - loom_k_scale -------------------------------------------===//
//
// Multiplication by a constant (MiMo-V2-Flash's attention values, a few
// thousand per token): one multiply per value, memory-bound and too little
// work for threads.
//
//===----------------------------------------------------------------------===//

#include "KernelErrors.h"
#include "loom/Runtime/Kernels.h"

#include <cmath>

void loom_k_scale(const float *x, int64_t count, float factor, float *out) {
  if (count < 0 || !std::isfinite(factor))
    loom_kernel_fail("loom_k_scale: invalid count=%lld factor=%g", static_cast<long long>(count), double(factor));
  for (int64_t i = 0; i < count; ++i)
    out[i] = x[i] * factor;
}
