//===- SplitKeyAttention.cpp - Attention split over chunks of keys --------===//
//
// The `fast` numerics profile's attention: the same function as Attention.cpp
// (softmax_t(scale * q . K[t]) V[t] over the keys t a query may see, the same
// masks, ring caches, softcap and sinks), computed flash-decoding style.
//
// The keys are cut into chunks of kKeyChunk positions, aligned to absolute
// positions. For every (chunk, KV head, query) one task computes, for each
// query head of the group, the chunk's score maximum m_c, and over the
// chunk's visible keys s_c = sum_t e^(score_t - m_c) and
// o_c = sum_t e^(score_t - m_c) V[t]. A second pass combines the chunks:
//   M = max_c m_c,  out = sum_c e^(m_c - M) o_c / sum_c e^(m_c - M) s_c,
// a learned sink adding e^(sink - M) to the denominator only.
//
// Why this shape: a decode step then has one independent task per chunk
// instead of ggml's one chain per accumulator over all keys (Attention.cpp),
// so both cores stream the cache at full bandwidth, and each task reads each
// K and V row once for all query heads sharing it.
//
// Every number a query gets depends only on its position and the cache: the
// chunks are aligned to positions, not to the call's first query, and no
// loop's order depends on how many queries the call has. So a decode step
// equals the same query in a batched pass bit for bit (a test checks it), as
// the runtime's incremental decode promises; thread counts change only which
// core runs a task.
//
//===----------------------------------------------------------------------===//

#include "FloatMath.h"
#include "ScheduleTarget.h"
#include "WeightFormat.h"

#include <limits>

using namespace Halide;

namespace loom::kernels {
namespace {

/// Mask values of Kernels.h (LOOM_MASK_*).
constexpr int kMaskSlidingWindow = 1, kMaskChunked = 2;
/// Keys per chunk: small enough that a short context still gives both cores work, large enough that the
/// combine and the task overheads stay a few percent of a long one (Kernels.h states the value).
constexpr int kKeyChunk = 64;
/// Lanes of the score dot products: one AVX-512 vector, two AVX2 ones.
constexpr int kLanes = 16;

/// The sum of 16 lanes as a balanced tree.
Expr sumLanes(const Func &lanes, const std::vector<Expr> &rest) {
  std::vector<Expr> level;
  for (int l = 0; l < kLanes; ++l) {
    std::vector<Expr> args{l};
    args.insert(args.end(), rest.begin(), rest.end());
    level.push_back(lanes(args));
  }
  while (level.size() > 1) {
    std::vector<Expr> next;
    for (size_t i = 0; i < level.size() / 2; ++i)
      next.push_back(level[i] + level[i + level.size() / 2]);
    level = next;
  }
  return level[0];
}

class SplitKeyAttention : public Generator<SplitKeyAttention> {
public:
  // The interface of Attention.cpp: query heads as (j, g), head g * group + j.
  Input<Buffer<float, 4>> q{"q"};             // [key_dim, group, kv_heads, n]
  Input<Buffer<void, 3>> k_cache{"k_cache"}; // [key_dim, kv_heads, rows]: position t in row t % rows
  Input<Buffer<void, 3>> v_cache{"v_cache"}; // [value_dim, kv_heads, rows]
  Input<int32_t> start_pos{"start_pos"};
  Input<float> scale{"scale"};
  Input<float> softcap{"softcap"};
  Input<Buffer<float, 1>> sinks{"sinks"};
  Input<bool> has_sinks{"has_sinks"};
  Input<int32_t> mask{"mask"};
  Input<int32_t> window{"window"};
  Output<Buffer<float, 4>> out{"out"}; // [value_dim, group, kv_heads, n]

