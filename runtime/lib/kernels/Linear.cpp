//===- Linear.cpp - loom_k_linear -----------------------------------------===//
//
// Picks the pipeline by weight dtype and by m: up to kGemvMaxRows rows of x
// the GEMV schedule, which streams w once and is bound by memory bandwidth;
// beyond that the register-tiled GEMM, which reuses each w vector across rows
// of x (codegen/kernels/Linear.cpp). Weights in a ggml block format take the
// block pipelines on x quantized as llama.cpp does (codegen/kernels/
// BlockLinear.cpp).
//
//===----------------------------------------------------------------------===//

#include "BlockWeights.h"
#include "HalideBuffers.h"
#include "KernelErrors.h"
#include "QuantizeActivations.h"
#include "RunPipeline.h"
#include "loom/Runtime/Kernels.h"

#include "loom_hl_linear_gemm_bf16.h"
#include "loom_hl_linear_gemm_f16.h"
#include "loom_hl_linear_gemm_f32.h"
#include "loom_hl_linear_gemv_bf16.h"
#include "loom_hl_linear_gemv_f16.h"
#include "loom_hl_linear_gemv_f32.h"
#include "loom_hl_linear_gemm_q4_0.h"
#include "loom_hl_linear_gemm_q4_1.h"
#include "loom_hl_linear_gemm_q8_0.h"
#include "loom_hl_linear_gemv_q4_0.h"
#include "loom_hl_linear_gemv_q4_1.h"
#include "loom_hl_linear_gemv_q8_0.h"

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
    loom_kernel_fail("loom_k_linear: weights of dtype %lld are not supported (F32, F16, BF16, Q8_0, Q4_0 "
                     "and Q4_1 are)",
                     static_cast<long long>(dtype));
  }
}

using BlockLinearPipeline = int (*)(halide_buffer_t *xq, halide_buffer_t *xd, halide_buffer_t *xs,
                                    halide_buffer_t *w, halide_buffer_t *bias, bool has_bias, halide_buffer_t *y);

struct BlockLinearVariant {
  BlockLinearPipeline gemv, gemm;
  bool needsSums; ///< x blocks carry s = d * sum(q) (ggml's Q8_1)
};

BlockLinearVariant blockVariantFor(int64_t dtype) {
  switch (dtype) {
  case LOOM_DTYPE_Q8_0:
    return {loom_hl_linear_gemv_q8_0, loom_hl_linear_gemm_q8_0, false};
  case LOOM_DTYPE_Q4_0:
    return {loom_hl_linear_gemv_q4_0, loom_hl_linear_gemm_q4_0, false};
  default:
    return {loom_hl_linear_gemv_q4_1, loom_hl_linear_gemm_q4_1, true};
  }
}

void blockLinear(const float *x, int64_t m, int64_t k, const loom_tensor *w, int64_t n, const loom_tensor *bias,
                 float *y, const char *kernel) {
  BlockShape block = blockShape(w->dtype);
  if (k % block.elems != 0)
    loom_kernel_fail("%s: %s weights need k to be a multiple of %lld, got k = %lld", kernel,
                     blockDtypeName(w->dtype), static_cast<long long>(block.elems), static_cast<long long>(k));
  BlockLinearVariant variant = blockVariantFor(w->dtype);
  int64_t blocks = k / block.elems;
  QuantizedRows xq = quantizeRowsQ8(x, m, k, variant.needsSums);

  auto codesView = BufferView<2>::dense(xq.codes, kI8, {k, m}, kernel);
  auto scalesView = BufferView<2>::dense(xq.scales, kF32, {blocks, m}, kernel);
  // Only the Q4_1 pipeline reads the sums; the others get the scales as a same-shaped stand-in.
  auto sumsView = BufferView<2>::dense(xq.sums ? xq.sums : xq.scales, kF32, {blocks, m}, kernel);
  auto wView = BufferView<2>::dense(w->data, kU8, {blocks * block.bytes, n}, kernel);
  static const float noBias = 0.0f;
  auto biasView = BufferView<1>::dense(bias ? bias->data : &noBias, kF32, {bias ? n : 1}, kernel);
  auto yView = BufferView<2>::dense(y, kF32, {n, m}, kernel);
  runPipeline(kernel, m <= kGemvMaxRows ? variant.gemv : variant.gemm, codesView.get(), scalesView.get(),
              sumsView.get(), wView.get(), biasView.get(), bias != nullptr, yView.get());
}

} // namespace

void loom_k_linear(const float *x, int64_t m, int64_t k, const loom_tensor *w, int64_t n, const loom_tensor *bias,
                   float *y) {
  constexpr const char *kernel = "loom_k_linear";
  if (m == 0 || n == 0)
    return;
  if (!w)
    loom_kernel_fail("%s: weight tensor is NULL", kernel);
  if (bias && bias->dtype != LOOM_DTYPE_F32)
    loom_kernel_fail("%s: bias of dtype %lld is not supported (F32 is)", kernel,
                     static_cast<long long>(bias->dtype));
  if (blockShape(w->dtype).elems != 0)
    return blockLinear(x, m, k, w, n, bias, y, kernel);
  LinearVariant variant = variantFor(w->dtype);

  auto xView = BufferView<2>::dense(x, kF32, {k, m}, kernel);
  auto wView = BufferView<2>::dense(w->data, variant.storage, {k, n}, kernel);
  // Without a bias the pipeline reads nothing from it, but still needs a valid one-element buffer.
  static const float noBias = 0.0f;
  auto biasView = BufferView<1>::dense(bias ? bias->data : &noBias, kF32, {bias ? n : 1}, kernel);
  auto yView = BufferView<2>::dense(y, kF32, {n, m}, kernel);
  runPipeline(kernel, m <= kGemvMaxRows ? variant.gemv : variant.gemm, xView.get(), wView.get(), biasView.get(),
              bias != nullptr, yView.get());
}
