//===- BlockLinear.cpp - y = x . w^T (+ bias) with ggml block weights -----===//
//
// The product llama.cpp computes on CPUs for quantized weights, so that Loom
// agrees with it token for token: the runtime first quantizes every row of x
// to 8-bit blocks of 32 (ggml's Q8_0, or Q8_1 for Q4_1 weights, which adds
// s = d * sum(q)), with F16-rounded scales (runtime/lib/kernels/
// QuantizeActivations.cpp); for the k-quants it quantizes as ggml's Q8_K (one
// F32 scale per 256 elements) and hands the kernel the same per-32 view. Each
// block then contributes an exact integer dot product of its codes scaled in
// float:
//   q8_0, q4_0:  sum_b  dw_b * dx_b * sum_j qw_bj * qx_bj
//   q4_1, q4_k:  sum_b (dw_b * dx_b * sum_j qw_bj * qx_bj + mw_b * sx_b)
//   q6_k:        like q8_0, with dw taken per 16 elements
// (for the k-quants dw_b and mw_b are the super-block's scales times the
// sub-block's integer scale and min, BlockFormat.h). The integer products are
// exact whatever instructions compute them: vpdpbusd (u8 x i8, four products
// per i32 lane) in the AVX-512 VNNI variant, vpmaddwd on codes widened to 16
// bits in the AVX2 one; only the float sums fix the result's bits.
//
// Schedules follow Linear.cpp (gemv streams w once, gemm tiles registers);
// the float sums run in `kLanes` lanes, lane l taking elements 4l .. 4l + 3
// of every block: one dense load of a block's codes, whose products the x86
// backend sums pairwise with vpmaddwd. The GEMV decodes each block where it
// uses it; the GEMM decodes a task's weight rows once, for all rows of x.
//
//===----------------------------------------------------------------------===//

#include "BlockProduct.h"

using namespace Halide;

namespace loom::kernels {
namespace {

constexpr int kLanes = kProductLanes;

class BlockLinear : public Generator<BlockLinear> {
public:
  GeneratorParam<BlockFormat> weights{"weights", BlockFormat::Q8_0, blockFormatNames()};
  GeneratorParam<LinearShape> shape{"shape", LinearShape::Gemv, linearShapeNames()};

  // Innermost first. k is a multiple of 32 (the runtime checks it).
  Input<Buffer<int8_t, 2>> xq{"xq"};  ///< [k, m] activation codes
  Input<Buffer<float, 2>> xd{"xd"};   ///< [k / 32, m] activation block scales (F16 values)
  Input<Buffer<float, 2>> xs{"xs"};   ///< [k / 32, m] d * sum(q) per block (F16 values); q4_1 only
  Input<Buffer<uint8_t, 2>> w{"w"};   ///< [rowBytes, n] block rows
  Input<Buffer<float, 1>> bias{"bias"};
  Input<bool> has_bias{"has_bias"};
  Output<Buffer<float, 2>> y{"y"};    ///< [n, m]