  void generate() {
    Expr keyDim = q.dim(0).extent();
    Expr queries = q.dim(3).extent();
    Expr keys = start_pos + queries;
    Expr rows = k_cache.dim(2).extent();
    wraps = rows < keys;
    Expr pos = start_pos + query;
    Expr first = select(mask == kMaskSlidingWindow, max(pos - window + 1, 0), mask == kMaskChunked,
                        pos / window * window, 0);
    auto row = [&](Expr t) {
      Expr position = clamp(t, 0, keys - 1);
      return clamp(select(wraps, position % rows, position), 0, rows - 1);
    };

    // Scores: kLanes partial sums over the key features, then their tree; features past the last whole
    // vector of lanes one at a time.
    Expr vectors = keyDim / kLanes;
    RDom features(0, vectors, "features");
    dotLanes(lane, t, j, g, query) = 0.0f;
    dotLanes(lane, t, j, g, query) += widenCacheElement(k_cache(features * kLanes + lane, g, row(t))) *
                                      q(features * kLanes + lane, j, g, query);
    RDom rest(vectors * kLanes, keyDim - vectors * kLanes, "rest");
    dot(t, j, g, query) = sumLanes(dotLanes, {t, j, g, query});
    dot(t, j, g, query) += widenCacheElement(k_cache(rest, g, row(t))) * q(rest, j, g, query);
    Expr score = dot(t, j, g, query) * scale;
    uncapped = softcap <= 0.0f;
    scaled(t, j, g, query) = select(uncapped, score, softcap * tanh(score / softcap));

    // Per chunk c: the visible keys of the chunk, a run that may be empty (the chunk then contributes
    // nothing, and the combine below never reads it).
    inChunk = RDom(0, kKeyChunk, "in_chunk");
    Expr key = c * kKeyChunk + inChunk;
    inChunk.where(key >= first && key <= pos);
    chunkMax(c, j, g, query) = std::numeric_limits<float>::lowest();
    chunkMax(c, j, g, query) = max(chunkMax(c, j, g, query), scaled(key, j, g, query));
    weight(t, j, g, query) = accurateExp(scaled(t, j, g, query) - chunkMax(t / kKeyChunk, j, g, query));
    // s_c in key order: one chain of at most kKeyChunk adds per head, a few percent of the task's time.
    chunkSum(c, j, g, query) = 0.0f;
    chunkSum(c, j, g, query) += weight(key, j, g, query);
    chunkValues(d, c, j, g, query) = 0.0f;
    chunkValues(d, c, j, g, query) += weight(key, j, g, query) * widenCacheElement(v_cache(d, g, row(key)));
    chunk(d, c, j, g, query) =
        Tuple(chunkValues(d, c, j, g, query), chunkMax(c, j, g, query), chunkSum(c, j, g, query));

    // Combine the chunks the query sees.
    Expr head = g * q.dim(1).extent() + j;
    Expr sink = sinks(clamp(head, 0, sinks.dim(0).extent() - 1));
    RDom chunks(0, (keys + kKeyChunk - 1) / kKeyChunk, "chunks");
    chunks.where(chunks >= first / kKeyChunk && chunks <= pos / kKeyChunk);
    maxScore(j, g, query) = select(has_sinks, sink, std::numeric_limits<float>::lowest());
    maxScore(j, g, query) = max(maxScore(j, g, query), chunk(0, chunks, j, g, query)[1]);
    chunkScale(c, j, g, query) = accurateExp(chunk(0, c, j, g, query)[1] - maxScore(j, g, query));
    combined(d, j, g, query) = 0.0f;
    combined(d, j, g, query) += chunkScale(chunks, j, g, query) * chunk(d, chunks, j, g, query)[0];
    denominator(j, g, query) = select(has_sinks, accurateExp(sink - maxScore(j, g, query)), 0.0f);
    denominator(j, g, query) += chunkScale(chunks, j, g, query) * chunk(0, chunks, j, g, query)[2];
    inverseSum(j, g, query) = 1.0f / denominator(j, g, query);
    out(d, j, g, query) = combined(d, j, g, query) * inverseSum(j, g, query);
  }

  void schedule() {
    switch (scheduleFamily(get_target())) {
    case ScheduleFamily::X86Avx2:
    case ScheduleFamily::Arm64Neon:
      return scheduleCpu();
    case ScheduleFamily::Gpu:
      if (!gpuCanRun(get_target(), k_cache.type() == Float(16)))
        return scheduleCpu();
      return scheduleGpu();
    }
  }

private:
  Var d{"d"}, c{"c"}, j{"j"}, g{"g"}, query{"query"}, t{"t"}, lane{"lane"};
  Func dotLanes{"dot_lanes"}, dot{"dot"}, scaled{"scaled"}, chunkMax{"chunk_max"}, weight{"weight"};
  Func chunkValues{"chunk_values"}, chunk{"chunk"}, maxScore{"max_score"}, chunkScale{"chunk_scale"};
  Func chunkSum{"chunk_sum"}, combined{"combined"}, denominator{"denominator"}, inverseSum{"inverse_sum"};
  RDom inChunk;
  Expr wraps, uncapped;

