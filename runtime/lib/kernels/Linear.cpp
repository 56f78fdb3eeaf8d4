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
#include "PackedRows.h"
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
#include "loom_hl_linear_gemm_q4_k.h"
#include "loom_hl_linear_gemm_q6_k.h"
#include "loom_hl_linear_gemv_q4_k.h"
#include "loom_hl_linear_gemv_q6_k.h"
#include "loom_hl_linear_gemm_q4_0_rows16.h"
#include "loom_hl_linear_gemv_q4_0_rows16.h"
#include "loom_hl_linear_gemm_q4_k_rows16.h"
#include "loom_hl_linear_gemm_q8_0_rows16.h"
#include "loom_hl_linear_gemm_q4_1_rows16.h"
#include "loom_hl_linear_gemv_q4_1_rows16.h"
#include "loom_hl_linear_gemv_q8_0_rows16.h"
#include "loom_hl_linear_gemv_q4_k_rows16.h"
#include "loom_hl_linear_gemm_q6_k_rows16.h"
#include "loom_hl_linear_gemv_q6_k_rows16.h"
#include "ProductRows.h"

#include <optional>

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
    loom_kernel_fail("loom_k_linear: weights of dtype %lld are not supported (F32, F16, BF16, Q8_0, Q4_0, "
                     "Q4_1, Q4_K and Q6_K are)",
                     static_cast<long long>(dtype));
  }
}

using BlockLinearPipeline = int (*)(halide_buffer_t *xq, halide_buffer_t *xd, halide_buffer_t *xs,
                                    halide_buffer_t *w, halide_buffer_t *bias, bool has_bias, halide_buffer_t *y);

/// How ggml quantizes x for a weight dtype's products.
enum class ActivationBlocks { Q8_0, Q8_1, Q8_K };

struct BlockLinearVariant {
  BlockLinearPipeline gemv, gemm;
  ActivationBlocks activations;
};

BlockLinearVariant blockVariantFor(int64_t dtype) {
  switch (dtype) {
  case LOOM_DTYPE_Q8_0:
    return {loom_hl_linear_gemv_q8_0, loom_hl_linear_gemm_q8_0, ActivationBlocks::Q8_0};
  case LOOM_DTYPE_Q4_0:
    return {loom_hl_linear_gemv_q4_0, loom_hl_linear_gemm_q4_0, ActivationBlocks::Q8_0};
  case LOOM_DTYPE_Q4_K:
    return {loom_hl_linear_gemv_q4_k, loom_hl_linear_gemm_q4_k, ActivationBlocks::Q8_K};
  case LOOM_DTYPE_Q6_K:
    return {loom_hl_linear_gemv_q6_k, loom_hl_linear_gemm_q6_k, ActivationBlocks::Q8_K};
  case LOOM_DTYPE_Q4_0_ROWS16:
    return {loom_hl_linear_gemv_q4_0_rows16, loom_hl_linear_gemm_q4_0_rows16, ActivationBlocks::Q8_0};
  case LOOM_DTYPE_Q4_1_ROWS16:
    return {loom_hl_linear_gemv_q4_1_rows16, loom_hl_linear_gemm_q4_1_rows16, ActivationBlocks::Q8_1};
  case LOOM_DTYPE_Q8_0_ROWS16:
    return {loom_hl_linear_gemv_q8_0_rows16, loom_hl_linear_gemm_q8_0_rows16, ActivationBlocks::Q8_0};
  case LOOM_DTYPE_Q4_K_ROWS16:
    return {loom_hl_linear_gemv_q4_k_rows16, loom_hl_linear_gemm_q4_k_rows16, ActivationBlocks::Q8_K};
  case LOOM_DTYPE_Q6_K_ROWS16:
    return {loom_hl_linear_gemv_q6_k_rows16, loom_hl_linear_gemm_q6_k_rows16, ActivationBlocks::Q8_K};
  default:
    return {loom_hl_linear_gemv_q4_1, loom_hl_linear_gemm_q4_1, ActivationBlocks::Q8_1};
  }
}

bool isPackedDtype(int64_t dtype) { return packedRowsFormat(dtype) != nullptr; }

