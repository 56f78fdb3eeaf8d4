//===- Norms.cpp - RMSNorm and LayerNorm over rows ------------------------===//
//
// Both normalize each row of x[rows, d] independently, in F32:
//   rms_norm:   y = x * rsqrt(mean(x^2) + eps) * (w + w_offset)
//   layer_norm: y = (x - mean) * rsqrt(var + eps) * w + b
// Optional operands (the RMSNorm weight, the LayerNorm bias) come with a
// has_* flag; when it is false the caller passes any one-element buffer.
// Row statistics are lane-parallel sums (LaneSum.h) of F32 terms accumulated
// in F64, as ggml does: the F64 sum of a row's F32 terms is (nearly always)
// exact whatever the order, so the statistic rounds to the F32 value llama.cpp
// computes. A 1-ulp difference in a norm's output can move a code of the next
// quantized product's activations, which shows in the logits of quantized
// models. LayerNorm takes the variance about the mean in a second pass instead
// of E[x^2] - E[x]^2, which cancels catastrophically for rows with a large mean.
//
//===----------------------------------------------------------------------===//

#include "LaneSum.h"
#include "GpuSchedule.h"
#include "ScheduleTarget.h"

using namespace Halide;

namespace loom::kernels {
namespace {

/// Partial sums per row statistic; rows per parallel task.
constexpr int kLanes = 16;
constexpr int kRowsPerTask = 8;

/// `v(clamp(i))`: reads of an optional operand stay inside its (possibly one-element) buffer.
Expr optionalAt(const GeneratorInput<Buffer<float, 1>> &v, const Expr &i) { return v(clamp(i, 0, v.dim(0).extent() - 1)); }

/// A row-wise schedule: rows in parallel tasks, each row's statistics (`stats`, then the per-row
/// values `perRow` derived from them) and then its outputs, vectorized.
void scheduleRows(const Target &target, Func y, std::vector<LaneSum> stats, std::vector<Func> perRow,
                  const Var &i, const Var &row, const Var &lane) {
  switch (scheduleFamily(target)) {
  case ScheduleFamily::X86Avx2:
  case ScheduleFamily::Arm64Neon: {
    Var task("task");
    y.split(row, task, row, kRowsPerTask, TailStrategy::GuardWithIf)
        .parallel(task)
        .vectorize(i, 8, TailStrategy::GuardWithIf);
    for (LaneSum &s : stats) {
      s.partial.compute_at(y, row).vectorize(lane);
      s.partial.update().vectorize(lane);
      s.tail.compute_at(y, row);
    }
    for (Func f : perRow)
      f.compute_at(y, row);
    break;
  }
  case ScheduleFamily::Gpu: {
    // A block per row (up to kGpuThreads elements of it): its lanes' partial sums in parallel, one thread
    // per lane, then the statistics once per block, in shared memory.
    Var rowLoop = gpuTileRows(y, i, row);
    for (LaneSum &s : stats) {
      s.partial.compute_at(y, rowLoop).gpu_threads(lane);
      s.partial.update().gpu_threads(lane);
      s.tail.compute_at(y, rowLoop);
    }
    for (Func f : perRow)
      f.compute_at(y, rowLoop);
    break;
  }
  }
}

class RmsNorm : public Generator<RmsNorm> {
public:
  Input<Buffer<float, 2>> x{"x"}; // [d, rows]
  Input<Buffer<float, 1>> w{"w"}; // [d]
  Input<bool> has_weight{"has_weight"};
  Input<float> eps{"eps"};
  Input<float> w_offset{"w_offset"};
  Output<Buffer<float, 2>> y{"y"};

  void generate() {
    Expr d = x.dim(0).extent();
    squares = laneSum("sum_sq", lane, {row}, d, kLanes,
                      [&](Expr k) { return cast<double>(x(k, row) * x(k, row)); });
    // strict: under fast-math LLVM may turn 1 / sqrt into an rsqrt estimate, an ulp or two off ggml's.
    invRms(row) = strict_float(1.0f / sqrt(cast<float>(squares.total / cast<double>(d)) + eps));
    Expr scale = select(has_weight, optionalAt(w, i) + w_offset, 1.0f);
    y(i, row) = x(i, row) * invRms(row) * scale;
  }

  void schedule() { scheduleRows(get_target(), y, {squares}, {invRms}, i, row, lane); }

private:
  Var i{"i"}, row{"row"}, lane{"lane"};
  LaneSum squares;
  Func invRms{"inv_rms"};
};

class LayerNorm : public Generator<LayerNorm> {
public:
  Input<Buffer<float, 2>> x{"x"}; // [d, rows]
  Input<Buffer<float, 1>> w{"w"}; // [d]
  Input<Buffer<float, 1>> b{"b"}; // [d]
  Input<bool> has_bias{"has_bias"};
  Input<float> eps{"eps"};
  Output<Buffer<float, 2>> y{"y"};

  void generate() {
    Expr d = x.dim(0).extent();
    sum = laneSum("sum", lane, {row}, d, kLanes, [&](Expr k) { return cast<double>(x(k, row)); });
    mean(row) = cast<float>(sum.total / cast<double>(d));
    squares = laneSum("sum_sq", lane, {row}, d, kLanes, [&](Expr k) {
      Expr centered = x(k, row) - mean(row);
      return cast<double>(centered * centered);
    });
    invStd(row) = strict_float(1.0f / sqrt(cast<float>(squares.total / cast<double>(d)) + eps));
    Expr shift = select(has_bias, optionalAt(b, i), 0.0f);
    y(i, row) = (x(i, row) - mean(row)) * invStd(row) * w(i) + shift;
  }

  void schedule() { scheduleRows(get_target(), y, {sum, squares}, {mean, invStd}, i, row, lane); }

private:
  Var i{"i"}, row{"row"}, lane{"lane"};
  LaneSum sum, squares;
  Func mean{"mean"}, invStd{"inv_std"};
};

} // namespace
} // namespace loom::kernels

HALIDE_REGISTER_GENERATOR(loom::kernels::RmsNorm, loom_rms_norm)
HALIDE_REGISTER_GENERATOR(loom::kernels::LayerNorm, loom_layer_norm)
