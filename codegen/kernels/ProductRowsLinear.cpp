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

#include "BlockFormat.h"
#include "ProductRows.h"
#include "ProductSchedule.h"
#include "ScheduleTarget.h"
#include "WeightFormat.h"

using namespace Halide;

namespace loom::kernels {
namespace {

namespace pr = product_rows;
namespace pk = product_rows::q4_k;
namespace pq8 = product_rows::q8_0;
namespace pq41 = product_rows::q4_1;

/// How many blocks ahead the GEMV fetches a group's records (loom-bench-kernels BM_BlockGemv): about 2 KiB.
constexpr int kPrefetchBlocks = 8;
constexpr int kPrefetchSuperBlocks = 1;

/// The F16 whose low and high bytes are `low` and `high` (uint8), as F32.
Expr halfFromBytes(const Expr &low, const Expr &high) {
  Expr bits = cast<uint16_t>(low) | (cast<uint16_t>(high) << 8);
  return widenToFloat(reinterpret<float16_t>(bits), WeightFormat::F16);
}

class ProductRowsLinear : public Generator<ProductRowsLinear> {
public:
  GeneratorParam<BlockFormat> weights{"weights", BlockFormat::Q4_0, blockFormatNames()};
  GeneratorParam<LinearShape> shape{"shape", LinearShape::Gemv, linearShapeNames()};

  // BlockLinear.cpp's inputs, so that the runtime calls both alike. k is a multiple of 32 (Q4_K: 256), n of
  // 16.
  Input<Buffer<int8_t, 2>> xq{"xq"}; ///< [k, m] activation codes
  Input<Buffer<float, 2>> xd{"xd"};  ///< [k / 32, m] block scales (Q8_K: the super-block's, repeated per 32)
  Input<Buffer<float, 2>> xs{"xs"};  ///< [k / 32, m] Q4_K: the integer sum of each 32 codes; Q4_1: Q8_1's s
  Input<Buffer<uint8_t, 2>> w{"w"};  ///< [blocks * record bytes, n / 16] packed groups of rows
  Input<Buffer<float, 1>> bias{"bias"};
  Input<bool> has_bias{"has_bias"};
  Output<Buffer<float, 2>> y{"y"}; ///< [n, m]

