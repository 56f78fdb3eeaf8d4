//===- Elementwise.cpp - loom_k_swiglu, loom_k_geglu, loom_k_gelu, loom_k_add ===//

#include "HalideBuffers.h"
#include "RunPipeline.h"
#include "loom/Runtime/Kernels.h"

#include "loom_hl_add.h"
#include "loom_hl_geglu.h"
#include "loom_hl_gelu.h"
#include "loom_hl_swiglu.h"

using namespace loom::kernels;

namespace {

using BinaryPipeline = int (*)(halide_buffer_t *a, halide_buffer_t *b, halide_buffer_t *out);

void runBinary(const char *kernel, BinaryPipeline pipeline, const float *a, const float *b, int64_t count,
               float *out) {
  if (count == 0)
    return;
  auto aView = BufferView<1>::dense(a, kF32, {count}, kernel);
  auto bView = BufferView<1>::dense(b, kF32, {count}, kernel);
  auto outView = BufferView<1>::dense(out, kF32, {count}, kernel);
  runPipeline(kernel, pipeline, aView.get(), bView.get(), outView.get());
}

} // namespace

void loom_k_swiglu(const float *gate, const float *up, int64_t count, float *out) {
  runBinary("loom_k_swiglu", loom_hl_swiglu, gate, up, count, out);
}

void loom_k_geglu(const float *gate, const float *up, int64_t count, float *out) {
  runBinary("loom_k_geglu", loom_hl_geglu, gate, up, count, out);
}

void loom_k_add(const float *a, const float *b, int64_t count, float *out) {
  runBinary("loom_k_add", loom_hl_add, a, b, count, out);
}

void loom_k_gelu(const float *x, int64_t count, float *out) {
  constexpr const char *kernel = "loom_k_gelu";
  if (count == 0)
    return;
  auto xView = BufferView<1>::dense(x, kF32, {count}, kernel);
  auto outView = BufferView<1>::dense(out, kF32, {count}, kernel);
  runPipeline(kernel, loom_hl_gelu, xView.get(), outView.get());
}
