//===- Norms.cpp - loom_k_rms_norm, loom_k_layer_norm ---------------------===//

#include "HalideBuffers.h"
#include "KernelErrors.h"
#include "RunPipeline.h"
#include "WidenWeights.h"
#include "loom/Runtime/Kernels.h"

#include "loom_hl_layer_norm.h"
#include "loom_hl_rms_norm.h"

#include <vector>

using namespace loom::kernels;

namespace {

/// Stands in for an absent optional operand: the pipelines never read it, but need a valid buffer.
const float kUnused = 0.0f;

} // namespace

// A weightless RMSNorm (w == NULL) scales by 1: w_offset only shifts a weight that exists.
void loom_k_rms_norm(const float *x, int64_t rows, int64_t d, const loom_tensor *w, float eps, float w_offset,
                     float *y) {
  constexpr const char *kernel = "loom_k_rms_norm";
  if (rows == 0 || d == 0)
    return;
  std::vector<float> widened;
  const float *weight = w ? widenToF32(*w, d, widened, kernel, "the weight") : &kUnused;
  auto xView = BufferView<2>::dense(x, kF32, {d, rows}, kernel);
  auto wView = BufferView<1>::dense(weight, kF32, {w ? d : 1}, kernel);
  if (w && weight == w->data)
    wView.keepWeightsOnDevice();
  auto yView = BufferView<2>::dense(y, kF32, {d, rows}, kernel);
  runPipeline(kernel, loom_hl_rms_norm, xView.get(), wView.get(), w != nullptr, eps, w_offset, yView.get());
}

void loom_k_layer_norm(const float *x, int64_t rows, int64_t d, const loom_tensor *w, const loom_tensor *b,
                       float eps, float *y) {
  constexpr const char *kernel = "loom_k_layer_norm";
  if (rows == 0 || d == 0)
    return;
  if (!w)
    loom_kernel_fail("%s: the weight is NULL", kernel);
  std::vector<float> widenedWeight, widenedBias;
  const float *weight = widenToF32(*w, d, widenedWeight, kernel, "the weight");
  const float *bias = b ? widenToF32(*b, d, widenedBias, kernel, "the bias") : &kUnused;
  auto xView = BufferView<2>::dense(x, kF32, {d, rows}, kernel);
  auto wView = BufferView<1>::dense(weight, kF32, {d}, kernel);
  auto bView = BufferView<1>::dense(bias, kF32, {b ? d : 1}, kernel);
  if (weight == w->data)
    wView.keepWeightsOnDevice();
  if (b && bias == b->data)
    bView.keepWeightsOnDevice();
  auto yView = BufferView<2>::dense(y, kF32, {d, rows}, kernel);
  runPipeline(kernel, loom_hl_layer_norm, xView.get(), wView.get(), bView.get(), b != nullptr, eps, yView.get());
}