  /// On a GPU, the CPU's two kernels with a block where the CPU has a task:
  ///   chunks: a block per (chunk, query); its scores and weights once, a thread per key of the chunk, in
  ///     shared memory; then a thread per value feature sums the chunk's weighted V rows;
  ///   combine: a block per (KV head, query); its chunk scales once, then a thread per value feature.
  /// Every sum keeps the CPU's order, so the results are the CPU's but for FMA contraction.
  void scheduleGpu() {
    chunk.compute_root().reorder(d, j, g, query, c).gpu_blocks(query, c).gpu_threads(d);
    scaled.compute_at(chunk, query).reorder(t, j, g).gpu_threads(t);
    dotLanes.compute_at(scaled, t);
    dot.compute_at(scaled, t);
    chunkMax.compute_at(chunk, query);
    chunkSum.compute_at(chunk, query);
    weight.compute_at(chunk, query).reorder(t, j, g).gpu_threads(t);
    chunkValues.compute_at(chunk, query).reorder(d, j, g, c).gpu_threads(d);
    chunkValues.update().reorder(d, j, g, inChunk).gpu_threads(d);

    out.reorder(d, j, g, query).gpu_blocks(g, query).gpu_threads(d);
    for (Func f : {maxScore, chunkScale, denominator, inverseSum})
      f.compute_at(out, g);
    combined.compute_at(out, g).gpu_threads(d);
    combined.update().reorder(d, j).gpu_threads(d);
  }

  void scheduleCpu() {
    const int vector = natural_vector_size<float>();
    // Chunk tasks: one per (chunk, query), queries innermost so that consecutive tasks of a prompt reuse the
    // chunk's K and V rows from cache. A task covers every KV head, walking the chunk's rows in order: all
    // KV heads of a position are one contiguous run, while one head's slivers (256-512 bytes, 2-4 KiB
    // apart) are not followed by the hardware prefetchers (a task per KV head read 11 GB/s, not 18).
    Var task("task");
    chunk.compute_root()
        .reorder(d, j, g, query, c)
        .fuse(query, c, task)
        .parallel(task)
        .vectorize(d, vector, TailStrategy::GuardWithIf);
    // Row by row: every query head against one K row, then against one V row.
    scaled.compute_at(chunk, task).reorder(j, g, t);
    dotLanes.compute_at(scaled, j).vectorize(lane, vector);
    dotLanes.update().vectorize(lane, vector);
    dot.compute_at(scaled, j);
    chunkMax.compute_at(chunk, task);
    chunkSum.compute_at(chunk, task);
    weight.compute_at(chunk, task).reorder(t, j, g).vectorize(t, vector, TailStrategy::GuardWithIf);
    chunkValues.compute_at(chunk, task).vectorize(d, vector, TailStrategy::GuardWithIf);
    chunkValues.update().reorder(d, j, g, inChunk).vectorize(d, vector, TailStrategy::GuardWithIf);

    // The combine: one task per (KV head, query).
    Var combineTask("combine_task");
    out.reorder(d, j, query, g)
        .fuse(query, g, combineTask)
        .parallel(combineTask)
        .vectorize(d, vector, TailStrategy::GuardWithIf);
    for (Func f : {maxScore, chunkScale, denominator, inverseSum})
      f.compute_at(out, combineTask);
    combined.compute_at(out, combineTask).vectorize(d, vector, TailStrategy::GuardWithIf);
    combined.update().reorder(d, j).vectorize(d, vector, TailStrategy::GuardWithIf);

    // Without a softcap (the common case) no tanh is evaluated (a select evaluates both sides), and a cache
    // that holds every position (the common case) pays no division per row. Each Func that holds a
    // condition is specialised on exactly that Expr, which Halide then folds to true or false in each branch
    // (a consumer's specialisation does not reach the producers computed in it, nor does a conjunction
    // fold its parts).
    scaled.specialize(uncapped).specialize(wraps);
    scaled.specialize(wraps);
    chunkValues.update().specialize(wraps);
  }
};

} // namespace
} // namespace loom::kernels

HALIDE_REGISTER_GENERATOR(loom::kernels::SplitKeyAttention, loom_split_key_attention)
