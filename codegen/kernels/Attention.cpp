//===- Attention.cpp - Causal attention over the KV cache -----------------===//
//
// For query token i at position p = start_pos + i and head h:
//   out[i, h, :] = softmax_t(scale * q[i, h, :] . K[t, g, :]) V[t, g, :],  g = h / (heads / kv_heads)
// over the keys t the mask lets the query see, always t <= p and
//   sliding window (mask 1): t > p - window;  chunked (mask 2): t / window == p / window.
// Those keys are one contiguous run [first, p] of positions. Position t is cache
// row t % rows: the identity for a cache that holds every position, a ring for
// sliding-window and chunked layers (Kernels.h); the pipeline is specialised
// for the first, so a full cache pays no division.
//
// The arithmetic is ggml's, operation for operation, so that models run from
// GGUF files agree with llama.cpp to the last bit: its attention output feeds
// a quantized product whose 8-bit activation codes an ulp can move, and a
// 4-bit model amplifies those moves into different tokens. ggml computes
// (CPU backend, x86, AVX-512 build, without flash attention):
//   - each score as ggml_vec_dot_f32 does: 64 FMA accumulators over head_dim
//     (feature d into accumulator d mod 64), folded as (a + a[+32]) + (a[+16] +
//     a[+48]) into 16 lanes, then summed as _mm512_reduce_add_ps sums (halves,
//     quarters, then pairs); features past the last multiple of 64 are FMA'd
//     into that sum one at a time;
//   - the softmax over scale * score (capped as softcap * tanh(s / softcap) when
//     softcap > 0, Gemma 2 and Grok; with a learned sink logit per head when
//     has_sinks, gpt-oss): max, e = ggml's exp (FloatMath.h) of the
//     difference, a sum of e in F64 over aligned blocks of 16 cache rows each
//     summed as above, and e * F32(1 / sum);
//   - each output feature as a dot product over cache rows of probabilities
//     and values: for one query (decode) ggml_vec_dot_f32's order again, row t
//     into accumulator t mod 64; for several queries llamafile's tinyBLAS
//     order, row t into accumulator t mod 16 with no folding.
// Rows outside [first, p] have probability 0 in ggml and add nothing.
//
// The schedule (scheduleCpu) says how the work is split without changing
// any of those orders.
//
//===----------------------------------------------------------------------===//

#include "FloatMath.h"
#include "ScheduleTarget.h"
#include "WeightFormat.h"

#include <functional>
#include <limits>
#include <vector>

using namespace Halide;

namespace loom::kernels {
namespace {

/// Mask values of Kernels.h (LOOM_MASK_*).
constexpr int kMaskSlidingWindow = 1, kMaskChunked = 2;

/// ggml_vec_dot_f32's accumulators (4 vectors of 16 floats), tinyBLAS's (one vector of 16).
constexpr int kDotAccumulators = 64, kLanes = 16;
/// Cache rows per score task; features per value task (a decode step has head_dim / kValueFeatures).
constexpr int kScoreRows = 64, kValueFeatures = 32;

/// _mm512_reduce_add_ps of 16 lanes as GCC expands it.
Expr reduce16(const std::function<Expr(int)> &lane) {
  std::vector<Expr> v;
  for (int i = 0; i < 8; ++i)
    v.push_back(lane(i + 8) + lane(i));
  std::vector<Expr> w;
  for (int i = 0; i < 4; ++i)
    w.push_back(v[i + 4] + v[i]);
  return strict_float((w[0] + w[2]) + (w[1] + w[3]));
}

/// ggml_vec_dot_f32's fold of its 64 accumulators into 16 lanes.
Expr foldAccumulators(const std::function<Expr(Expr)> &accumulator, const Expr &lane) {
  return strict_float((accumulator(lane) + accumulator(lane + 32)) + (accumulator(lane + 16) + accumulator(lane + 48)));
}

class Attention : public Generator<Attention> {
public:
  // Query heads are split into (j, g): head g * group + j, the j-th of the group sharing KV head g, so
  // that no loop divides by the group size.
  Input<Buffer<float, 4>> q{"q"};             // [head_dim, group, kv_heads, n]
  // Element type set per build (k_cache.type=float32|float16): F16 caches are widened as they are read.
  Input<Buffer<void, 3>> k_cache{"k_cache"}; // [key_dim, kv_heads, rows]: position t in row t % rows
  Input<Buffer<void, 3>> v_cache{"v_cache"}; // [value_dim, kv_heads, rows]
  Input<int32_t> start_pos{"start_pos"};
  Input<float> scale{"scale"};
  Input<float> softcap{"softcap"};           // > 0: scores become softcap * tanh(score / softcap)
  Input<Buffer<float, 1>> sinks{"sinks"};    // [heads], read only when has_sinks
  Input<bool> has_sinks{"has_sinks"};
  Input<int32_t> mask{"mask"};
  Input<int32_t> window{"window"};
  Output<Buffer<float, 4>> out{"out"}; // [value_dim, group, kv_heads, n]

