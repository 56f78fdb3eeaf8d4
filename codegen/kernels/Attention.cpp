//===- Attention.cpp - Causal attention over the KV cache -----------------===//
//
// For query token i at position p = start_pos + i and head h:
//   out[i, h, :] = softmax_t(scale * q[i, h, :] . K[t, g, :]) V[t, g, :],  g = h / (heads / kv_heads)
// over the keys t the mask lets the query see, always t <= p and
//   sliding window (mask 1): t > p - window;  chunked (mask 2): t / window == p / window.
// Those keys are one contiguous run [first, p]; key first + r is "visible key
// r", r < visible = p - first + 1.
//
// Split-key ("flash decoding") form. Each query's visible keys are cut into
// chunks of chunk_len; a task takes one (chunk, query) and, for every head,
// computes the chunk's score max m_c, sum of exp(score - m_c) l_c and
// exp-weighted sum of values a_c. A second stage combines the chunks:
//   out = sum_c e^(m_c - M) a_c / sum_c e^(m_c - M) l_c,   M = max_c m_c.
// Cutting along keys rather than heads is what makes decode bandwidth-bound:
// a cache row holds every KV head of one token (kv_heads * head_dim floats,
// 4 KiB for Qwen3-0.6B), so a task that walks its keys and, per key, all
// heads reads K and V as sequential streams, and once for all the query
// heads that share a KV head. Per-head tasks read 512-byte slivers 4 KiB
// apart, which defeats the hardware prefetchers (a 3x slowdown measured).
//
// Within a task, scores and probabilities live in blocks of kBlock keys,
// scores(lane, block) for key block * kBlock + lane, so every pass works on
// whole vectors. Loops run only over blocks holding visible keys: an RDom
// `where` clause of the form block * kBlock < visible is one Halide turns
// into a tight loop bound, so masked-out keys cost nothing. Lanes past the
// last visible key hold scores of a clamped key row; the reductions mask
// them out. The softmax is in F32 with the max subtracted.
//
//===----------------------------------------------------------------------===//

#include "FloatMath.h"
#include "LaneSum.h"
#include "ScheduleTarget.h"

#include <functional>
#include <limits>
#include <string>
#include <vector>

using namespace Halide;

namespace loom::kernels {
namespace {

/// Mask values of Kernels.h (LOOM_MASK_*).
constexpr int kMaskSlidingWindow = 1, kMaskChunked = 2;

/// Keys per block (one AVX2 vector of scores), and partial sums per query-key dot product.
constexpr int kBlock = 8;
constexpr int kDotLanes = 8;

class Attention : public Generator<Attention> {
public:
  // Query heads are split into (j, g): head g * group + j, the j-th of the group sharing KV head g, so
  // that no loop divides by the group size.
  Input<Buffer<float, 4>> q{"q"};             // [head_dim, group, kv_heads, n]
  Input<Buffer<float, 3>> k_cache{"k_cache"}; // [head_dim, kv_heads, start_pos + n]: the rows in use
  Input<Buffer<float, 3>> v_cache{"v_cache"}; // likewise
  Input<int32_t> start_pos{"start_pos"};
  Input<float> scale{"scale"};
  Input<int32_t> mask{"mask"};
  Input<int32_t> window{"window"};
  /// Keys per chunk, a positive multiple of kBlock; the caller trades parallelism for combine work.
  Input<int32_t> chunk_len{"chunk_len"};
  Output<Buffer<float, 4>> out{"out"}; // [head_dim, group, kv_heads, n]

