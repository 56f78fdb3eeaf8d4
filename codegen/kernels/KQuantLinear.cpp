//===- KQuantLinear.cpp - y = x . w^T (+ bias) with k-quant weights -------===//
//
// Q4_K and Q6_K products as ggml computes them (ggml_vec_dot_q4_K_q8_K and
// _q6_K_q8_K, AVX2): x is quantized per 256 elements as Q8_K (runtime/lib/
// kernels/QuantizeActivations.cpp), and each super-block of 256 contributes
//   q4_k:  d * dx * sum_sub sc_sub * dot_sub  -  dmin * dx * sum_sub mn_sub * sum(qx)_sub
//   q6_k:  d * dx * sum_{16 elements} sc * dot
// with the whole inner sum in integers: one float multiply-add per lane and
// super-block, where the 32-element view of BlockLinear.cpp pays a float
// multiply-add and a scale decode per 32 elements.
//
// The arithmetic is ggml's: lane l of 8 holds the integer sum of elements
// 4l .. 4l + 3 of every sub-block times their scales, accumulated in float as
// acc_l += (dx * d) * sumi_l, the lanes added as hsum_float_8; Q4_K's min
// terms in 4 lanes of their own (lane q: sub-blocks 2q and 2q + 1), added as
// ggml adds them, (m0 + m2) + (m1 + m3), after the lanes. Integer sums are
// exact however they are computed (vpdpbusd in the AVX-512 variant).
//
//===----------------------------------------------------------------------===//

#include "BlockProduct.h"

using namespace Halide;

namespace loom::kernels {
namespace {

constexpr int kLanes = kProductLanes;
constexpr int kElemsPerLane = kBlockElems / kLanes;

class KQuantLinear : public Generator<KQuantLinear> {
public:
  GeneratorParam<BlockFormat> weights{"weights", BlockFormat::Q4_K, blockFormatNames()};
  GeneratorParam<LinearShape> shape{"shape", LinearShape::Gemv, linearShapeNames()};

  // The inputs of BlockLinear.cpp, so that the runtime calls both alike. k is a multiple of 256.
  Input<Buffer<int8_t, 2>> xq{"xq"}; ///< [k, m] activation codes
  Input<Buffer<float, 2>> xd{"xd"};  ///< [k / 32, m] the super-block's scale, repeated per 32
  Input<Buffer<float, 2>> xs{"xs"};  ///< [k / 32, m] the integer sum of each 32 codes (exact in F32)
  Input<Buffer<uint8_t, 2>> w{"w"};  ///< [rowBytes, n] super-block rows
  Input<Buffer<float, 1>> bias{"bias"};
  Input<bool> has_bias{"has_bias"};
  Output<Buffer<float, 2>> y{"y"}; ///< [n, m]

  void generate() {
    _halide_user_assert(isKQuant(weights)) << "loom_kquant_linear takes q4_k or q6_k weights\n";
    tiling = productTiling(scheduleFamily(get_target()), shape);
    Expr supers = xq.dim(0).extent() / (kBlockElems * kSubBlocks), m = xq.dim(1).extent(), n = w.dim(1).extent();
    Expr mRow = min(mm, m - 1), nRow = min(nn, n - 1);
    BlockRow row{weights, [&](Expr i) { return w(i, nRow); }};

    // Decoded weights, per 32-element block `blk` (sub-block blk % 8 of super-block blk / 8).
    weightCode(e, blk, nn) = row.code(blk, e);
    laneScale(lane, blk, nn) = row.subScale(blk, lane * kElemsPerLane);
    superScale(sup, nn) = row.superScale(sup * kSubBlocks);

    RDom r(0, kElemsPerLane, "element");
    Expr j = lane * kElemsPerLane + r;
    laneDot(lane, blk, nn, mm) = 0;
    laneDot(lane, blk, nn, mm) +=
        int8Product(get_target(), weights, weightCode(j, blk, nn), xq(blk * kBlockElems + j, mRow));

    RDom s(0, kSubBlocks, "sub");
    Expr subBlock = sup * kSubBlocks + s;
    laneSum(lane, sup, nn, mm) = 0;
    laneSum(lane, sup, nn, mm) += laneScale(lane, subBlock, nn) * laneDot(lane, subBlock, nn, mm);

    RDom b(0, supers, "super");
    // ggml's d = y.d * FP16(x.d), then acc = fma(d, (float)sumi, acc): not strict_float, so that LLVM
    // contracts acc + a * b into one FMA.
    Expr d = xd(b * kSubBlocks, mRow) * superScale(b, nn);
    partial(lane, nn, mm) = 0.0f;
    partial(lane, nn, mm) = partial(lane, nn, mm) + cast<float>(laneSum(lane, b, nn, mm)) * d;
    Expr dot = ggmlLaneSum(partial, nn, mm);

    if (weights == BlockFormat::Q4_K) {
      // ggml's prod = madd(mins, q8 sums): lane q adds sub-blocks 2q and 2q + 1; then
      // acc_m = fma(-y.d * FP16(x.dmin), (float)prod, acc_m).
      RDom t(0, 2, "pair");
      Expr minBlock = sup * kSubBlocks + 2 * q + t;
      minSum(q, sup, nn, mm) = 0;
      minSum(q, sup, nn, mm) += row.subMin(minBlock) * cast<int32_t>(xs(minBlock, mRow));
      Expr dmin = -xd(b * kSubBlocks, mRow) * row.superMin(b * kSubBlocks);
      minPartial(q, nn, mm) = 0.0f;
      minPartial(q, nn, mm) = minPartial(q, nn, mm) + cast<float>(minSum(q, b, nn, mm)) * dmin;
      auto at = [&](int l) { return minPartial(l, nn, mm); };
      dot = strict_float(dot + ((at(0) + at(2)) + (at(1) + at(3))));
      pair = t;
    }
    Expr bValue = select(has_bias, bias(clamp(nn, 0, bias.dim(0).extent() - 1)), 0.0f);
    y(nn, mm) = dot + bValue;
    super = b;
    sub = s;
    element = r;
  }

