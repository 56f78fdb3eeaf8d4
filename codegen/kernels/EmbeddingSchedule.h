//===- EmbeddingSchedule.h - How an embedding lookup is scheduled -*- C++ -*-===//
//
// Embedding.cpp (float tables) and BlockEmbedding.cpp (ggml block tables)
// compute out(i, token) from row ids(token) of a table the same way around
// their decoding, so they share one schedule.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_CODEGEN_KERNELS_EMBEDDINGSCHEDULE_H
#define LOOM_CODEGEN_KERNELS_EMBEDDINGSCHEDULE_H

#include "GpuSchedule.h"
#include "ScheduleTarget.h"

#include "Halide.h"

namespace loom::kernels {

/// Schedules out(i, token) for `target`. On a GPU, a block per token row (unless the decoding needs F16,
/// `usesHalf`, which the target's device lacks). On a CPU, a row copy is a few KiB: tokens in tasks of 8,
/// so that a prefill chunk spreads over the cores.
inline void scheduleEmbeddingRows(Halide::Func out, const Halide::Var &i, const Halide::Var &token,
                                  const Halide::Target &target, bool usesHalf) {
  using namespace Halide;
  if (scheduleFamily(target) == ScheduleFamily::Gpu && gpuCanRun(target, usesHalf)) {
    gpuTileRows(out, i, token);
    return;
  }
  Var task("task");
  out.split(token, task, token, 8, TailStrategy::GuardWithIf)
      .parallel(task)
      .vectorize(i, 16, TailStrategy::GuardWithIf);
}

} // namespace loom::kernels

#endif // LOOM_CODEGEN_KERNELS_EMBEDDINGSCHEDULE_H