  void generate() {
    _halide_user_assert(weights == BlockFormat::Q4_0 || weights == BlockFormat::Q4_1 ||
                        weights == BlockFormat::Q8_0 || weights == BlockFormat::Q4_K)
        << "loom_product_rows_linear packs q4_0, q4_1, q8_0 and q4_k\n";
    Expr m = xq.dim(1).extent();
    // A register tile overhangs the last rows of x; it computes on a clamped row and the store drops it.
    mRow = min(mm, m - 1);
    if (weights == BlockFormat::Q4_K)
      defineQ4_K();
    else
      defineBlocks();
    Expr bValue = select(has_bias, bias(clamp(nn, 0, bias.dim(0).extent() - 1)), 0.0f);
    y(nn, mm) = partial(nn % pr::kGroupRows, nn / pr::kGroupRows, mm) + bValue;
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
  Var nn{"n"}, mm{"m"}, blk{"blk"}, row{"row"}, grp{"grp"}, sub{"sub"};
  Expr mRow;
  Func codeSum{"activation_code_sum"}, blockDot{"block_dot"}, partial{"row_partial"};
  Func superDot{"super_block_dot"}, minDot{"super_block_min_dot"};
  RDom block, codes, sumElement, subBlock;

  /// The products are defined per (row of a group, group): the lanes of a vector are one group's rows.
  Expr record(int recordBytes, const Expr &blockIndex, const Expr &offset) {
    return w(blockIndex * recordBytes + offset, grp);
  }

  /// Q4_0, Q4_1 and Q8_0: per 32-element block acc + float(dot) * (d * dx), where dot is taken on the stored
  /// codes (Q4_0: code + 8; Q8_0: code + 128, unsigned), less the offset times the block's sum of activation
  /// codes; Q4_1 adds m * sx (x quantized as ggml's Q8_1: sx = dx * sum(qx)).
  void defineBlocks() {
    const bool q8 = weights == BlockFormat::Q8_0, q4_1 = weights == BlockFormat::Q4_1;
    const int recordBytes = q8 ? pq8::kRecordBytes : q4_1 ? pq41::kRecordBytes : pr::kRecordBytes;
    const int scaleLow = q8 ? pq8::kScaleLowOffset : pr::kScaleLowOffset;
    const int scaleHigh = q8 ? pq8::kScaleHighOffset : pr::kScaleHighOffset;
    Expr blocks = xq.dim(0).extent() / pr::kBlockElems;
    RDom e(0, pr::kBlockElems, "e");
    sumElement = e;
    codeSum(blk, mm) = 0;
    codeSum(blk, mm) += cast<int32_t>(xq(blk * pr::kBlockElems + e, mm));

    // t: the codes one lane sums at once; c: which four bytes; Q4_0's half: low or high nibbles.
    RDom q = q8 ? RDom(0, pr::kCodesPerLane, 0, pq8::kChunks, "q")
                : RDom(0, pr::kCodesPerLane, 0, pr::kBlockElems / 2 / pr::kCodesPerLane, 0, 2, "q");
    codes = q;
    Expr packed = record(recordBytes, blk, (q.y * pr::kGroupRows + row) * pr::kCodesPerLane + q.x);
    Expr code = q8 ? packed : select(q.z == 0, packed & 15, packed >> 4);
    Expr element = q.y * pr::kCodesPerLane + q.x + (q8 ? Expr(0) : q.z * (pr::kBlockElems / 2));
    blockDot(row, blk, grp, mm) = q4_1 ? Expr(0) : -(q8 ? 128 : 8) * codeSum(blk, mRow);
    blockDot(row, blk, grp, mm) += cast<int32_t>(code) * cast<int32_t>(xq(blk * pr::kBlockElems + element, mRow));

    RDom b(0, blocks, "block");
    block = b;
    Expr scale = halfFromBytes(record(recordBytes, b, scaleLow + row), record(recordBytes, b, scaleHigh + row));
    partial(row, grp, mm) = 0.0f;
    // Not strict_float: LLVM contracts the multiply-add into one FMA in both shapes alike.
    Expr term = cast<float>(blockDot(row, b, grp, mm)) * (scale * xd(b, mRow));
    if (q4_1)
      term = term + halfFromBytes(record(recordBytes, b, pq41::kMinLowOffset + row),
                                  record(recordBytes, b, pq41::kMinHighOffset + row)) *
                        xs(b, mRow);
    partial(row, grp, mm) = partial(row, grp, mm) + term;
  }

  /// Per super-block: sum_s sc_s * dot_s and sum_s mn_s * sum(qx)_s in integers, then
  ///   acc + d * dx * sumi - dmin * dx * summ
  /// (x is quantized as ggml's Q8_K, one scale dx per super-block).
  void defineQ4_K() {
    Expr supers = xq.dim(0).extent() / pk::kSuperElems;
    RDom q(0, pr::kCodesPerLane, 0, pk::kChunks, "q");
    codes = q;
    Expr packed = record(pk::kRecordBytes, blk, ((sub / 2 * pk::kChunks + q.y) * pr::kGroupRows + row) * pr::kCodesPerLane + q.x);
    Expr nibble = select(sub % 2 == 0, packed & 15, packed >> 4);
    Expr xCode = xq(blk * pk::kSuperElems + sub * pr::kBlockElems + q.y * pr::kCodesPerLane + q.x, mRow);
    blockDot(row, sub, blk, grp, mm) = 0;
    blockDot(row, sub, blk, grp, mm) += cast<int32_t>(nibble) * cast<int32_t>(xCode);

    RDom s(0, pk::kSubBlocks, "sub_block");
    subBlock = s;
    Expr scale = cast<int32_t>(record(pk::kRecordBytes, blk, pk::kScaleOffset + s * pr::kGroupRows + row));
    Expr min = cast<int32_t>(record(pk::kRecordBytes, blk, pk::kMinOffset + s * pr::kGroupRows + row));
    superDot(row, blk, grp, mm) = 0;
    superDot(row, blk, grp, mm) += scale * blockDot(row, s, blk, grp, mm);
    minDot(row, blk, grp, mm) = 0;
    minDot(row, blk, grp, mm) += min * cast<int32_t>(xs(blk * pk::kSubBlocks + s, mRow));

    RDom b(0, supers, "super_block");
    block = b;
    Expr dx = xd(b * pk::kSubBlocks, mRow);
    Expr d = halfFromBytes(record(pk::kRecordBytes, b, pk::kDLowOffset + row), record(pk::kRecordBytes, b, pk::kDHighOffset + row));
    Expr dmin = halfFromBytes(record(pk::kRecordBytes, b, pk::kDMinLowOffset + row),
                              record(pk::kRecordBytes, b, pk::kDMinHighOffset + row));
    partial(row, grp, mm) = 0.0f;
    partial(row, grp, mm) = partial(row, grp, mm) + cast<float>(superDot(row, b, grp, mm)) * (d * dx) -
                            cast<float>(minDot(row, b, grp, mm)) * (dmin * dx);
  }

  void scheduleCpu() {
    // 16 rows are one zmm (two ymm without AVX-512). The GEMM shares each decoded block across rows of x:
    // four on AVX-512 (4 float and 4 integer accumulators, 8 registers of codes), two on AVX2.
    const bool gemv = shape == LinearShape::Gemv;
    const int xRows = gemv ? 1 : get_target().has_feature(Target::AVX512) ? 4 : 2;
    const int groupsPerTask = 4;
    Var group{"group"}, lane{"lane"}, mTile{"m_tile"}, mIn{"m_in"}, task{"task"};
    y.split(nn, group, lane, pr::kGroupRows, TailStrategy::RoundUp)
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
        .bound_extent(row, pr::kGroupRows)
        .bound_extent(grp, 1)
        .bound_extent(mm, xRows)
        .store_in(MemoryType::Register)
        .vectorize(row)
        .unroll(mm);
    partial.update().reorder(row, mm, block).vectorize(row).unroll(mm);
    // One row group's records are one sequential stream; fetching ahead keeps more loads in flight than
    // the hardware prefetchers alone (as ProductSchedule.h's prefetchWeightTiles, per block).
    partial.update().prefetch(w, block, block, weights == BlockFormat::Q4_K ? kPrefetchSuperBlocks : kPrefetchBlocks);

    if (weights != BlockFormat::Q4_K) {
      blockDot.compute_at(partial, block).store_in(MemoryType::Register).vectorize(row).unroll(mm);
      Stage update = blockDot.update();
      if (weights != BlockFormat::Q8_0)
        update.reorder(codes.x, row, codes.y, codes.z, mm).unroll(codes.z);
      else
        update.reorder(codes.x, row, codes.y, mm);
      update.atomic().vectorize(codes.x).vectorize(row).unroll(codes.y).unroll(mm);
      // A block's 32 codes are one contiguous vector, summed across its lanes.
      if (weights != BlockFormat::Q4_1) {
        codeSum.compute_at(y, gemv ? task : mTile);
        codeSum.update().atomic().vectorize(sumElement);
      }
      return;
    }
    for (Func f : {superDot, minDot}) {
      f.compute_at(partial, block).store_in(MemoryType::Register).vectorize(row).unroll(mm);
      f.update().reorder(row, mm, subBlock).vectorize(row).unroll(mm).unroll(subBlock);
    }
    blockDot.compute_at(superDot, subBlock).store_in(MemoryType::Register).vectorize(row).unroll(mm);
    blockDot.update()
        .reorder(codes.x, row, codes.y, mm)
        .atomic()
        .vectorize(codes.x)
        .vectorize(row)
        .unroll(codes.y)
        .unroll(mm);
  }
};

} // namespace
} // namespace loom::kernels

HALIDE_REGISTER_GENERATOR(loom::kernels::ProductRowsLinear, loom_product_rows_linear)
