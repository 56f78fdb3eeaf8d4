//===- Linear.cpp - loom_k_linear -----------------------------------------===//
//
// Picks the pipeline by weight dtype and by m: up to kGemvMaxRows rows of x
// the GEMV schedule, which streams w once and is bound by memory bandwidth;
// beyond that the register-tiled GEMM, which reuses each w vector across rows
// of x (codegen/kernels/Linear.cpp).
//
//===----------------------------------------------------------------------===//

#include "HalideBuffers.h"
#include "KernelErrors.h"
#include "RunPipeline.h"
#include "loom/Runtime/Kernels.h"

#include "loom_hl_linear_gemm_bf16.h"
#include "loom_hl_linear_gemm_f16.h"
#include "loom_hl_linear_gemm_f32.h"
#include "loom_hl_linear_gemv_bf16.h"
#include "loom_hl_linear_gemv_f16.h"
#include "loom_hl_linear_gemv_f32.h"

using namespace loom::kernels;

namespace {

using LinearPipeline = int (*)(halide_buffer_t *x, halide_buffer_t *w, halide_buffer_t *bias, bool has_bias,
                               halide_buffer_t *y);

struct LinearVariant {
  halide_type_t storage;
  LinearPipeline gemv, gemm;
};

/// Rows of x up to which streaming w once beats register tiling; measured with loom-bench-kernels.
constexpr int64_t kGemvMaxRows = 4;

LinearVariant variantFor(int64_t dtype) {
  switch (dtype) {
  case LOOM_DTYPE_F32:
    return {kF32, loom_hl_linear_gemv_f32, loom_hl_linear_gemm_f32};
  case LOOM_DTYPE_F16:
    return {kF16, loom_hl_linear_gemv_f16, loom_hl_linear_gemm_f16};
  case LOOM_DTYPE_BF16:
    return {kU16, loom_hl_linear_gemv_bf16, loom_hl_linear_gemm_bf16};
  default:
    loom_kernel_fail("loom_k_linear: weights of dtype %lld are not supported (F32, F16 and BF16 are)",
                     static_cast<long long>(dtype));
  }
}

} // namespace

void loom_k_linear(const float *x, int64_t m, int64_t k, const loom_tensor *w, int64_t n, const loom_tensor *bias,
                   float *y) {
  constexpr const char *kernel = "loom_k_linear";
  if (m == 0 || n == 0)
    return;
  if (!w)
    loom_kernel_fail("%s: weight tensor is NULL", kernel);
  LinearVariant variant = variantFor(w->dtype);
  if (bias && bias->dtype != LOOM_DTYPE_F32)
    loom_kernel_fail("%s: bias of dtype %lld is not supported (F32 is)", kernel,
                     static_cast<long long>(bias->dtype));

  auto xView = BufferView<2>::dense(x, kF32, {k, m}, kernel);
  auto wView = BufferView<2>::dense(w->data, variant.storage, {k, n}, kernel);
  // Without a bias the pipeline reads nothing from it, but still needs a valid one-element buffer.
  static const float noBias = 0.0f;
  auto biasView = BufferView<1>::dense(bias ? bias->data : &noBias, kF32, {bias ? n : 1}, kernel);
  auto yView = BufferView<2>::dense(y, kF32, {n, m}, kernel);
  runPipeline(kernel, m <= kGemvMaxRows ? variant.gemv : variant.gemm, xView.get(), wView.get(), biasView.get(),
              bias != nullptr, yView.get());
}
