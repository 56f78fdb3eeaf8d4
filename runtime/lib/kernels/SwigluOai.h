//===- SwigluOai.h - gpt-oss's clamped SwiGLU, one element ----*- C++ -*-===//
//
// The one definition of gpt-oss's activation, shared by loom_k_experts (token
// by token) and loom_k_swiglu_oai (the grouped form's elementwise op), so that
// the two lowerings of the same experts cannot drift apart. The exponential is
// libm's expf, as the token-by-token kernel has always computed it.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_KERNELS_SWIGLUOAI_H
#define LOOM_RUNTIME_KERNELS_SWIGLUOAI_H

#include <algorithm>
#include <cmath>

namespace loom::kernels {

/// (clamp(up, -limit, limit) + 1) * g * sigmoid(alpha * g), g = min(gate, limit).
inline float swigluOai(float gate, float up, float alpha, float limit) {
  const float g = std::min(gate, limit);
  const float u = std::clamp(up, -limit, limit);
  return (u + 1.0f) * (g / (1.0f + std::exp(-alpha * g)));
}

} // namespace loom::kernels

#endif // LOOM_RUNTIME_KERNELS_SWIGLUOAI_H