  void generate() {
    Expr headDim = q.dim(0).extent();
    Expr queries = q.dim(3).extent();
    Expr keys = start_pos + queries; // positions [0, keys) exist; the cache holds the ones a query can see
    Expr rows = k_cache.dim(2).extent();
    wraps = rows < keys;
    Expr pos = start_pos + query;
    // Integer division by zero is 0 in Halide, and window is 0 only for the global mask anyway.
    Expr first = select(mask == kMaskSlidingWindow, max(pos - window + 1, 0), mask == kMaskChunked,
                        pos / window * window, 0);
    auto visible = [&](Expr t) { return t >= first && t <= pos; };
    // Positions are clamped (the aligned blocks of 16 rows reach past the run), then wrapped into the ring;
    // the outer clamp tells bounds inference the row is in the buffer either way.
    auto row = [&](Expr t) {
      Expr position = clamp(t, 0, keys - 1);
      return clamp(select(wraps, position % rows, position), 0, rows - 1);
    };

    // Scores. A loop over the cache rows of the run, as Halide tightens a `where` into loop bounds.
    Expr mainDims = headDim / kDotAccumulators * kDotAccumulators;
    RDom chunks(0, headDim / kDotAccumulators, "head_dim_chunks");
    dotAccumulators(a, t, j, g, query) = 0.0f;
    // acc + k * q: LLVM contracts it into one FMA, as ggml's _mm512_fmadd_ps; the reference tests check
    // the bits.
    dotAccumulators(a, t, j, g, query) =
        dotAccumulators(a, t, j, g, query) +
        widenCacheElement(k_cache(chunks * kDotAccumulators + a, g, row(t))) * q(chunks * kDotAccumulators + a, j, g, query);
    folded(lane, t, j, g, query) =
        foldAccumulators([&](Expr acc) { return dotAccumulators(acc, t, j, g, query); }, lane);
    Expr simdPart = select(mainDims > 0, reduce16([&](int l) { return folded(l, t, j, g, query); }), 0.0f);
    dot(t, j, g, query) = simdPart;
    RDom rest(0, headDim - mainDims, "head_dim_rest");
    dot(t, j, g, query) =
        dot(t, j, g, query) + widenCacheElement(k_cache(mainDims + rest, g, row(t))) * q(mainDims + rest, j, g, query);
    Expr score = strict_float(dot(t, j, g, query) * scale);
    scaled(t, j, g, query) = select(softcap > 0.0f, softcap * tanh(score / softcap), score);
    // A learned sink (gpt-oss) is one more logit in each head's softmax, with no value: it raises the max
    // and the denominator, and is dropped from the output.
    Expr head = g * q.dim(1).extent() + j;
    Expr sink = sinks(clamp(head, 0, sinks.dim(0).extent() - 1));

    // Softmax. Not -inf for the empty max: Halide compiles assuming no infinities; every run is nonempty.
    RDom runMax(0, keys, "run_max");
    runMax.where(visible(runMax));
    maxScore(j, g, query) = select(has_sinks, sink, std::numeric_limits<float>::lowest());
    maxScore(j, g, query) = max(maxScore(j, g, query), scaled(runMax, j, g, query));
    expScore(t, j, g, query) =
        select(visible(t), ggmlExp(strict_float(scaled(t, j, g, query) - maxScore(j, g, query))), 0.0f);
    blockSum(blk, j, g, query) = reduce16([&](int l) { return expScore(blk * kLanes + l, j, g, query); });
    RDom blocks(0, (keys + kLanes - 1) / kLanes, "blocks");
    blocks.where(blocks >= first / kLanes && blocks <= pos / kLanes);
    expSum(j, g, query) =
        select(has_sinks, cast<double>(ggmlExp(strict_float(sink - maxScore(j, g, query)))), cast<double>(0));
    expSum(j, g, query) = strict_float(expSum(j, g, query) + cast<double>(blockSum(blocks, j, g, query)));
    probability(t, j, g, query) =
        strict_float(expScore(t, j, g, query) * cast<float>(Expr(1.0) / expSum(j, g, query)));

    // Values: row t into accumulator t mod 64 (one query: ggml_vec_dot_f32) or t mod 16 (several:
    // tinyBLAS), in row order.
    Expr period = select(queries == 1, kDotAccumulators, kLanes);
    RDom runRows(0, keys, "run_rows");
    runRows.where(visible(runRows));
    valueAccumulators(d, a, j, g, query) = 0.0f;
    // period is a power of two: the mask avoids a division per row.
    Expr slot = runRows & (period - 1);
    valueAccumulators(d, slot, j, g, query) =
        valueAccumulators(d, slot, j, g, query) +
        probability(runRows, j, g, query) * widenCacheElement(v_cache(d, g, row(runRows)));
    valueRows = runRows;
    Expr lanes = select(queries == 1,
                        foldAccumulators([&](Expr acc) { return valueAccumulators(d, acc, j, g, query); }, lane),
                        valueAccumulators(d, lane, j, g, query));
    valueLanes(d, lane, j, g, query) = lanes;
    out(d, j, g, query) = reduce16([&](int l) { return valueLanes(d, l, j, g, query); });
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
  Var d{"d"}, j{"j"}, g{"g"}, query{"query"}, t{"t"}, a{"a"}, lane{"lane"}, blk{"blk"};
  Func dotAccumulators{"dot_accumulators"}, folded{"folded"}, dot{"dot"}, scaled{"scaled"};
  Func maxScore{"max_score"}, expScore{"exp_score"}, blockSum{"block_sum"}, expSum{"exp_sum"};
  Func probability{"probability"}, valueAccumulators{"value_accumulators"}, valueLanes{"value_lanes"};
  RDom valueRows;
  Expr wraps;

  void scheduleCpu() {
    // Three stages, each walking the cache in row order so that K and V stream as whole rows (all KV
    // heads of a position are one contiguous run; per-head walks read 256-512 byte slivers 4 KiB apart,
    // which the hardware prefetchers do not follow). The value sums cannot be split along the rows
    // (ggml's summation order is one chain per accumulator), so a decode step is parallel over blocks of
    // features instead.
    //   1. Scores of every (row, head, query), tasks over blocks of rows.
    Var rowBlock("row_block"), rowIn("row_in"), scoreTask("score_task");
    scaled.compute_root()
        .split(t, rowBlock, rowIn, kScoreRows, TailStrategy::GuardWithIf)
        .reorder(j, g, rowIn, rowBlock, query)
        .fuse(rowBlock, query, scoreTask)
        .parallel(scoreTask);
    dotAccumulators.compute_at(scaled, j).vectorize(a, 8);
    dotAccumulators.update().vectorize(a, 8);
    folded.compute_at(scaled, j).vectorize(lane, 8);
    dot.compute_at(scaled, j);
    //   2. The softmax of every (head, query).
    Var head("head"), softmaxTask("softmax_task");
    probability.compute_root()
        .fuse(j, g, head)
        .fuse(head, query, softmaxTask)
        .parallel(softmaxTask)
        .vectorize(t, 8, TailStrategy::GuardWithIf);
    for (Func f : {maxScore, expScore, expSum})
      f.compute_at(probability, softmaxTask);
    expScore.vectorize(t, 8, TailStrategy::GuardWithIf);
    //   3. Values: tasks over (block of features, query); each walks the rows once for all heads, the
    //      accumulators of one row slot of every head side by side.
    Var dBlock("d_block"), dIn("d_in"), valueTask("value_task");
    out.split(d, dBlock, dIn, kValueFeatures, TailStrategy::GuardWithIf)
        .reorder(dIn, j, g, dBlock, query)
        .fuse(dBlock, query, valueTask)
        .parallel(valueTask)
        .vectorize(dIn, 8, TailStrategy::GuardWithIf);
    valueAccumulators.compute_at(out, valueTask)
        .reorder_storage(d, j, g, a, query)
        .vectorize(d, 8, TailStrategy::GuardWithIf);
    valueAccumulators.update().reorder(d, j, g, valueRows).vectorize(d, 8, TailStrategy::GuardWithIf);
    valueLanes.compute_at(out, valueTask).vectorize(d, 8, TailStrategy::GuardWithIf);
    // A full cache (the common case) never wraps, so its loops carry no division per row; likewise without a
    // softcap, the common case, no tanh is evaluated (a select evaluates both sides). Last, because a
    // specialisation copies the schedule given so far, its own specialisations included: the softcap's
    // comes first so that the cache's copies it. (The other way round, the non-wrapping case, which is
    // every case but a full ring, ran libm's tanhf on every score: 4% of a Qwen3 prefill.)
    scaled.specialize(softcap <= 0.0f);
    for (Func f : {scaled, probability, Func(out)})
      f.specialize(!wraps);
  }
};

} // namespace
} // namespace loom::kernels

HALIDE_REGISTER_GENERATOR(loom::kernels::Attention, loom_attention)
