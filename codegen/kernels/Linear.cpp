//===- Linear.cpp - y = x . w^T (+ bias): GEMV and GEMM generators --------===//
//
// y[m, n] = sum_k x[m, k] * w[n, k] (+ bias[n]), w row-major [n, k] as in
// PyTorch's nn.Linear. Both operands are contiguous along k, so the inner
// product runs along k: each output keeps `lanes` partial sums, one per vector
// lane, that are added up once at the end of the row. That needs no packed or
// transposed copy of w, which is what lets the GEMV stream w exactly once.
//
// The `shape` parameter picks one of two schedules of the same algorithm:
//   gemv: a few rows of x (decode). Memory-bound: every weight row is read
//         once, by one thread, while all rows of x reuse it from L1.
//   gemm: many rows of x (prefill). Compute-bound: a register tile of
//         rows(x) x rows(w) dot products shares each vector load.
// The runtime picks the shape from m (runtime/lib/kernels/Linear.cpp).
//
//===----------------------------------------------------------------------===//

#include "LaneSum.h"
#include "ProductSchedule.h"
#include "GpuSchedule.h"
#include "ScheduleTarget.h"
#include "WeightFormat.h"

using namespace Halide;

namespace loom::kernels {
namespace {

/// Register tiling of one schedule family and shape.
struct LinearTiling {
  int lanes;       ///< partial sums per dot product (a multiple of the vector width)
  TileShape tiles; ///< w rows x x rows per register tile, w row tiles per parallel task
};

LinearTiling linearTiling(const Target &target, LinearShape shape) {
  switch (scheduleFamily(target)) {
  case ScheduleFamily::X86Avx2:
  case ScheduleFamily::Arm64Neon:
    // Both shapes keep one partial sum per vector lane (8, or 16 with AVX-512), so that a row of x gets the
    // same bits from either: incremental decode (gemv) then equals the batched prompt (gemm).
    // gemv: one w row at a time, so that each thread reads its rows as one sequential stream that the
    // hardware prefetchers follow across pages. Tiles of several rows (4 KiB apart at k = 1024) make as
    // many short streams and lost ~30% of the bandwidth. 64 rows per task keep the thread pool's per-task
    // cost far below the time to stream them. One accumulator chain per row is not the limit: 4 ymm of
    // partial sums (32 lanes) streamed no faster than one.
    // gemm: 3 x 3 ymm accumulators + 3 x loads + 3 w loads fit the 16 ymm registers (3 x 4 spills, at
    // half the speed); 8 w tiles per task keep a task's 24 w rows in L2 while it sweeps every row of x.
    // With AVX-512 the partial sums are zmm vectors, each FMA doing twice the work: 5 x 4 accumulators +
    // 5 w + 4 x loads fit the 32 zmm registers. m = 128, 1024 -> 3072 on Zen 5: 206 GFLOP/s with the ymm
    // tiles, 270-310 with 3 x 3 to 4 x 5 zmm tiles, 308 with these.
    if (target.has_feature(Target::AVX512))
      return {16, shape == LinearShape::Gemv ? TileShape{1, 1, 64} : TileShape{5, 4, 6}};
    if (shape == LinearShape::Gemv)
      return {8, {1, 1, 64}};
    return {8, {3, 3, 8}};
  case ScheduleFamily::Gpu:
    // The AVX2 lanes, so that a GPU computes what the baseline CPU variant computes; no register tiles.
    return {8, {1, 1, 1}};
  }
  return {8, {1, 1, 1}};
}

class Linear : public Generator<Linear> {
public:
  GeneratorParam<WeightFormat> weights{"weights", WeightFormat::F32, weightFormatNames()};
  GeneratorParam<LinearShape> shape{"shape", LinearShape::Gemv, linearShapeNames()};

  // Halide lists dimensions innermost first: x is [k, m], w is [k, n], y is [n, m].
  Input<Buffer<float, 2>> x{"x"};
  Input<Buffer<void, 2>> w{"w"};
  /// bias[n]; when has_bias is false the caller passes any one-element buffer, never read.
  Input<Buffer<float, 1>> bias{"bias"};
  Input<bool> has_bias{"has_bias"};
  Output<Buffer<float, 2>> y{"y"};

  void configure() { w.set_type(storageType(weights)); }

  void generate() {
    tiling = linearTiling(get_target(), shape);
    const int lanes = tiling.lanes;
    Expr k = x.dim(0).extent(), m = x.dim(1).extent(), n = w.dim(1).extent();

    // Register tiles overhang the last rows of x and w; they compute on clamped copies of the last
    // row, and the guarded stores of y drop those results.
    xRow(kk, mm) = x(kk, min(mm, m - 1));
    wRow(kk, nn) = widenToFloat(w(kk, min(nn, n - 1)), weights);

    dot = laneSum("dot", lane, {nn, mm}, k, lanes, [&](Expr i) { return xRow(i, mm) * wRow(i, nn); });
    Expr b = select(has_bias, bias(clamp(nn, 0, bias.dim(0).extent() - 1)), 0.0f);
    y(nn, mm) = dot.total + b;
  }