  void generate() {
    Expr headDim = q.dim(0).extent();
    Expr keys = k_cache.dim(2).extent();
    Expr pos = start_pos + query;
    // Integer division by zero is 0 in Halide, and window is 0 only for the global mask anyway.
    Expr first = select(mask == kMaskSlidingWindow, max(pos - window + 1, 0), mask == kMaskChunked,
                        pos / window * window, 0);
    Expr visible = pos - first + 1;
    // Chunks of the longest visible run any query can have.
    Expr longest = select(mask == kMaskSlidingWindow || mask == kMaskChunked, min(window, keys), keys);
    Expr chunks = (longest + chunk_len - 1) / chunk_len;
    Expr blocksPerChunk = chunk_len / kBlock;

    // Visible key r of `chunk`, clamped so that lanes past the end read a row inside the cache.
    auto keyRow = [&](Expr r) { return min(first + chunk * chunk_len + r, keys - 1); };
    auto isVisible = [&](Expr r) { return chunk * chunk_len + r < visible; };
    // The blocks of `chunk` holding visible keys, as a loop Halide bounds tightly.
    auto visibleBlocks = [&](const std::string &name) {
      RDom blocks(0, blocksPerChunk, name);
      blocks.where(chunk * chunk_len + blocks * kBlock < visible);
      return blocks;
    };

    dot = laneSum("qk", lane, {r, j, g, chunk, query}, headDim, kDotLanes,
                  [&](Expr d) { return q(d, j, g, query) * k_cache(d, g, keyRow(r)); });
    qk(r, j, g, chunk, query) = dot.total * scale;

    // Blocks are written only where they hold visible keys (undef leaves the rest alone).
    scores(lane, block, j, g, chunk, query) = undef<float>();
    scoreBlocks = visibleBlocks("score_blocks");
    scores(lane, scoreBlocks, j, g, chunk, query) = qk(scoreBlocks * kBlock + lane, j, g, chunk, query);

    // Reduces blocked(lane, block, ...) over the chunk's visible keys with an associative `op`: a
    // partial result per lane, then a tree over the lanes. A scalar reduction would be one long
    // dependency chain of op latencies.
    auto reduceVisible = [&](const std::string &name, Expr identity, std::function<Expr(Expr, Expr)> op,
                             Func blocked) {
      Func partial(name + "_lanes");
      RDom blocks = visibleBlocks(name + "_blocks");
      Expr seen = isVisible(blocks * kBlock + lane);
      partial(lane, j, g, chunk, query) = identity;
      partial(lane, j, g, chunk, query) = op(partial(lane, j, g, chunk, query),
                                             select(seen, blocked(lane, blocks, j, g, chunk, query), identity));
      laneReductions.push_back(partial);
      std::vector<Expr> lanes;
      for (int l = 0; l < kBlock; ++l)
        lanes.push_back(partial(l, j, g, chunk, query));
      while (lanes.size() > 1) {
        std::vector<Expr> next;
        for (size_t i = 0; i < lanes.size(); i += 2)
          next.push_back(op(lanes[i], lanes[i + 1]));
        lanes = std::move(next);
      }
      return lanes.front();
    };

    // Not -inf: Halide compiles assuming no infinities. An empty chunk keeps this max and zero sums,
    // and its combine weight e^(lowest - M) is 0.
    Expr lowest = std::numeric_limits<float>::lowest();
    chunkMax(j, g, chunk, query) =
        reduceVisible("max", lowest, [](Expr a, Expr b) { return max(a, b); }, scores);

    probs(lane, block, j, g, chunk, query) = undef<float>();
    probBlocks = visibleBlocks("prob_blocks");
    probs(lane, probBlocks, j, g, chunk, query) =
        accurateExp(scores(lane, probBlocks, j, g, chunk, query) - chunkMax(j, g, chunk, query));
    chunkSum(j, g, chunk, query) =
        reduceVisible("sum", 0.0f, [](Expr a, Expr b) { return a + b; }, probs);

    valueKeys = RDom(0, chunk_len, "value_keys");
    valueKeys.where(isVisible(valueKeys));
    chunkValues(d, j, g, chunk, query) = 0.0f;
    chunkValues(d, j, g, chunk, query) +=
        probs(valueKeys % kBlock, valueKeys / kBlock, j, g, chunk, query) * v_cache(d, g, keyRow(valueKeys));

    // Everything a chunk contributes, as one Func so that one task computes all of it.
    partials(d, j, g, chunk, query) = {chunkMax(j, g, chunk, query), chunkSum(j, g, chunk, query),
                                       chunkValues(d, j, g, chunk, query)};

    RDom allChunks(0, chunks, "all_chunks");
    globalMax(j, g, query) = lowest;
    globalMax(j, g, query) = max(globalMax(j, g, query), partials(0, j, g, allChunks, query)[0]);
    weight(j, g, chunk, query) = accurateExp(partials(0, j, g, chunk, query)[0] - globalMax(j, g, query));
    RDom sumChunks(0, chunks, "sum_chunks");
    denominator(j, g, query) = 0.0f;
    denominator(j, g, query) += weight(j, g, sumChunks, query) * partials(0, j, g, sumChunks, query)[1];
    RDom valueChunks(0, chunks, "value_chunks");
    numerator(d, j, g, query) = 0.0f;
    numerator(d, j, g, query) += weight(j, g, valueChunks, query) * partials(d, j, g, valueChunks, query)[2];
    combineChunks = valueChunks;

    out(d, j, g, query) = numerator(d, j, g, query) / denominator(j, g, query);
  }

