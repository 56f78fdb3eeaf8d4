//===- GpuSchedule.h - What the GPU schedules share ---------------*- C++ -*-===//
//
// ScheduleFamily::Gpu (cuda, opencl): a kernel's output is cut into thread blocks, and
// the stages that feed one output (lane sums, tables) are computed by the
// thread that needs them or, when all threads of a block share them, once per
// block in shared memory.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_CODEGEN_KERNELS_GPUSCHEDULE_H
#define LOOM_CODEGEN_KERNELS_GPUSCHEDULE_H

#include "Halide.h"

namespace loom::kernels {

/// Threads per block along an output's innermost dimension: a multiple of the 32-thread warp, so that a
/// warp's loads and stores of consecutive elements coalesce into whole cache lines.
constexpr int kGpuThreads = 128;

/// A flat output: blocks of kGpuThreads consecutive elements, one per thread.
inline void gpuTileFlat(Halide::Func f, const Halide::Var &x) {
  Halide::Var block("gpu_block"), thread("gpu_thread");
  f.gpu_tile(x, block, thread, kGpuThreads, Halide::TailStrategy::GuardWithIf);
}

/// An output of rows: a block per row (and per kGpuThreads elements of it), one element per thread. Returns
/// the row loop, where per-row stages (a norm's statistics, a token's table) are computed once per block.
inline Halide::Var gpuTileRows(Halide::Func f, const Halide::Var &x, const Halide::Var &row) {
  Halide::Var xBlock("x_block"), thread("gpu_thread");
  f.split(x, xBlock, thread, kGpuThreads, Halide::TailStrategy::GuardWithIf)
      .reorder(thread, xBlock, row)
      .gpu_blocks(xBlock, row)
      .gpu_threads(thread);
  return xBlock;
}

/// A product y(n, m) with a thread per output: blocks of kGpuThreads rows of w per row of x. Returns the thread
/// loop, where the output's accumulators live (in registers). The threads of a warp read different rows of w,
/// so the loads do not coalesce: a first schedule for the block-format products, not a fast one.
inline Halide::Var gpuThreadPerOutput(Halide::Func y, const Halide::Var &n, const Halide::Var &m) {
  Halide::Var nBlock("n_block"), thread("gpu_thread");
  y.split(n, nBlock, thread, kGpuThreads, Halide::TailStrategy::GuardWithIf)
      .reorder(thread, nBlock, m)
      .gpu_blocks(nBlock, m)
      .gpu_threads(thread);
  return thread;
}

} // namespace loom::kernels

#endif // LOOM_CODEGEN_KERNELS_GPUSCHEDULE_H
