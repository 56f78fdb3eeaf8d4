//===- Softcap.cpp - loom_k_softcap ---------------------------------------===//
//
// Soft-capping of a few values per token (a router's logits, one per expert):
// too little work for a pipeline or threads. tanh is libm's, in float, as
// the references compute it in the activations' precision.
//
//===----------------------------------------------------------------------===//

#include "KernelErrors.h"
#include "loom/Runtime/Kernels.h"

#include <cmath>

void loom_k_softcap(const float *x, int64_t count, float cap, float *out) {
  if (count < 0 || !(cap > 0.0f))
    loom_kernel_fail("loom_k_softcap: invalid count=%lld cap=%g", static_cast<long long>(count), double(cap));
  for (int64_t i = 0; i < count; ++i)
    out[i] = cap * std::tanh(x[i] / cap);
}
