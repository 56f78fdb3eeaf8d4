//===- BlockProduct.h - What the block-weight products share ----*- C++ -*-===//
//
// BlockLinear.cpp (32-element blocks) and KQuantLinear.cpp (256-element
// super-blocks) compute y = x . w^T the same way around their inner sums:
// the same register tiles and tasks, integer products of 8-bit codes, and
// float lanes added in ggml's order.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_CODEGEN_KERNELS_BLOCKPRODUCT_H
#define LOOM_CODEGEN_KERNELS_BLOCKPRODUCT_H

#include "BlockFormat.h"
#include "ScheduleTarget.h"

#include "Halide.h"

#include <map>
#include <string>

namespace loom::kernels {

enum class LinearShape { Gemv, Gemm };

inline const std::map<std::string, LinearShape> &linearShapeNames() {
  static const std::map<std::string, LinearShape> names{{"gemv", LinearShape::Gemv}, {"gemm", LinearShape::Gemm}};
  return names;
}

/// Float lanes of a product; lane l takes elements 4l .. 4l + 3 of every 32-element block.
constexpr int kProductLanes = 8;

struct ProductTiling {
  int wRows, xRows, tilesPerTask;
};

inline ProductTiling productTiling(ScheduleFamily family, LinearShape shape) {
  switch (family) {
  case ScheduleFamily::X86Avx2:
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
/// do; otherwise as 16-bit products (vpmaddwd). Integer sums are exact, so both give the same result.
inline Halide::Expr int8Product(const Halide::Target &target, BlockFormat format, const Halide::Expr &w,
                                const Halide::Expr &x) {
  using namespace Halide;
  if (!hasInt8DotProduct(target))
    return cast<int32_t>(w) * cast<int32_t>(cast<int16_t>(x));
  if (format == BlockFormat::Q4_1 || format == BlockFormat::Q4_K) // codes 0..15
    return cast<int32_t>(cast<uint8_t>(w)) * cast<int32_t>(x);
  Expr w8 = cast<int8_t>(w);
  return cast<int32_t>(cast<uint8_t>(abs(w8))) * cast<int32_t>(select(w8 < 0, -x, x));
}

/// The output's loops: register tiles of tiling.wRows x tiling.xRows outputs, tasks of tilesPerTask tiles
/// in parallel (GEMV: tiles along n, one row of x at a time). Returns the loop the tiles' registers live in.
inline Halide::Var scheduleProductTiles(Halide::Func y, const ProductTiling &tiling, LinearShape shape,
                                        const Halide::Var &n, const Halide::Var &m, const Halide::Var &task) {
  using namespace Halide;
  Var nTile("n_tile"), nIn("n_in"), mTile("m_tile"), mIn("m_in");
  y.split(n, nTile, nIn, tiling.wRows, TailStrategy::GuardWithIf)
      .split(m, mTile, mIn, tiling.xRows, TailStrategy::GuardWithIf)
      .split(nTile, task, nTile, tiling.tilesPerTask, TailStrategy::GuardWithIf)
      .reorder(nIn, mIn, nTile, mTile, task)
      .unroll(nIn)
      .unroll(mIn)
      .parallel(task);
  if (shape == LinearShape::Gemv) {
    y.reorder(nIn, mIn, mTile, nTile, task);
    return mTile;
  }
  return nTile;
}

/// A per-tile accumulator f(vectorLane, n, m) in registers, updated over `over` with the lanes vectorized.
inline void scheduleTileAccumulator(Halide::Func f, Halide::Func y, const Halide::Var &tileLoop,
                                    const ProductTiling &tiling, const Halide::Var &vectorLane,
                                    const Halide::Var &n, const Halide::Var &m, const Halide::RDom &over) {
  using namespace Halide;
  f.compute_at(y, tileLoop)
      .bound_extent(n, tiling.wRows)
      .bound_extent(m, tiling.xRows)
      .store_in(MemoryType::Register)
      .vectorize(vectorLane)
      .unroll(n)
      .unroll(m);
  f.update().reorder(vectorLane, n, m, over).vectorize(vectorLane).unroll(n).unroll(m);
}

} // namespace loom::kernels

#endif // LOOM_CODEGEN_KERNELS_BLOCKPRODUCT_H