  void schedule() {
    switch (scheduleFamily(get_target())) {
    case ScheduleFamily::X86Avx2:
      return scheduleCpu();
    }
  }

private:
  Var d{"d"}, j{"j"}, g{"g"}, query{"query"}, chunk{"chunk"}, r{"r"}, lane{"lane"}, block{"block"};
  LaneSum dot;
  Func qk{"qk"}, scores{"scores"}, chunkMax{"chunk_max"}, probs{"probs"}, chunkSum{"chunk_sum"},
      chunkValues{"chunk_values"}, partials{"partials"};
  Func globalMax{"global_max"}, weight{"weight"}, denominator{"denominator"}, numerator{"numerator"};
  /// Per-lane partial results of the masked reductions, to schedule.
  std::vector<Func> laneReductions;
  RDom scoreBlocks, probBlocks, valueKeys, combineChunks;

  void scheduleCpu() {
    // Stage 1: one task per (chunk, query), all heads inside, keys outermost within each pass.
    Var task("task");
    partials.compute_root().fuse(chunk, query, task).parallel(task).vectorize(d, 8, TailStrategy::GuardWithIf);
    for (Func f : {scores, chunkMax, probs, chunkSum, chunkValues})
      f.compute_at(partials, task);

    // A block's scores for one head: 8 accumulators (one per key) over head_dim, then a
    // transpose-and-add. Blocks outside heads, so K streams key by key.
    scores.update().reorder(lane, j, g, scoreBlocks).vectorize(lane);
    qk.compute_at(scores, j).vectorize(r);
    dot.partial.compute_at(scores, j).vectorize(lane).unroll(r);
    dot.partial.update().reorder(lane, r, dot.body).vectorize(lane).unroll(r);
    // At the common head sizes the loop over head_dim unrolls completely, so the eight key rows'
    // addresses are computed once per block instead of once per vector.
    for (int size : {64, 128})
      dot.partial.update().specialize(q.dim(0).extent() == size).unroll(dot.body);
    dot.tail.compute_at(scores, j).unroll(r);
    dot.tail.update().reorder(r, dot.rest).unroll(r);

    probs.update().vectorize(lane);
    for (Func f : laneReductions) {
      f.compute_at(partials, task).vectorize(lane);
      f.update().vectorize(lane);
    }
    // Keys outside heads again, so V streams key by key too; the accumulators of all heads (heads x
    // head_dim floats) stay in L1.
    chunkValues.vectorize(d, 8, TailStrategy::GuardWithIf);
    chunkValues.update().reorder(d, j, g, valueKeys).vectorize(d, 8, TailStrategy::GuardWithIf);

    // Stage 2: combining a few chunks is cheap; queries in parallel.
    out.parallel(query).vectorize(d, 8, TailStrategy::GuardWithIf);
    for (Func f : {globalMax, weight, denominator, numerator})
      f.compute_at(out, query);
    numerator.vectorize(d, 8, TailStrategy::GuardWithIf);
    numerator.update().reorder(d, combineChunks, j, g).vectorize(d, 8, TailStrategy::GuardWithIf);
  }
};

} // namespace
} // namespace loom::kernels

HALIDE_REGISTER_GENERATOR(loom::kernels::Attention, loom_attention)