  void generate() {
    _halide_user_assert(!isKQuant(weights)) << "k-quant products are loom_kquant_linear's\n";
    tiling = productTiling(scheduleFamily(get_target()), shape);
    Expr blocks = xq.dim(0).extent() / kBlockElems, m = xq.dim(1).extent(), n = w.dim(1).extent();

    // Register tiles overhang the last rows; they compute on clamped rows and the stores drop them.
    Expr mRow = min(mm, m - 1), nRow = min(nn, n - 1);
    BlockRow row{weights, [&](Expr i) { return w(i, nRow); }};

    // The decoded weights: codes (below), scales (per lane: Q6_K's change every 16 elements) and offsets
    // as F32. The GEMV decodes them where it uses them, streaming w once; the GEMM decodes a task's w
    // rows once and reuses them for every row of x (the schedule).
    weightScale(lane, blk, nn) = row.scale(blk, lane * (kBlockElems / kLanes));
    if (hasOffset(weights))
      weightOffset(blk, nn) = row.offset(blk);

    RDom b(0, blocks, "block");
    // Lane l's integer dot product covers elements 4l .. 4l + 3 of a block: a dense load of the block's
    // codes, which the x86 backend sums four at a time with vpdpbusd where the target has it and pairwise
    // with vpmaddwd otherwise. Integer sums are exact, so either way gives the same result.
    RDom r(0, kBlockElems / kLanes, "element");
    element = r;
    Expr j = lane * (kBlockElems / kLanes) + r;
    if (offsetActivations()) {
      // The GEMM with signed codes on 8-bit dot products: x + 128 (unsigned) times w, less 128 times the
      // lane's sum of w, which the task decodes once with the codes. Per (w, x) pair of the register tile
      // that is one vpdpbusd, where taking w's sign onto x (int8Product) costs a blend per pair.
      weightCode(e, blk, nn) = cast<int8_t>(row.code(blk, e));
      weightLaneSum(lane, blk, nn) = 0;
      weightLaneSum(lane, blk, nn) += cast<int32_t>(weightCode(j, blk, nn));
      Expr xPlus128 = reinterpret<uint8_t>(xq(blk * kBlockElems + j, mRow)) ^ cast<uint8_t>(0x80);
      laneDot(lane, blk, nn, mm) = -128 * weightLaneSum(lane, blk, nn);
      laneDot(lane, blk, nn, mm) += cast<int32_t>(xPlus128) * cast<int32_t>(weightCode(j, blk, nn));
    } else if (biasedCodes()) {
      // The GEMV of Q4_0 on 8-bit dot products: the stored nibbles (code + 8, unsigned) times x, less 8
      // times the lane's sum of x, summed once per task for every w row. Per block that is one vpdpbusd
      // with no sign handling, where taking w's sign onto x (int8Product) costs four instructions.
      activationLaneSum(lane, blk, mm) = 0;
      activationLaneSum(lane, blk, mm) += cast<int32_t>(xq(blk * kBlockElems + j, mm));
      laneDot(lane, blk, nn, mm) = -8 * activationLaneSum(lane, blk, mRow);
      laneDot(lane, blk, nn, mm) +=
          cast<int32_t>(row.storedNibble(blk, j)) * cast<int32_t>(xq(blk * kBlockElems + j, mRow));
    } else {
      weightCode(e, blk, nn) = row.code(blk, e);
      laneDot(lane, blk, nn, mm) = 0;
      laneDot(lane, blk, nn, mm) +=
          int8Product(get_target(), weights, weightCode(j, blk, nn), xq(blk * kBlockElems + j, mRow));
    }
    Expr intDot = laneDot(lane, b, nn, mm);
    partial(lane, nn, mm) = 0.0f;
    // Not strict_float: LLVM contracts acc + a * b into one FMA, as ggml's _mm256_fmadd_ps
    // (test/reference/test_ggml_products.py checks the bits).
    partial(lane, nn, mm) = partial(lane, nn, mm) + cast<float>(intDot) * (weightScale(lane, b, nn) * xd(b, mRow));
    Expr dot = ggmlLaneSum(partial, nn, mm);
    // ggml keeps Q4_1's offset terms m * s in a scalar sum of their own and adds it after the lanes.
    // Folding them into a lane instead changes the float rounding, and a 1-ulp difference in an output
    // can move one code of the next product's quantized activations: visible in the logits.
    if (hasOffset(weights)) {
      offsets(nn, mm) = 0.0f;
      offsets(nn, mm) = strict_float(offsets(nn, mm) + weightOffset(b, nn) * xs(b, mRow));
      dot = strict_float(dot + offsets(nn, mm));
    }
    Expr bValue = select(has_bias, bias(clamp(nn, 0, bias.dim(0).extent() - 1)), 0.0f);
    y(nn, mm) = dot + bValue;
    block = b;
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
  /// Whether the GEMM offsets x by 128 for vpdpbusd (signed codes on a target with 8-bit dot products).
  bool offsetActivations() const {
    return shape == LinearShape::Gemm && hasInt8DotProduct(get_target()) &&
           (weights == BlockFormat::Q8_0 || weights == BlockFormat::Q4_0);
  }

  /// Whether the GEMV takes Q4_0's stored nibbles as they are (on a target with 8-bit dot products).
  bool biasedCodes() const {
    return shape == LinearShape::Gemv && hasInt8DotProduct(get_target()) && weights == BlockFormat::Q4_0;
  }

  Var nn{"n"}, mm{"m"}, lane{"lane"};
  Var task{"task"};
  Func partial{"block_dot_partial"}, laneDot{"block_lane_dot"}, offsets{"block_offset_sum"};
  Func weightCode{"weight_code"}, weightScale{"weight_scale"}, weightOffset{"weight_offset"};
  Func weightLaneSum{"weight_lane_sum"}, activationLaneSum{"activation_lane_sum"};
  Var e{"e"};
  Var blk{"blk"};
  RDom block, element;
  TileShape tiling{};

  /// A thread per output y(n, m), its 8 lane sums in registers: the float sums run in the CPU schedules'
  /// order, so a device gives their results up to contraction. F16 scales are decoded in integer operations
  /// (halfBitsToFloat), so OpenCL devices without cl_half run it as well.
  void scheduleGpu() {
    Var thread = gpuThreadPerOutput(y, nn, mm);
    partial.compute_at(y, thread).unroll(lane);
    partial.update().reorder(lane, block).unroll(lane);
    laneDot.compute_at(partial, block).unroll(lane);
    laneDot.update().reorder(element, lane).unroll(lane);
    if (hasOffset(weights)) {
      offsets.compute_at(y, thread);
    }
  }

  void scheduleCpu() {
    Var tileLoop = scheduleProductTiles(y, tiling, shape, nn, mm, task);
    scheduleTileAccumulator(partial, y, tileLoop, tiling, lane, nn, mm, block);
    laneDot.compute_at(partial, block).vectorize(lane).unroll(nn).unroll(mm);
    laneDot.update().atomic().vectorize(element).vectorize(lane).unroll(nn).unroll(mm);
    if (hasOffset(weights)) {
      offsets.compute_at(y, tileLoop)
          .bound_extent(nn, tiling.wRows)
          .bound_extent(mm, tiling.xRows)
          .store_in(MemoryType::Register)
          .unroll(nn)
          .unroll(mm);
      offsets.update().reorder(nn, mm, block).unroll(nn).unroll(mm);
    }
    prefetchWeightTiles(y, w, shape);
    if (biasedCodes()) {
      activationLaneSum.compute_at(y, task).vectorize(lane, 8);
      activationLaneSum.update().vectorize(lane, 8);
    }
    if (shape == LinearShape::Gemm) {
      weightCode.compute_at(y, task).vectorize(e, 16);
      weightScale.compute_at(y, task).vectorize(lane, 8);
      if (offsetActivations()) {
        weightLaneSum.compute_at(y, task).vectorize(lane, 8);
        weightLaneSum.update().vectorize(lane, 8);
      }
      if (hasOffset(weights))
        weightOffset.compute_at(y, task);
    }
  }
};

} // namespace
} // namespace loom::kernels

HALIDE_REGISTER_GENERATOR(loom::kernels::BlockLinear, loom_block_linear)
