//===- MlaAttention.cpp - loom_k_mla_attention ----------------------------===//
//
// Multi-head latent attention in its two forms (loom.mla_attend). Both read
// the latent rows [c | k_pe] once into F32 and use the same softmax (max
// subtracted, F32), so they differ only in summation order.
//
//  - Absorbed (decode): per token and head, q_abs = q_nope W_UK (rank values,
//    an x.W product: each of W_UK's rows scaled and added), scores against the
//    cached c and k_pe, the probability-weighted sum of the cached c, then
//    W_UV applied to that one vector. No per-key expansion at all.
//  - Expanded (prefill): blocks of kBlock keys are multiplied out by kv_b
//    (one GEMM through loom_k_linear) into every head's key and value, and
//    each query folds them in with an online softmax (one task per token),
//    so memory stays at one block whatever the context.
//
//===----------------------------------------------------------------------===//

#include "KernelErrors.h"
#include "RunPipeline.h"
#include "loom/Runtime/Kernels.h"

#include "HalideRuntime.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace {

constexpr int64_t kBlock = 64;

/// Latent rows of positions [first, last) as F32, `width` values each.
std::vector<float> readLatent(const loom_cache_view &cache, int64_t first, int64_t last, int64_t width) {
  std::vector<float> rows(static_cast<size_t>((last - first) * width));
  for (int64_t t = first; t < last; ++t) {
    const int64_t row = t % cache.rows;
    float *to = rows.data() + (t - first) * width;
    if (cache.dtype == LOOM_DTYPE_F32) {
      const float *from = static_cast<const float *>(cache.keys) + row * width;
      std::copy(from, from + width, to);
    } else {
      const _Float16 *from = static_cast<const _Float16 *>(cache.keys) + row * width;
      for (int64_t j = 0; j < width; ++j)
        to[j] = static_cast<float>(from[j]);
    }
  }
  return rows;
}

/// Eight interleaved partial sums, so that the compiler can keep them in one vector register (a single
/// running sum is a dependency chain it may not reorder).
float dot(const float *a, const float *b, int64_t n) {
  constexpr int64_t kLanes = 8;
  float lanes[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int64_t l = 0; l < kLanes; ++l)
      lanes[l] += a[i + l] * b[i + l];
  float sum = 0.0f;
  for (int64_t l = 0; l < kLanes; ++l)
    sum += lanes[l];
  for (; i < n; ++i)
    sum += a[i] * b[i];
  return sum;
}

struct Shape {
  int64_t heads, nope, rope, value, rank;
  int64_t headRows() const { return nope + value; }
  int64_t width() const { return rank + rope; }
};

/// kv_b as F32 rows: the weights themselves, or a dequantized copy (loom_k_embedding reads any dtype's rows).
const float *f32Rows(const loom_tensor &w, int64_t rows, int64_t columns, std::vector<float> &copy) {
  if (w.dtype == LOOM_DTYPE_F32)
    return static_cast<const float *>(w.data);
  std::vector<int32_t> ids(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r)
    ids[size_t(r)] = static_cast<int32_t>(r);
  copy.resize(static_cast<size_t>(rows * columns));
  loom_k_embedding(&w, columns, ids.data(), rows, 1.0f, copy.data());
  return copy.data();
}

/// What one (token, head) task of the absorbed form reads.
struct AbsorbedWork {
  const float *qNope, *qPe, *latent, *w;
  int64_t start;
  Shape shape;
  float scale;
  float *out;
};

