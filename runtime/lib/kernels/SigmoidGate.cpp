//===- SigmoidGate.cpp - loom_k_sigmoid_gate -------------------------------===//
//
// One attention output per token (heads x value_dim floats), or one shared
// expert's output row by a single gate value, is gated: too little work for a
// pipeline or threads, and the compiler vectorizes the loops.
// The exponential is libm's expf: no GGUF model of the comparison with a gated
// output has a llama.cpp result to reproduce bit for bit.
//
//===----------------------------------------------------------------------===//

#include "KernelErrors.h"
#include "loom/Runtime/Kernels.h"

#include <cmath>

void loom_k_sigmoid_gate(const float *gate, const float *x, int64_t count, int64_t width, int64_t gate_width,
                         float *out) {
  if (count < 0 || width <= 0 || count % width != 0 || (gate_width != width && gate_width != 1))
    loom_kernel_fail("loom_k_sigmoid_gate: invalid sizes count=%lld width=%lld gate_width=%lld",
                     static_cast<long long>(count), static_cast<long long>(width), static_cast<long long>(gate_width));
  if (gate_width == width) {
    for (int64_t i = 0; i < count; ++i)
      out[i] = x[i] / (1.0f + std::exp(-gate[i]));
    return;
  }
  for (int64_t row = 0; row < count / width; ++row) {
    const float g = 1.0f / (1.0f + std::exp(-gate[row]));
    for (int64_t j = 0; j < width; ++j)
      out[row * width + j] = x[row * width + j] * g;
  }
}
