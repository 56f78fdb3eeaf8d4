//===- SwigluOai.cpp - loom_k_swiglu_oai ----------------------------------===//
//
// gpt-oss's clamped SwiGLU over the grouped experts' rows. A plain loop over
// the element formula loom_k_experts uses (SwigluOai.h), not a pipeline of its
// own: a second implementation could round differently, and the grouped form
// must give the token-by-token one's results.
//
//===----------------------------------------------------------------------===//

#include "KernelErrors.h"
#include "SwigluOai.h"
#include "loom/Runtime/Kernels.h"

#include <cmath>

void loom_k_swiglu_oai(const float *gate, const float *up, int64_t count, float alpha, float limit, float *out) {
  if (count < 0 || !(alpha > 0.0f) || !std::isfinite(alpha) || !(limit > 0.0f) || !std::isfinite(limit))
    loom_kernel_fail("loom_k_swiglu_oai: invalid count=%lld alpha=%g limit=%g", static_cast<long long>(count),
                     double(alpha), double(limit));
  for (int64_t i = 0; i < count; ++i)
    out[i] = loom::kernels::swigluOai(gate[i], up[i], alpha, limit);
}
