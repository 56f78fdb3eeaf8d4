//===- ProductRowsLinear.cpp - y = x . w^T with Q4_0 rows interleaved by 16 -===//
//
// The Q4_0 product on weights the runtime packed at load (ProductRows.h). x
// is quantized as for every Q4_0 product (ggml's Q8_0), and each output is
//   y_n = sum_b d_nb * dx_b * (sum_j nibble_nbj * qx_bj - 8 * sum_j qx_bj)
// with the integer sums exact. Where BlockLinear.cpp keeps the eight float
// lanes of ggml_vec_dot_q4_0_q8_0 (so one row at a time, with its F16 scale
// decoded in scalar code), here the vector lanes are 16 rows: one 64-byte
// load gives four codes of each row, one vpdpbusd sums them into the row's
// lane, and one widening decodes the 16 rows' scales.
//
// A row's float sum is one chain over its blocks, acc + float(dot) *
// (dw * dx) as one FMA: the order of the kernels llama.cpp runs on the Q4_0
// matrices it repacks on x86 (ggml_gemv/gemm_q4_0_8x8_q8_0), so the logits
// stay llama.cpp's in both numerics profiles (test_llamacpp_logits.py). Both
// shapes keep the chain, so the GEMV and the GEMM give a row the same bits.
//
//===----------------------------------------------------------------------===//

#include "ProductRows.h"
#include "ProductSchedule.h"
#include "ScheduleTarget.h"
#include "WeightFormat.h"

using namespace Halide;

namespace loom::kernels {
namespace {

using namespace product_rows;

/// How many blocks ahead the GEMV fetches a group's records (loom-bench-kernels BM_BlockGemv).
constexpr int kPrefetchBlocks = 8;

class ProductRowsLinear : public Generator<ProductRowsLinear> {
public:
  GeneratorParam<LinearShape> shape{"shape", LinearShape::Gemv, linearShapeNames()};

  // BlockLinear.cpp's inputs, so that the runtime calls both alike. k is a multiple of 32, n of 16.
  Input<Buffer<int8_t, 2>> xq{"xq"}; ///< [k, m] activation codes
  Input<Buffer<float, 2>> xd{"xd"};  ///< [k / 32, m] activation block scales
  Input<Buffer<float, 2>> xs{"xs"};  ///< not read: Q4_0 has no offsets
  Input<Buffer<uint8_t, 2>> w{"w"};  ///< [k / 32 * kRecordBytes, n / 16] packed groups of rows
  Input<Buffer<float, 1>> bias{"bias"};
  Input<bool> has_bias{"has_bias"};
  Output<Buffer<float, 2>> y{"y"}; ///< [n, m]

  void generate() {
    Expr blocks = xq.dim(0).extent() / kBlockElems, m = xq.dim(1).extent();
    // A register tile overhangs the last rows of x; it computes on a clamped row and the store drops it.
    Expr mRow = min(mm, m - 1);
    // The products are defined per (row of a group, group): the lanes of a vector are one group's rows.
    auto record = [&](const Expr &blk, const Expr &offset) { return w(blk * kRecordBytes + offset, grp); };

    // The stored nibbles are code + 8: each block's dot product is taken on them, less 8 times the sum of
    // the block's activation codes.
    RDom e(0, kBlockElems, "e");
    sumElement = e;
    codeSum(blk, mm) = 0;
    codeSum(blk, mm) += cast<int32_t>(xq(blk * kBlockElems + e, mm));

    // t: the codes one lane sums at once; c: which four of the sixteen bytes; half: low or high nibbles.
    RDom q(0, kCodesPerLane, 0, kBlockElems / 2 / kCodesPerLane, 0, 2, "q");
    codes = q;
    Expr packed = record(blk, (q.y * kGroupRows + row) * kCodesPerLane + q.x);
    Expr nibble = select(q.z == 0, packed & 15, packed >> 4);
    Expr xCode = xq(blk * kBlockElems + q.z * (kBlockElems / 2) + q.y * kCodesPerLane + q.x, mRow);
    blockDot(row, blk, grp, mm) = -8 * codeSum(blk, mRow);
    blockDot(row, blk, grp, mm) += cast<int32_t>(nibble) * cast<int32_t>(xCode);

    Expr scaleBits = cast<uint16_t>(record(blk, kScaleLowOffset + row)) |
                     (cast<uint16_t>(record(blk, kScaleHighOffset + row)) << 8);
    weightScale(row, blk, grp) = widenToFloat(reinterpret<float16_t>(scaleBits), WeightFormat::F16);

    RDom b(0, blocks, "block");
    block = b;
    partial(row, grp, mm) = 0.0f;
    // Not strict_float: LLVM contracts the multiply-add into one FMA in both shapes alike.
    partial(row, grp, mm) = partial(row, grp, mm) +
                            cast<float>(blockDot(row, b, grp, mm)) * (weightScale(row, b, grp) * xd(b, mRow));
    Expr bValue = select(has_bias, bias(clamp(nn, 0, bias.dim(0).extent() - 1)), 0.0f);
    y(nn, mm) = partial(nn % kGroupRows, nn / kGroupRows, mm) + bValue;
    // With y's rows starting at 0 the split below makes these the group and lane of a vector of y.
    y.dim(0).set_min(0);
  }

