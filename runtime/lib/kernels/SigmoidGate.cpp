//===- SigmoidGate.cpp - loom_k_sigmoid_gate -------------------------------===//
//
// One attention output per token (heads x value_dim floats) is gated: too
// little work for a pipeline or threads, and the compiler vectorizes the loop.
// The exponential is libm's expf: no GGUF model of the comparison with a gated
// output has a llama.cpp result to reproduce bit for bit.
//
//===----------------------------------------------------------------------===//

#include "KernelErrors.h"
#include "loom/Runtime/Kernels.h"

#include <cmath>

void loom_k_sigmoid_gate(const float *gate, const float *x, int64_t count, float *out) {
  if (count < 0)
    loom_kernel_fail("loom_k_sigmoid_gate: negative count %lld", static_cast<long long>(count));
  for (int64_t i = 0; i < count; ++i)
    out[i] = x[i] / (1.0f + std::exp(-gate[i]));
}