/// The absorbed form for pair `task` = token * heads + head.
int absorbedPair(void *, int task, uint8_t *closure) {
  const auto &work = *reinterpret_cast<const AbsorbedWork *>(closure);
  const Shape &s = work.shape;
  const int64_t i = task / s.heads, h = task % s.heads, visible = work.start + i + 1, width = s.width();
  const float *qn = work.qNope + int64_t(task) * s.nope, *qp = work.qPe + int64_t(task) * s.rope;
  const float *uk = work.w + h * s.headRows() * s.rank, *uv = uk + s.nope * s.rank;
  std::vector<float> qAbs(static_cast<size_t>(s.rank), 0.0f), score(static_cast<size_t>(visible)),
      mixed(static_cast<size_t>(s.rank), 0.0f);
  // q_nope W_UK: W_UK's rows scaled by q_nope and summed, so W_UK is read once in its stored layout.
  for (int64_t j = 0; j < s.nope; ++j)
    for (int64_t c = 0; c < s.rank; ++c)
      qAbs[size_t(c)] += qn[j] * uk[j * s.rank + c];
  float max = -std::numeric_limits<float>::infinity();
  for (int64_t t = 0; t < visible; ++t) {
    const float *row = work.latent + t * width;
    score[size_t(t)] = work.scale * (dot(qAbs.data(), row, s.rank) + dot(qp, row + s.rank, s.rope));
    max = std::max(max, score[size_t(t)]);
  }
  float sum = 0.0f;
  for (int64_t t = 0; t < visible; ++t)
    sum += score[size_t(t)] = std::exp(score[size_t(t)] - max);
  for (int64_t t = 0; t < visible; ++t) {
    const float p = score[size_t(t)] / sum, *row = work.latent + t * width;
    for (int64_t c = 0; c < s.rank; ++c)
      mixed[size_t(c)] += p * row[c];
  }
  float *o = work.out + int64_t(task) * s.value;
  for (int64_t v = 0; v < s.value; ++v)
    o[v] = dot(uv + v * s.rank, mixed.data(), s.rank);
  return 0;
}

/// Every (token, head) pair is independent: one task each on the kernels' thread pool.
void absorbed(const float *qNope, const float *qPe, int64_t n, int64_t start, const loom_cache_view &cache,
              const loom_tensor &kvB, const Shape &s, float scale, float *out) {
  std::vector<float> latent = readLatent(cache, 0, start + n, s.width()), kvCopy;
  AbsorbedWork work{qNope, qPe, latent.data(), f32Rows(kvB, s.heads * s.headRows(), s.rank, kvCopy), start, s,
                    scale, out};
  loom::kernels::ensureThreadPool();
  if (halide_do_par_for(nullptr, absorbedPair, 0, static_cast<int>(n * s.heads), reinterpret_cast<uint8_t *>(&work)))
    loom_kernel_fail("loom_k_mla_attention: a task failed");
}

/// The expanded form's state while it walks the key blocks: the chunk's queries, the current block of
/// expanded keys/values and latent rows, and per (token, head) the online softmax (running max, sum and
/// value accumulator).
struct ExpandedWork {
  const float *qNope, *qPe;
  int64_t start;
  Shape shape;
  float scale;
  int64_t first, last;          // the block's positions
  const float *expandedRows;    // [last - first, heads * (nope + value)]
  const float *latent;          // [last - first, rank + rope]
  float *runningMax, *runningSum, *acc;
};

/// Folds the current block into token `i`'s heads: scores for the visible keys, one rescale of the
/// accumulator per block (not per key), then the probability-weighted values.
int expandedToken(void *, int i, uint8_t *closure) {
  const auto &work = *reinterpret_cast<const ExpandedWork *>(closure);
  const Shape &s = work.shape;
  const int64_t visibleEnd = std::min(work.last, work.start + i + 1);
  if (visibleEnd <= work.first)
    return 0;
  const int64_t count = visibleEnd - work.first, expandedWidth = s.heads * s.headRows(), width = s.width();
  float score[kBlock];
  for (int64_t h = 0; h < s.heads; ++h) {
    const size_t pair = size_t(i * s.heads + h);
    const float *qn = work.qNope + pair * size_t(s.nope), *qp = work.qPe + pair * size_t(s.rope);
    float blockMax = -std::numeric_limits<float>::infinity();
    for (int64_t t = 0; t < count; ++t) {
      const float *e = work.expandedRows + t * expandedWidth + h * s.headRows();
      const float *kPe = work.latent + t * width + s.rank;
      score[t] = work.scale * (dot(qn, e, s.nope) + dot(qp, kPe, s.rope));
      blockMax = std::max(blockMax, score[t]);
    }
    float *a = work.acc + pair * size_t(s.value);
    if (blockMax > work.runningMax[pair]) {
      const float rescale = std::exp(work.runningMax[pair] - blockMax);
      work.runningSum[pair] *= rescale;
      for (int64_t v = 0; v < s.value; ++v)
        a[v] *= rescale;
      work.runningMax[pair] = blockMax;
    }
    for (int64_t t = 0; t < count; ++t) {
      const float p = std::exp(score[t] - work.runningMax[pair]);
      work.runningSum[pair] += p;
      const float *value = work.expandedRows + t * expandedWidth + h * s.headRows() + s.nope;
      for (int64_t v = 0; v < s.value; ++v)
        a[v] += p * value[v];
    }
  }
  return 0;
}