  void schedule() {
    switch (scheduleFamily(get_target())) {
    case ScheduleFamily::X86Avx2:
      return scheduleCpu();
    }
  }

private:
  Var nn{"n"}, mm{"m"}, blk{"blk"}, row{"row"}, grp{"grp"};
  Func codeSum{"activation_code_sum"}, blockDot{"block_dot"}, weightScale{"weight_scale"},
      partial{"row_partial"};
  RDom block, codes, sumElement;

  void scheduleCpu() {
    // 16 rows are one zmm (two ymm without AVX-512). The GEMM shares each decoded block across rows of x:
    // four on AVX-512 (4 float and 4 integer accumulators, 8 registers of codes), two on AVX2.
    const bool gemv = shape == LinearShape::Gemv;
    const int xRows = gemv ? 1 : hasInt8DotProduct(get_target()) ? 4 : 2;
    const int groupsPerTask = 4;
    Var group{"group"}, lane{"lane"}, mTile{"m_tile"}, mIn{"m_in"}, task{"task"};
    y.split(nn, group, lane, kGroupRows, TailStrategy::RoundUp)
        .split(mm, mTile, mIn, xRows, TailStrategy::GuardWithIf)
        .split(group, task, group, groupsPerTask, TailStrategy::GuardWithIf)
        .vectorize(lane)
        .unroll(mIn)
        .parallel(task);
    // The GEMV sweeps its few rows of x inside a group, so that the group's weights come from memory once.
    if (gemv)
      y.reorder(lane, mIn, mTile, group, task);
    else
      y.reorder(lane, mIn, group, mTile, task);
    Var tileLoop = gemv ? mTile : group;

    partial.compute_at(y, tileLoop)
        .bound_extent(row, kGroupRows)
        .bound_extent(grp, 1)
        .bound_extent(mm, xRows)
        .store_in(MemoryType::Register)
        .vectorize(row)
        .unroll(mm);
    partial.update().reorder(row, mm, block).vectorize(row).unroll(mm);
    // One row group's records are one sequential stream; fetching a few blocks ahead keeps more loads in
    // flight than the hardware prefetchers alone (ProductSchedule.h's prefetchWeightTiles, per block).
    partial.update().prefetch(w, block, block, kPrefetchBlocks);
    blockDot.compute_at(partial, block).store_in(MemoryType::Register).vectorize(row).unroll(mm);
    blockDot.update()
        .reorder(codes.x, row, codes.y, codes.z, mm)
        .atomic()
        .vectorize(codes.x)
        .vectorize(row)
        .unroll(codes.y)
        .unroll(codes.z)
        .unroll(mm);
    // A block's 32 codes are one contiguous vector, summed across its lanes.
    codeSum.compute_at(y, gemv ? task : mTile);
    codeSum.update().atomic().vectorize(sumElement);
  }
};

} // namespace
} // namespace loom::kernels

HALIDE_REGISTER_GENERATOR(loom::kernels::ProductRowsLinear, loom_product_rows_linear)