  void schedule() {
    switch (scheduleFamily(get_target())) {
    case ScheduleFamily::X86Avx2:
    case ScheduleFamily::Arm64Neon:
      return scheduleCpu();
    case ScheduleFamily::Gpu:
      return scheduleGpu();
    }
  }

private:
  Var nn{"n"}, mm{"m"}, lane{"lane"}, q{"q"}, e{"e"}, blk{"blk"}, sup{"sup"};
  Var task{"task"};
  Func weightCode{"weight_code"}, laneScale{"lane_scale"}, superScale{"super_scale"};
  Func laneDot{"lane_dot"}, laneSum{"lane_sum"}, partial{"kquant_partial"};
  Func minSum{"min_sum"}, minPartial{"min_partial"};
  RDom super, sub, element, pair;
  TileShape tiling{};

  /// As BlockLinear's: a thread per output, every accumulator of its sums (lanes, sub-blocks, Q4_K's mins) in
  /// registers, in the CPU schedules' order.
  void scheduleGpu() {
    Var thread = gpuThreadPerOutput(y, nn, mm);
    partial.compute_at(y, thread).unroll(lane);
    partial.update().reorder(lane, super).unroll(lane);
    laneSum.compute_at(partial, super).unroll(lane);
    laneSum.update().reorder(lane, sub).unroll(lane);
    laneDot.compute_at(laneSum, sub).unroll(lane);
    laneDot.update().reorder(element, lane).unroll(lane);
    if (weights == BlockFormat::Q4_K) {
      minPartial.compute_at(y, thread).unroll(q);
      minPartial.update().reorder(q, super).unroll(q);
      minSum.compute_at(minPartial, super).unroll(q);
      minSum.update().reorder(pair, q).unroll(pair).unroll(q);
    }
  }

  void scheduleCpu() {
    Var tileLoop = scheduleProductTiles(y, tiling, shape, nn, mm, task);
    scheduleTileAccumulator(partial, y, tileLoop, tiling, lane, nn, mm, super);
    prefetchWeightTiles(y, w, shape);
    laneSum.compute_at(partial, super).vectorize(lane).unroll(nn).unroll(mm);
    laneSum.update().reorder(lane, nn, mm, sub).vectorize(lane).unroll(nn).unroll(mm);
    laneDot.compute_at(laneSum, sub).vectorize(lane).unroll(nn).unroll(mm);
    laneDot.update().atomic().vectorize(element).vectorize(lane).unroll(nn).unroll(mm);
    if (weights == BlockFormat::Q4_K) {
      scheduleTileAccumulator(minPartial, y, tileLoop, tiling, q, nn, mm, super);
      minSum.compute_at(minPartial, super).vectorize(q).unroll(nn).unroll(mm);
      minSum.update().reorder(q, nn, mm, pair).vectorize(q).unroll(pair).unroll(nn).unroll(mm);
    }
    if (shape == LinearShape::Gemv) {
      // One scalar decode of the super-block scale; the sub-block scales as one vector per sub-block.
      superScale.compute_at(partial, super).unroll(nn);
      laneScale.compute_at(laneSum, sub).vectorize(lane).unroll(nn);
    } else {
      // The GEMM decodes a task's weight rows once and reuses them for every row of x.
      weightCode.compute_at(y, task).vectorize(e, 16);
      laneScale.compute_at(y, task).vectorize(lane, 8);
      superScale.compute_at(y, task);
    }
  }
};

} // namespace
} // namespace loom::kernels

HALIDE_REGISTER_GENERATOR(loom::kernels::KQuantLinear, loom_kquant_linear)