  void schedule() {
    switch (scheduleFamily(get_target())) {
    case ScheduleFamily::X86Avx2:
    case ScheduleFamily::Arm64Neon:
      return scheduleCpu();
    case ScheduleFamily::Gpu:
      if (!gpuCanRun(get_target(), weights == WeightFormat::F16))
        return scheduleCpu();
      return scheduleGpu();
    }
  }

private:
  Var kk{"k"}, nn{"n"}, mm{"m"}, lane{"lane"};
  Var task{"task"};
  LaneSum dot;
  LinearTiling tiling{};
  Func wRow{"w_row"}, xRow{"x_row"};

  /// On a GPU a thread computes one output, its lanes summed in the CPU's order (the same results).
  /// gemv: blocks of kGpuThreads outputs of one row of x; each thread streams its own row of w.
  /// gemm: blocks of kGpuTileW x kGpuTileX outputs that share their rows of w and x through shared memory:
  /// the k loop runs in steps of kGpuStep elements, each step loading a kGpuStep x kGpuTileW tile of w and a
  /// kGpuStep x kGpuTileX tile of x once, cooperatively, which every thread of the block then reads.
  void scheduleGpu() {
    Var nBlock("n_block"), mBlock("m_block"), nThread("n_thread"), mThread("m_thread");
    if (shape == LinearShape::Gemv) {
      y.split(nn, nBlock, nThread, kGpuThreads, TailStrategy::GuardWithIf)
          .reorder(nThread, nBlock, mm)
          .gpu_blocks(nBlock, mm)
          .gpu_threads(nThread);
      dot.partial.compute_at(y, nThread).unroll(lane);
      dot.partial.update().reorder(lane, dot.body).unroll(lane);
      dot.tail.compute_at(y, nThread);
      return;
    }
    constexpr int kGpuTileW = 32, kGpuTileX = 8, kGpuStep = 32;
    const int stepRows = kGpuStep / tiling.lanes; // rows of dot.body per step
    y.gpu_tile(nn, mm, nBlock, mBlock, nThread, mThread, kGpuTileW, kGpuTileX, TailStrategy::GuardWithIf);
    RVar step("k_step"), inStep("k_in_step");
    dot.partial.compute_at(y, nBlock).gpu_threads(nn, mm);
    dot.partial.update()
        .split(dot.body, step, inStep, stepRows, TailStrategy::GuardWithIf)
        .reorder(lane, inStep, nn, mm, step)
        .gpu_threads(nn, mm)
        .unroll(lane);
    Var kIn("k_in"), kOut("k_out"), nIn("n_in"), nOut("n_out");
    wRow.in(dot.partial)
        .compute_at(dot.partial, step)
        .store_in(MemoryType::GPUShared)
        .split(nn, nOut, nIn, kGpuTileX, TailStrategy::GuardWithIf)
        .reorder(kk, nIn, nOut)
        .gpu_threads(kk, nIn);
    xRow.in(dot.partial).compute_at(dot.partial, step).store_in(MemoryType::GPUShared).gpu_threads(kk, mm);
    dot.tail.compute_at(y, nThread);
  }

  /// Both shapes on a CPU: y is cut into register tiles of wRows x xRows outputs, whose partial sums
  /// live in registers while k streams by; tasks are runs of w row tiles, so that no two threads
  /// read the same weights.
  void scheduleCpu() {
    Var tileLoop = scheduleProductTiles(y, tiling.tiles, shape, nn, mm, task);
    // Tiles are always whole (the last one on clamped rows), so the accumulators have a constant
    // shape and constant indices, which is what lets LLVM keep them in registers.
    scheduleTileAccumulator(dot.partial, y, tileLoop, tiling.tiles, lane, nn, mm, dot.body);
    dot.tail.compute_at(y, tileLoop)
        .bound_extent(nn, tiling.tiles.wRows)
        .bound_extent(mm, tiling.tiles.xRows)
        .unroll(nn)
        .unroll(mm);
    dot.tail.update().reorder(nn, mm, dot.rest).unroll(nn).unroll(mm);
    // A GEMM task sweeps every row of x against its few w rows: widening those rows to F32 once per task
    // (a few dozen KiB, in L2) instead of once per register tile takes the conversion out of the inner
    // loop, where it cost more instructions than the FMAs it fed.
    if (shape == LinearShape::Gemm && weights != WeightFormat::F32)
      wRow.compute_at(y, task).vectorize(kk, 8, TailStrategy::GuardWithIf);
  }
};

} // namespace
} // namespace loom::kernels

HALIDE_REGISTER_GENERATOR(loom::kernels::Linear, loom_linear)
