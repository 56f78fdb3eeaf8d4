//===- ProductRowsLinear.cpp - y = x . w^T on rows interleaved by 16 ------===//
//
// The block products on weights the runtime packed at load (ProductRows.h).
// x is quantized as for the file layout's products (ggml's Q8_0, Q8_1 or
// Q8_K), and for Q4_0 each output is
//   y_n = sum_b d_nb * dx_b * (sum_j nibble_nbj * qx_bj - 8 * sum_j qx_bj)
// with the integer sums exact; Q4_1, Q8_0, Q4_K and Q6_K alike (below).
// Where BlockLinear.cpp keeps the eight float lanes of ggml's dot products
// (so one row at a time, with its F16 scale decoded in scalar code), here
// the vector lanes are 16 rows: one 64-byte load gives four codes of each
// row, one vpdpbusd sums them into the row's lane, and one widening decodes
// the 16 rows' scales.
//
// A row's float sum is one chain over its blocks, acc + float(dot) *
// (dw * dx) as one FMA: for Q4_0 the order of the kernels llama.cpp runs on
// the Q4_0 matrices it repacks on x86 (ggml_gemv/gemm_q4_0_8x8_q8_0), so the
// logits stay llama.cpp's in both numerics profiles (test_llamacpp_logits.py).
// Both shapes keep the chain, so the GEMV and the GEMM give a row the same
// bits.
//
//===----------------------------------------------------------------------===//

#include "BlockFormat.h"
#include "ProductRows.h"
#include "ProductSchedule.h"
#include "ScheduleTarget.h"
#include "WeightFormat.h"

#include <functional>
#include <vector>

using namespace Halide;

namespace loom::kernels {
namespace {

namespace pr = product_rows;
namespace pk = product_rows::q4_k;
namespace pq8 = product_rows::q8_0;
namespace pq41 = product_rows::q4_1;
namespace pq6 = product_rows::q6_k;

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
                        weights == BlockFormat::Q8_0 || weights == BlockFormat::Q4_K ||
                        weights == BlockFormat::Q6_K)
        << "loom_product_rows_linear packs q4_0, q4_1, q8_0, q4_k and q6_k\n";
    Expr m = xq.dim(1).extent();
    // A register tile overhangs the last rows of x; it computes on a clamped row and the store drops it.
    mRow = min(mm, m - 1);
    if (weights == BlockFormat::Q4_K)
      defineQ4_K();
    else if (weights == BlockFormat::Q6_K)
      defineQ6_K();
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
    case ScheduleFamily::Arm64Neon:
    case ScheduleFamily::Gpu: // on the host CPU: no GPU schedule yet
      return scheduleCpu();
    }
  }

