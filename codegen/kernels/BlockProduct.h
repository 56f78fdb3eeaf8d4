//===- BlockProduct.h - What the block-weight products share ----*- C++ -*-===//
//
// BlockLinear.cpp (32-element blocks) and KQuantLinear.cpp (256-element
// super-blocks) compute y = x . w^T the same way around their inner sums:
// the same tile sizes (scheduled as ProductSchedule.h does), integer
// products of 8-bit codes, and float lanes added in ggml's order.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_CODEGEN_KERNELS_BLOCKPRODUCT_H
#define LOOM_CODEGEN_KERNELS_BLOCKPRODUCT_H

#include "BlockFormat.h"
#include "GpuSchedule.h"
#include "ProductSchedule.h"
#include "ScheduleTarget.h"

#include "Halide.h"

namespace loom::kernels {

/// Float lanes of a product; lane l takes elements 4l .. 4l + 3 of every 32-element block.
constexpr int kProductLanes = 8;

inline TileShape productTiling(ScheduleFamily family, LinearShape shape) {
  switch (family) {
  case ScheduleFamily::X86Avx2:
  case ScheduleFamily::Arm64Neon:
  case ScheduleFamily::Gpu: // the GPU schedules take a thread per output instead (gpuThreadPerOutput)
    // As Linear.cpp: gemv reads each w row as one sequential stream (two or four rows at once measured
    // slower); gemm shares each decoded w block and each x block across a 3 x 3 register tile.
    if (shape == LinearShape::Gemv)
      return {1, 1, 64};
    return {3, 3, 8};
  }
  return {1, 1, 1};
}

/// The lanes of partial(lane, n, m) added in the order of ggml's hsum_float_8 (halves, then quarters, then
/// the last pair), so that equal lane sums give equal results.
inline Halide::Expr ggmlLaneSum(const Halide::Func &partial, const Halide::Var &n, const Halide::Var &m) {
  static_assert(kProductLanes == 8, "ggml's horizontal sum is over 8 lanes");
  auto at = [&](int l) { return partial(l, n, m); };
  return ((at(0) + at(4)) + (at(2) + at(6))) + ((at(1) + at(5)) + (at(3) + at(7)));
}

/// w * x as int32, for a weight code w (int16 holding an 8-bit value) and an activation code x (int8, never
/// -128: ggml's quantization gives -127..127). With 8-bit dot products (vpdpbusd: unsigned by signed bytes)
/// unsigned codes go in as they are and signed ones as |w| and x with w's sign, as ggml's AVX-512 products
/// do; with AArch64's (sdot: signed by signed bytes) both as signed bytes; otherwise as 16-bit products
/// (vpmaddwd, smlal). Integer sums are exact, so every route gives the same result.
inline Halide::Expr int8Product(const Halide::Target &target, BlockFormat format, const Halide::Expr &w,
                                const Halide::Expr &x) {
  using namespace Halide;
  // Every format's codes fit in a signed byte, and sdot multiplies signed bytes.
  if (hasArmDotProduct(target))
    return cast<int32_t>(cast<int8_t>(w)) * cast<int32_t>(x);
  if (!hasInt8DotProduct(target))
    return cast<int32_t>(w) * cast<int32_t>(cast<int16_t>(x));
  if (format == BlockFormat::Q4_1 || format == BlockFormat::Q4_K) // codes 0..15
    return cast<int32_t>(cast<uint8_t>(w)) * cast<int32_t>(x);
  Expr w8 = cast<int8_t>(w);
  return cast<int32_t>(cast<uint8_t>(abs(w8))) * cast<int32_t>(select(w8 < 0, -x, x));
}

} // namespace loom::kernels

#endif // LOOM_CODEGEN_KERNELS_BLOCKPRODUCT_H