bool isBlockDtype(int64_t dtype) { return blockShape(dtype).elems != 0 || isPackedDtype(dtype); }

/// The weights' bytes as the block pipelines take them: [rowBytes, n] blocks, or for weights packed at load
/// [groupBytes, n / 16] groups of rows (ProductRows.h).
BufferView<2> blockWeightsView(const loom_tensor *w, int64_t k, int64_t n, const char *kernel) {
  using loom::kernels::product_rows::kGroupRows;
  if (const PackedRowsFormat *packed = packedRowsFormat(w->dtype)) {
    if (k % packed->blockElems != 0 || n % kGroupRows != 0)
      loom_kernel_fail("%s: packed %s weights need k a multiple of %d and n of %d, got k = %lld, n = %lld",
                       kernel, packed->name, packed->blockElems, kGroupRows, static_cast<long long>(k),
                       static_cast<long long>(n));
    return BufferView<2>::dense(w->data, kU8, {k / packed->blockElems * packed->recordBytes, n / kGroupRows},
                                kernel);
  }
  BlockShape block = blockShape(w->dtype);
  if (k % block.elems != 0)
    loom_kernel_fail("%s: %s weights need k to be a multiple of %lld, got k = %lld", kernel,
                     blockDtypeName(w->dtype), static_cast<long long>(block.elems), static_cast<long long>(k));
  return BufferView<2>::dense(w->data, kU8, {k / block.elems * block.bytes, n}, kernel);
}

void blockLinear(const float *x, int64_t m, int64_t k, const loom_tensor *w, int64_t n, const loom_tensor *bias,
                 float *y, const char *kernel) {
  auto wView = blockWeightsView(w, k, n, kernel);
  wView.keepWeightsOnDevice();
  BlockLinearVariant variant = blockVariantFor(w->dtype);
  QuantizedRows xq = variant.activations == ActivationBlocks::Q8_K
                         ? quantizeRowsQ8K(x, m, k)
                         : quantizeRowsQ8(x, m, k, variant.activations == ActivationBlocks::Q8_1);

  // The pipelines see x as 32-element blocks whatever the weights' block size.
  int64_t xBlocks = k / kQ8BlockElems;
  auto codesView = BufferView<2>::dense(xq.codes, kI8, {k, m}, kernel);
  auto scalesView = BufferView<2>::dense(xq.scales, kF32, {xBlocks, m}, kernel);
  // Only the pipelines with offsets (Q4_1, Q4_K) read the sums; the others get the scales as a stand-in.
  auto sumsView = BufferView<2>::dense(xq.sums ? xq.sums : xq.scales, kF32, {xBlocks, m}, kernel);
  static const float noBias = 0.0f;
  auto biasView = BufferView<1>::dense(bias ? bias->data : &noBias, kF32, {bias ? n : 1}, kernel);
  biasView.keepWeightsOnDevice();
  auto yView = BufferView<2>::dense(y, kF32, {n, m}, kernel);
  // The products on packed rows hold only EVEX dot products (check-variant-instructions.sh).
  std::optional<EvexOnlyPipeline> evexOnly;
  if (isPackedDtype(w->dtype))
    evexOnly.emplace();
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
  if (isBlockDtype(w->dtype))
    return blockLinear(x, m, k, w, n, bias, y, kernel);
  LinearVariant variant = variantFor(w->dtype);

  auto xView = BufferView<2>::dense(x, kF32, {k, m}, kernel);
  auto wView = BufferView<2>::dense(w->data, variant.storage, {k, n}, kernel);
  wView.keepWeightsOnDevice();
  // Without a bias the pipeline reads nothing from it, but still needs a valid one-element buffer (a
  // constant, so it may stay on the device like a bias).
  static const float noBias = 0.0f;
  auto biasView = BufferView<1>::dense(bias ? bias->data : &noBias, kF32, {bias ? n : 1}, kernel);
  biasView.keepWeightsOnDevice();
  auto yView = BufferView<2>::dense(y, kF32, {n, m}, kernel);
  runPipeline(kernel, m <= kGemvMaxRows ? variant.gemv : variant.gemm, xView.get(), wView.get(), biasView.get(),
              bias != nullptr, yView.get());
}