private:
  Var nn{"n"}, mm{"m"}, blk{"blk"}, row{"row"}, grp{"grp"}, sub{"sub"}, pair{"pair"}, chunk{"chunk"},
      depthGroup{"depth_group"};
  Expr mRow;
  Func pairDot{"pair_dot"}, pairSum{"pair_sum"}, offsetDot{"super_block_offset_dot"};
  RDom pairCodes, pairChunks, pairTerms, minSubBlock;
  int pairSumGroups = 1;
  Func codeSum{"activation_code_sum"}, blockDot{"block_dot"}, partial{"row_partial"};
  Func superDot{"super_block_dot"}, minDot{"super_block_min_dot"}, codeSum16{"activation_code_sum_16"};
  Func decodedCodes{"decoded_codes"};
  Var codeByte{"code_byte"};
  RDom block, codes, sumElement, subBlock;

  /// The code (or activation) of byte t of chunk `chunk` of a row's lane: chunks of four codes.
  using LaneCode = std::function<Expr(const Expr &chunk, const Expr &t)>;

  /// Whether the integer dots take the route of pmaddubsw (below): AVX2 without 8-bit dot products. The
  /// AVX-512 variant without VNNI keeps 16-bit products (vpmaddwd), as before, and so does NEON, whose
  /// smlal widens and multiplies bytes in one instruction, without pmaddubsw's saturation.
  bool pairedByteProducts() const {
    return isX86(get_target()) && !hasInt8DotProduct(get_target()) && !get_target().has_feature(Target::AVX512);
  }

  /// pairSum(pair, row, group, args...): AVX2's only byte product, pmaddubsw, sums pairs of u8 x i8
  /// products into 16 bits, saturating, which codes of at most maxCode never reach. The pairs of up to
  /// 32767 / (2 * maxCode * 127) chunks of four codes (code(chunk, t) * x(chunk, t), t in 0..3) add up in
  /// 16 bits before they widen, where the 16-bit route widens every code: `chunks` chunks make
  /// pairSumGroups groups of pair sums, pair 0 holding bytes 0 and 1 of each chunk, pair 1 bytes 2 and 3.
  void definePairSums(const std::vector<Var> &args, int chunks, int maxCode, const LaneCode &code,
                      const LaneCode &x) {
    int depth = std::min(chunks, 32767 / (2 * maxCode * 127));
    while (chunks % depth != 0)
      --depth;
    pairSumGroups = chunks / depth;
    std::vector<Var> pairArgs{pair, row, chunk}, sumArgs{pair, row, depthGroup};
    pairArgs.insert(pairArgs.end(), args.begin(), args.end());
    sumArgs.insert(sumArgs.end(), args.begin(), args.end());
    RDom t(0, 2, "t");
    pairCodes = t;
    Expr byte = 2 * pair + t;
    pairDot(pairArgs) = cast<int16_t>(0);
    pairDot(pairArgs) = saturating_add(pairDot(pairArgs), widening_mul(cast<uint8_t>(code(chunk, byte)),
                                                                       cast<int8_t>(x(chunk, byte))));
    RDom c(0, depth, "chunk_in_group");
    pairChunks = c;
    std::vector<Expr> pairAt{pair, row, depthGroup * depth + c};
    pairAt.insert(pairAt.end(), args.begin(), args.end());
    pairSum(sumArgs) = cast<int16_t>(0);
    pairSum(sumArgs) += pairDot(pairAt);
  }

  /// The sum over pairTerms (pair, then the other terms) of the pair sums, `sum`, computed at `at`, the pair
  /// sums at `pairsAt`: the pair vectorized with the rows, as one vpmaddwd-shaped reduction of two lanes.
  void schedulePairTerms(Func sum, const LoopLevel &at, const LoopLevel &pairsAt) {
    sum.compute_at(at).store_in(MemoryType::Register).vectorize(row).unroll(mm);
    std::vector<VarOrRVar> order{pairTerms.x, row};
    for (int d = 1; d < pairTerms.dimensions(); ++d)
      order.push_back(pairTerms[d]);
    order.push_back(mm);
    Stage update = sum.update();
    update.reorder(order).atomic().vectorize(pairTerms.x).vectorize(row).unroll(mm);
    for (int d = 1; d < pairTerms.dimensions(); ++d)
      update.unroll(pairTerms[d]);
    schedulePairSums(pairsAt);
  }

  /// pairSum and pairDot computed at `at`, where their consumer takes the sums of one group of args.
  void schedulePairSums(const LoopLevel &at) {
    pairSum.compute_at(at)
        .store_in(MemoryType::Register)
        .vectorize(pair)
        .vectorize(row)
        .unroll(depthGroup)
        .unroll(mm);
    pairSum.update()
        .reorder(pair, row, pairChunks, depthGroup, mm)
        .vectorize(pair)
        .vectorize(row)
        .unroll(pairChunks)
        .unroll(depthGroup)
        .unroll(mm);
    pairDot.compute_at(pairSum, pairChunks).store_in(MemoryType::Register).vectorize(pair).vectorize(row);
    pairDot.update().reorder(pairCodes, pair, row).atomic(true).vectorize(pairCodes).vectorize(pair).vectorize(row);
  }

  /// The products are defined per (row of a group, group): the lanes of a vector are one group's rows.
  Expr record(int recordBytes, const Expr &blockIndex, const Expr &offset) {
    return w(blockIndex * recordBytes + offset, grp);
  }

  /// The offset of byte t of this row's lane in chunk `chunk` of codes (16 rows of four bytes each).
  Expr laneByte(const Expr &chunk, const Expr &t) const {
    return (chunk * pr::kGroupRows + row) * pr::kCodesPerLane + t;
  }

  /// Q4_0, Q4_1 and Q8_0 with 8-bit dot products (or 16-bit ones): per chunk of four codes one 4-way sum.
  void defineLaneDot(int recordBytes, const Expr &init) {
    const bool q8 = weights == BlockFormat::Q8_0;
    // t: the codes one lane sums at once; c: which four bytes; Q4_0's half: low or high nibbles.
    RDom q = q8 ? RDom(0, pr::kCodesPerLane, 0, pq8::kChunks, "q")
                : RDom(0, pr::kCodesPerLane, 0, pr::kBlockElems / 2 / pr::kCodesPerLane, 0, 2, "q");
    codes = q;
    Expr packed = record(recordBytes, blk, (q.y * pr::kGroupRows + row) * pr::kCodesPerLane + q.x);
    Expr code = q8 ? packed : select(q.z == 0, packed & 15, packed >> 4);
    Expr element = q.y * pr::kCodesPerLane + q.x + (q8 ? Expr(0) : q.z * (pr::kBlockElems / 2));
    blockDot(row, blk, grp, mm) = init;
    blockDot(row, blk, grp, mm) += cast<int32_t>(code) * cast<int32_t>(xq(blk * pr::kBlockElems + element, mRow));
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

    Expr init = q4_1 ? Expr(0) : -(q8 ? 128 : 8) * codeSum(blk, mRow);
    if (!q8 && pairedByteProducts()) {
      // Chunk c: bytes 4 (c % 4) .. + 3 of a row's 16, low nibbles for c < 4, high ones after.
      const int nibbleChunks = pr::kBlockElems / 2 / pr::kCodesPerLane;
      auto nibble = [&](const Expr &c, const Expr &t) {
        Expr packed = record(recordBytes, blk, laneByte(c % nibbleChunks, t));
        return select(c / nibbleChunks == 0, packed & 15, packed >> 4);
      };
      auto activation = [&](const Expr &c, const Expr &t) {
        Expr element = c / nibbleChunks * (pr::kBlockElems / 2) + c % nibbleChunks * pr::kCodesPerLane + t;
        return xq(blk * pr::kBlockElems + element, mRow);
      };
      definePairSums({blk, grp, mm}, 2 * nibbleChunks, 15, nibble, activation);
      RDom g(0, 2, 0, pairSumGroups, "pair_group");
      pairTerms = g;
      blockDot(row, blk, grp, mm) = init;
      blockDot(row, blk, grp, mm) += cast<int32_t>(pairSum(g.x, row, g.y, blk, grp, mm));
    } else {
      defineLaneDot(recordBytes, init);
    }

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

  /// superDot(row, blk, grp, mm) = init + sum_s scale(s) * (the integer dot of scale group s of super-block
  /// blk: `chunks` chunks of four codes of at most maxCode). With 8-bit dot products one 4-way sum per chunk
  /// (blockDot); on AVX2 the pair sums (definePairSums) times the scale in one vpmaddwd, which also adds
  /// the pairs: the 16-bit scale has to be exact (int8 or 6-bit).
  void defineScaledDot(int scales, int chunks, int maxCode, const LaneCode &code, const LaneCode &x,
                       const std::function<Expr(const Expr &)> &scale, const Expr &init) {
    superDot(row, blk, grp, mm) = init;
    if (pairedByteProducts()) {
      definePairSums({sub, blk, grp, mm}, chunks, maxCode, code, x);
      RDom g(0, 2, 0, pairSumGroups, 0, scales, "scaled_pair");
      pairTerms = g;
      superDot(row, blk, grp, mm) += cast<int32_t>(pairSum(g.x, row, g.y, g.z, blk, grp, mm)) *
                                     cast<int32_t>(cast<int16_t>(scale(g.z)));
      return;
    }
    RDom q(0, pr::kCodesPerLane, 0, chunks, "q");
    codes = q;
    blockDot(row, sub, blk, grp, mm) = 0;
    blockDot(row, sub, blk, grp, mm) += cast<int32_t>(code(q.y, q.x)) * cast<int32_t>(x(q.y, q.x));
    RDom s(0, scales, "sub_block");
    subBlock = s;
    superDot(row, blk, grp, mm) += cast<int32_t>(scale(s)) * blockDot(row, s, blk, grp, mm);
  }

  /// Per super-block: sum_s sc_s * dot_s and sum_s mn_s * sum(qx)_s in integers, then
  ///   acc + d * dx * sumi - dmin * dx * summ
  /// (x is quantized as ggml's Q8_K, one scale dx per super-block).
  void defineQ4_K() {
    Expr supers = xq.dim(0).extent() / pk::kSuperElems;
    auto nibble = [&](const Expr &c, const Expr &t) {
      Expr packed = record(pk::kRecordBytes, blk, laneByte(sub / 2 * pk::kChunks + c, t));
      return select(sub % 2 == 0, packed & 15, packed >> 4);
    };
    auto activation = [&](const Expr &c, const Expr &t) {
      return xq(blk * pk::kSuperElems + sub * pr::kBlockElems + c * pr::kCodesPerLane + t, mRow);
    };
    auto scale = [&](const Expr &s) {
      return record(pk::kRecordBytes, blk, pk::kScaleOffset + s * pr::kGroupRows + row);
    };
    defineScaledDot(pk::kSubBlocks, pk::kChunks, 15, nibble, activation, scale, 0);

    RDom s(0, pk::kSubBlocks, "min_sub_block");
    minSubBlock = s;
    Expr min = cast<int32_t>(record(pk::kRecordBytes, blk, pk::kMinOffset + s * pr::kGroupRows + row));
    minDot(row, blk, grp, mm) = 0;
    minDot(row, blk, grp, mm) += min * cast<int32_t>(xs(blk * pk::kSubBlocks + s, mRow));

    RDom b(0, supers, "super_block");
    block = b;
    Expr dx = xd(b * pk::kSubBlocks, mRow);
    Expr d = halfFromBytes(record(pk::kRecordBytes, b, pk::kDLowOffset + row),
                           record(pk::kRecordBytes, b, pk::kDHighOffset + row));
    Expr dmin = halfFromBytes(record(pk::kRecordBytes, b, pk::kDMinLowOffset + row),
                              record(pk::kRecordBytes, b, pk::kDMinHighOffset + row));
    partial(row, grp, mm) = 0.0f;
    partial(row, grp, mm) = partial(row, grp, mm) + cast<float>(superDot(row, b, grp, mm)) * (d * dx) -
                            cast<float>(minDot(row, b, grp, mm)) * (dmin * dx);
  }

  /// Per super-block, with q the 6-bit codes (0..63) and sc the int8 scale of each 16 elements:
  ///   acc + d * dx * sum_s sc_s * (sum_16 q * qx - 32 * sum_16 qx)
  /// (x quantized as ggml's Q8_K). The products take the codes unsigned, as vpdpbusd does, and the offset of
  /// 32 comes back through each 16 activation codes' sum.
  void defineQ6_K() {
    Expr supers = xq.dim(0).extent() / pq6::kSuperElems;
    RDom e(0, pq6::kScaleElems, "e");
    sumElement = e;
    codeSum16(blk, mm) = 0;
    codeSum16(blk, mm) += cast<int32_t>(xq(blk * pq6::kScaleElems + e, mm));

    // Scale group sub (16 elements) is chunks 4 (sub % 2) .. + 3 of 32-element block sub / 2, whose low
    // nibbles are pair sub / 4's (high nibbles for odd blocks) and whose high bits are field (sub / 2) % 4
    // of half sub / 8's.
    const int scaleChunks = pq6::kScaleElems / pr::kCodesPerLane;
    auto code = [&](const Expr &c, const Expr &t) {
      Expr inBlock = sub % 2 * scaleChunks + c;
      Expr nibbles = record(pq6::kRecordBytes, blk, laneByte(sub / 4 * pq6::kChunks + inBlock, t));
      Expr low = select(sub / 2 % 2 == 0, nibbles & 15, nibbles >> 4);
      Expr highBits = record(pq6::kRecordBytes, blk, pq6::kHighOffset + laneByte(sub / 8 * pq6::kChunks + inBlock, t));
      return low | (((highBits >> cast<uint8_t>(sub / 2 % 4 * 2)) & 3) << 4);
    };
    auto activation = [&](const Expr &c, const Expr &t) {
      return xq(blk * pq6::kSuperElems + sub * pq6::kScaleElems + c * pr::kCodesPerLane + t, mRow);
    };
    auto scale = [&](const Expr &s) {
      return reinterpret<int8_t>(record(pq6::kRecordBytes, blk, pq6::kScaleOffset + s * pr::kGroupRows + row));
    };
    // sum_s sc_s * sum_16 qx, for the offset of 32.
    RDom s(0, pq6::kScales, "offset_scale_group");
    minSubBlock = s;
    offsetDot(row, blk, grp, mm) = 0;
    offsetDot(row, blk, grp, mm) += cast<int32_t>(scale(s)) * codeSum16(blk * pq6::kScales + s, mRow);
    // The AVX2 GEMM decodes a task's codes once for all its rows of x (scheduleCpu), where decoding them
    // per tile of two rows cost more than their products.
    const bool decodeOnce = shape == LinearShape::Gemm && pairedByteProducts();
    if (decodeOnce)
      decodedCodes(codeByte, row, chunk, sub, blk, grp) = cast<uint8_t>(code(chunk, codeByte));
    LaneCode decoded = [&](const Expr &c, const Expr &t) { return decodedCodes(t, row, c, sub, blk, grp); };
    defineScaledDot(pq6::kScales, scaleChunks, 63, decodeOnce ? decoded : code, activation, scale,
                    -32 * offsetDot(row, blk, grp, mm));

    RDom b(0, supers, "super_block");
    block = b;
    Expr dx = xd(b * (pq6::kSuperElems / pr::kBlockElems), mRow);
    Expr d = halfFromBytes(record(pq6::kRecordBytes, b, pq6::kDLowOffset + row),
                           record(pq6::kRecordBytes, b, pq6::kDHighOffset + row));
    partial(row, grp, mm) = 0.0f;
    partial(row, grp, mm) = partial(row, grp, mm) + cast<float>(superDot(row, b, grp, mm)) * (d * dx);
  }

  void scheduleLaneDot() {
    blockDot.compute_at(partial, block).store_in(MemoryType::Register).vectorize(row).unroll(mm);
    Stage update = blockDot.update();
    if (weights != BlockFormat::Q8_0)
      update.reorder(codes.x, row, codes.y, codes.z, mm).unroll(codes.z);
    else
      update.reorder(codes.x, row, codes.y, mm);
    update.atomic().vectorize(codes.x).vectorize(row).unroll(codes.y).unroll(mm);
  }

  void scheduleCpu() {
    // 16 rows are one zmm (two ymm without AVX-512). The GEMM shares each decoded block across rows of x:
    // four on AVX-512 (4 float and 4 integer accumulators, 8 registers of codes), two on AVX2. The AVX2
    // k-quants take one: their per-scale-group accumulators for a second row spill (loom-bench-kernels
    // BM_BlockGemm, Q4_K 1024 x 3072: 50 -> 64 GMAC/s on a Zen 3).
    const bool gemv = shape == LinearShape::Gemv;
    const bool avx512 = get_target().has_feature(Target::AVX512);
    const bool kQuant = weights == BlockFormat::Q4_K || weights == BlockFormat::Q6_K;
    const int xRows = gemv ? 1 : avx512 ? 4 : kQuant ? 1 : 2;
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
    const bool superBlocks = weights == BlockFormat::Q4_K || weights == BlockFormat::Q6_K;
    partial.update().prefetch(w, block, block, superBlocks ? kPrefetchSuperBlocks : kPrefetchBlocks);

    if (!superBlocks) {
      if (pairedByteProducts() && weights != BlockFormat::Q8_0)
        schedulePairTerms(blockDot, LoopLevel(partial, block), LoopLevel(partial, block));
      else
        scheduleLaneDot();
      // A block's 32 codes are one contiguous vector, summed across its lanes.
      if (weights != BlockFormat::Q4_1) {
        codeSum.compute_at(y, gemv ? task : mTile);
        codeSum.update().atomic().vectorize(sumElement);
      }
      return;
    }
    if (weights == BlockFormat::Q6_K) {
      codeSum16.compute_at(y, gemv ? task : mTile);
      codeSum16.update().atomic().vectorize(sumElement);
      if (!gemv && pairedByteProducts())
        decodedCodes.compute_at(y, task).vectorize(codeByte).vectorize(row).unroll(chunk);
    }
    // Q4_K's mins and Q6_K's offsets: one multiply-add per scale group, for 16 rows at once.
    Func perScaleGroup = weights == BlockFormat::Q4_K ? minDot : offsetDot;
    perScaleGroup.compute_at(partial, block).store_in(MemoryType::Register).vectorize(row).unroll(mm);
    perScaleGroup.update().reorder(row, mm, minSubBlock).vectorize(row).unroll(mm).unroll(minSubBlock);
    if (pairedByteProducts())
      return schedulePairTerms(superDot, LoopLevel(partial, block), LoopLevel(superDot, pairTerms.z));
    superDot.compute_at(partial, block).store_in(MemoryType::Register).vectorize(row).unroll(mm);
    superDot.update().reorder(row, mm, subBlock).vectorize(row).unroll(mm).unroll(subBlock);
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