void expanded(const float *qNope, const float *qPe, int64_t n, int64_t start, const loom_cache_view &cache,
              const loom_tensor &kvB, const Shape &s, float scale, float *out) {
  const int64_t keys = start + n, width = s.width(), expandedWidth = s.heads * s.headRows();
  const size_t pairs = static_cast<size_t>(n * s.heads);
  std::vector<float> runningMax(pairs, -std::numeric_limits<float>::infinity()), runningSum(pairs, 0.0f);
  std::vector<float> acc(pairs * size_t(s.value), 0.0f), compressed(size_t(kBlock * s.rank)),
      expandedRows(size_t(kBlock * expandedWidth));
  ExpandedWork work{qNope, qPe, start, s, scale, 0, 0, expandedRows.data(), nullptr,
                    runningMax.data(), runningSum.data(), acc.data()};
  loom::kernels::ensureThreadPool();
  for (int64_t first = 0; first < keys; first += kBlock) {
    const int64_t last = std::min(keys, first + kBlock), count = last - first;
    std::vector<float> latent = readLatent(cache, first, last, width);
    for (int64_t t = 0; t < count; ++t)
      std::copy(latent.begin() + t * width, latent.begin() + t * width + s.rank, compressed.begin() + t * s.rank);
    loom_k_linear(compressed.data(), count, s.rank, &kvB, expandedWidth, nullptr, expandedRows.data());
    work.first = first;
    work.last = last;
    work.latent = latent.data();
    // Tokens own disjoint softmax states, so the block's tokens are independent tasks.
    if (halide_do_par_for(nullptr, expandedToken, 0, static_cast<int>(n), reinterpret_cast<uint8_t *>(&work)))
      loom_kernel_fail("loom_k_mla_attention: a task failed");
  }
  for (size_t pair = 0; pair < pairs; ++pair)
    for (int64_t v = 0; v < s.value; ++v)
      out[pair * size_t(s.value) + size_t(v)] = acc[pair * size_t(s.value) + size_t(v)] / runningSum[pair];
}

} // namespace

void loom_k_mla_attention(const float *q_nope, const float *q_pe, int64_t n, int64_t start_pos,
                          const loom_cache_view *cache, const loom_tensor *kv_b, int64_t heads, int64_t nope_dim,
                          int64_t rope_dim, int64_t value_dim, int64_t rank, float scale, int64_t absorb_max_tokens,
                          float *out) {
  if (n < 0 || start_pos < 0 || heads <= 0 || nope_dim <= 0 || rope_dim < 0 || value_dim <= 0 || rank <= 0 ||
      !cache || !kv_b)
    loom_kernel_fail("loom_k_mla_attention: invalid arguments (n=%lld heads=%lld rank=%lld)",
                     static_cast<long long>(n), static_cast<long long>(heads), static_cast<long long>(rank));
  if (start_pos + n > cache->rows)
    loom_kernel_fail("loom_k_mla_attention: %lld positions do not fit a latent cache of %lld rows",
                     static_cast<long long>(start_pos + n), static_cast<long long>(cache->rows));
  if (cache->dtype != LOOM_DTYPE_F32 && cache->dtype != LOOM_DTYPE_F16)
    loom_kernel_fail("loom_k_mla_attention: unsupported cache dtype %lld", static_cast<long long>(cache->dtype));
  if (n == 0)
    return;
  // The latent rows are read here on the host, in C++.
  loom::kernels::cacheToHost(cache->keys, "loom_k_mla_attention");
  const Shape shape{heads, nope_dim, rope_dim, value_dim, rank};
  if (n <= absorb_max_tokens)
    absorbed(q_nope, q_pe, n, start_pos, *cache, *kv_b, shape, scale, out);
  else
    expanded(q_nope, q_pe, n, start_pos, *cache, *kv_b, shape, scale, out);
}
