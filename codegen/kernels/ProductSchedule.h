//===- ProductSchedule.h - How every product y = x . w^T is scheduled -*- C++ -*-===//
//
// Linear.cpp (float weights) and the block products (BlockProduct.h) cut y
// into the same register tiles and tasks and keep each tile's accumulators in
// registers; only the tile sizes and what is accumulated differ.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_CODEGEN_KERNELS_PRODUCTSCHEDULE_H
#define LOOM_CODEGEN_KERNELS_PRODUCTSCHEDULE_H

#include "Halide.h"

#include <map>
#include <string>

namespace loom::kernels {

enum class LinearShape { Gemv, Gemm };

inline const std::map<std::string, LinearShape> &linearShapeNames() {
  static const std::map<std::string, LinearShape> names{{"gemv", LinearShape::Gemv}, {"gemm", LinearShape::Gemm}};
  return names;
}

/// Register tiles of wRows x xRows outputs, tilesPerTask tiles per parallel task.
struct TileShape {
  int wRows, xRows, tilesPerTask;
};

/// The output's loops: register tiles of tiling.wRows x tiling.xRows outputs, tasks of tilesPerTask tiles
/// in parallel (GEMV: tiles along n, one row of x at a time). Returns the loop the tiles' registers live in.
inline Halide::Var scheduleProductTiles(Halide::Func y, const TileShape &tiling, LinearShape shape,
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
    // Sweep the few rows of x inside each w tile so that the tile is fetched from memory once.
    y.reorder(nIn, mIn, mTile, nTile, task);
    return mTile;
  }
  return nTile;
}

/// GEMV: fetch the weight rows `kWeightPrefetchTiles` tiles ahead of the one being summed. A task streams
/// its rows in order, but a row's loop carries one accumulator chain, which keeps too few loads in flight
/// for the hardware prefetchers alone (1024 x 3072: Q4_0 111 -> 90 us, Q8_0 111 -> 97 us, Q4_K 106 -> 73 us).
/// The float GEMV (Linear.cpp) keeps more loads in flight and ran slower with it (F32 291 -> 331 us).
template <typename Weights>
void prefetchWeightTiles(Halide::Func y, const Weights &w, LinearShape shape) {
  constexpr int kWeightPrefetchTiles = 8;
  if (shape == LinearShape::Gemv)
    y.prefetch(w, Halide::Var("n_tile"), kWeightPrefetchTiles);
}

/// A per-tile accumulator f(vectorLane, n, m) in registers, updated over `over` with the lanes vectorized.
inline void scheduleTileAccumulator(Halide::Func f, Halide::Func y, const Halide::Var &tileLoop,
                                    const TileShape &tiling, const Halide::Var &vectorLane,
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

#endif // LOOM_CODEGEN_KERNELS_PRODUCTSCHEDULE_H
