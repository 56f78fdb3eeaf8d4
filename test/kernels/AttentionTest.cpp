//===- AttentionTest.cpp - Attention kernels against the double reference ===//
//
// Both attention kernels (loom_k_attention, ggml's order; loom_k_attention_split_keys,
// chunks of keys combined) on the same cases:
// GQA groupings (4/2, 8/1, and plain multi-head 3/3), head_dims with and
// without a tail past the vector width, decode (n = 1) and prefill chunks at
// start_pos 0 and > 0, every mask with windows smaller and larger than the
// context, and context lengths not a multiple of the 8-key blocks. Cache rows
// past start_pos + n hold NaN: reading one would poison the output.
// Tolerance: 1e-5 of sum_t p_t |v_t|.
//
//===----------------------------------------------------------------------===//

#include "Reference.h"
#include "TestSupport.h"

#include "loom/Runtime/Kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace loom::test {
namespace {

constexpr double kAttentionTolerance = 1e-5;

using AttentionKernel = decltype(&loom_k_attention);

struct NamedKernel {
  const char *name;
  AttentionKernel run;
};

class AttentionKernels : public testing::TestWithParam<NamedKernel> {
protected:
  AttentionKernel attend = GetParam().run;
};

struct Heads {
  int64_t heads, kvHeads, headDim;
};

struct Mask {
  int32_t kind;
  int64_t window;
};

void checkAttention(AttentionKernel attend, const Heads &h, int64_t n, int64_t startPos, const Mask &mask) {
  int64_t capacity = startPos + n + 5;
  int64_t rowElems = h.kvHeads * h.headDim;
  std::vector<float> q = randomFloats(n * h.heads * h.headDim, 40 + n, -2.0f, 2.0f);
  std::vector<float> kCache = randomFloats(capacity * rowElems, 41, -2.0f, 2.0f);
  std::vector<float> vCache = randomFloats(capacity * rowElems, 42);
  for (int64_t i = (startPos + n) * rowElems; i < capacity * rowElems; ++i)
    kCache[i] = vCache[i] = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> out(n * h.heads * h.headDim, NAN);
  double scale = 1.0 / std::sqrt(double(h.headDim));

  loom_cache_view view{kCache.data(), vCache.data(), capacity, LOOM_DTYPE_F32};
  attend(q.data(), n, startPos, &view, h.heads, h.kvHeads, h.headDim, h.headDim, float(scale), 0.0f, nullptr, mask.kind,
                   mask.window, out.data());

  Reference ref = attention(q, n, startPos, kCache, vCache, h.heads, h.kvHeads, h.headDim, float(scale), mask.kind,
                            mask.window);
  expectMatches(out, ref, kAttentionTolerance,
                "attention heads=" + std::to_string(h.heads) + "/" + std::to_string(h.kvHeads) +
                    " head_dim=" + std::to_string(h.headDim) + " n=" + std::to_string(n) +
                    " start=" + std::to_string(startPos) + " mask=" + std::to_string(mask.kind) +
                    " window=" + std::to_string(mask.window));
}

const Heads kHeads[] = {{4, 2, 64}, {8, 1, 16}, {3, 3, 13}, {16, 8, 128}};
const Mask kMasks[] = {{LOOM_MASK_GLOBAL, 0},         {LOOM_MASK_SLIDING_WINDOW, 1}, {LOOM_MASK_SLIDING_WINDOW, 5},
                       {LOOM_MASK_SLIDING_WINDOW, 64}, {LOOM_MASK_CHUNKED, 4},        {LOOM_MASK_CHUNKED, 7}};

TEST_P(AttentionKernels, Decode) {
  for (const Heads &h : kHeads)
    for (const Mask &m : kMasks)
      for (int64_t startPos : {0, 1, 9, 40, 127, 128, 300, 1100})
        checkAttention(attend, h, 1, startPos, m);
}

TEST_P(AttentionKernels, Prefill) {
  for (const Heads &h : kHeads)
    for (const Mask &m : kMasks)
      for (int64_t n : {3, 17})
        for (int64_t startPos : {0, 6, 33, 200, 250}) // 200, 250: several key chunks per query, or a chunk edge
          checkAttention(attend, h, n, startPos, m);
}

TEST_P(AttentionKernels, LargeScoresStayFinite) {
  // Scores of magnitude ~1e3 overflow exp() without the max subtracted.
  Heads h{2, 1, 8};
  int64_t n = 4;
  std::vector<float> q(n * h.heads * h.headDim, 30.0f), k(n * h.headDim), v = randomFloats(n * h.headDim, 43);
  for (size_t i = 0; i < k.size(); ++i)
    k[i] = (i / h.headDim) % 2 ? 4.0f : -4.0f;
  std::vector<float> out(q.size(), NAN);
  loom_cache_view view{k.data(), v.data(), n, LOOM_DTYPE_F32};
  attend(q.data(), n, 0, &view, h.heads, h.kvHeads, h.headDim, h.headDim, 1.0f, 0.0f, nullptr, LOOM_MASK_GLOBAL, 0,
                   out.data());
  expectMatches(out, attention(q, n, 0, k, v, h.heads, h.kvHeads, h.headDim, 1.0, LOOM_MASK_GLOBAL, 0),
                kAttentionTolerance, "large scores");
}

using AttentionKernelsDeathTest = AttentionKernels;

TEST_P(AttentionKernelsDeathTest, InvalidShapesAbort) {
  testing::FLAGS_gtest_death_test_style = "threadsafe";
  std::vector<float> buf(64, 0.0f);
  loom_cache_view view{buf.data(), buf.data(), 4, LOOM_DTYPE_F32};
  EXPECT_DEATH(attend(buf.data(), 1, 0, &view, 3, 2, 8, 8, 1.0f, 0.0f, nullptr, LOOM_MASK_GLOBAL, 0, buf.data()),
               std::string("loom: kernel error: ") + GetParam().name + ": heads = 3 is not a multiple of kv_heads = 2");
  EXPECT_DEATH(attend(buf.data(), 1, 0, &view, 2, 1, 8, 8, 1.0f, 0.0f, nullptr, LOOM_MASK_CHUNKED, 0, buf.data()),
               "needs a positive window");
  // A ring of 4 rows cannot serve a window of 8 at position 20: older keys were overwritten.
  EXPECT_DEATH(attend(buf.data(), 1, 20, &view, 1, 1, 8, 8, 1.0f, 0.0f, nullptr, LOOM_MASK_SLIDING_WINDOW, 8, buf.data()),
               "cannot hold the 8 positions");
}

/// A ring of `rows` rows holding the last positions of a full cache: position t in row t % rows.
std::vector<float> ringOf(const std::vector<float> &full, int64_t keys, int64_t rows, int64_t rowElems) {
  std::vector<float> ring(rows * rowElems, std::numeric_limits<float>::quiet_NaN());
  for (int64_t t = std::max<int64_t>(0, keys - rows); t < keys; ++t)
    std::copy_n(full.begin() + t * rowElems, rowElems, ring.begin() + (t % rows) * rowElems);
  return ring;
}

// A sliding-window or chunked layer's ring cache gives exactly the full cache's result: same keys, same
// arithmetic, only the rows move.
TEST_P(AttentionKernels, RingCacheEqualsFullCache) {
  const Heads h{4, 2, 32};
  for (const Mask &mask : {Mask{LOOM_MASK_SLIDING_WINDOW, 5}, Mask{LOOM_MASK_SLIDING_WINDOW, 64},
                           Mask{LOOM_MASK_CHUNKED, 7}, Mask{LOOM_MASK_CHUNKED, 16}})
    for (int64_t n : {1, 3, 16})
      for (int64_t startPos : {0, 4, 33, 130}) {
        const int64_t keys = startPos + n, rowElems = h.kvHeads * h.headDim;
        const int64_t rows = std::min(keys, mask.window + n - 1);
        std::vector<float> q = randomFloats(n * h.heads * h.headDim, 80 + n, -2.0f, 2.0f);
        std::vector<float> k = randomFloats(keys * rowElems, 81, -2.0f, 2.0f), v = randomFloats(keys * rowElems, 82);
        std::vector<float> kRing = ringOf(k, keys, rows, rowElems), vRing = ringOf(v, keys, rows, rowElems);
        std::vector<float> full(n * h.heads * h.headDim), ring(full.size());
        loom_cache_view fullView{k.data(), v.data(), keys, LOOM_DTYPE_F32};
        loom_cache_view ringView{kRing.data(), vRing.data(), rows, LOOM_DTYPE_F32};
        attend(q.data(), n, startPos, &fullView, h.heads, h.kvHeads, h.headDim, h.headDim, 0.2f, 0.0f, nullptr, mask.kind,
                         mask.window, full.data());
        attend(q.data(), n, startPos, &ringView, h.heads, h.kvHeads, h.headDim, h.headDim, 0.2f, 0.0f, nullptr, mask.kind,
                         mask.window, ring.data());
        for (size_t i = 0; i < full.size(); ++i)
          ASSERT_EQ(full[i], ring[i]) << "mask " << mask.kind << " window " << mask.window << " n " << n
                                      << " start " << startPos << " element " << i;
      }
}

// Values may be narrower or wider than keys (MLA-style heads, MiMo's 192/128).
TEST_P(AttentionKernels, ValueDimDiffersFromKeyDim) {
  const Heads h{4, 2, 24};
  for (int64_t valueDim : {8, 40})
    for (int64_t n : {1, 6}) {
      const int64_t startPos = 9, keys = startPos + n;
      std::vector<float> q = randomFloats(n * h.heads * h.headDim, 90, -2.0f, 2.0f);
      std::vector<float> k = randomFloats(keys * h.kvHeads * h.headDim, 91, -2.0f, 2.0f);
      std::vector<float> v = randomFloats(keys * h.kvHeads * valueDim, 92);
      std::vector<float> out(n * h.heads * valueDim, NAN);
      loom_cache_view view{k.data(), v.data(), keys, LOOM_DTYPE_F32};
      attend(q.data(), n, startPos, &view, h.heads, h.kvHeads, h.headDim, valueDim, 0.3f, 0.0f, nullptr, LOOM_MASK_GLOBAL,
                       0, out.data());
      expectMatches(out, attention(q, n, startPos, k, v, h.heads, h.kvHeads, h.headDim, 0.3, LOOM_MASK_GLOBAL, 0, valueDim),
                    kAttentionTolerance, "value_dim " + std::to_string(valueDim));
    }
}

} // namespace
} // namespace loom::test

namespace loom::test {
namespace {

// Gemma 2 / Grok's softcap and gpt-oss's sinks, alone and together, decode and prefill, over windows.
TEST_P(AttentionKernels, SoftcapAndSinks) {
  const Heads h{4, 2, 16};
  std::vector<float> sinkLogits = randomFloats(h.heads, 95, -1.0f, 3.0f);
  loom_tensor sinks{sinkLogits.data(), LOOM_DTYPE_F32};
  for (double softcap : {0.0, 5.0})
    for (bool withSinks : {false, true})
      for (const Mask &mask : {Mask{LOOM_MASK_GLOBAL, 0}, Mask{LOOM_MASK_SLIDING_WINDOW, 6}})
        for (int64_t n : {1, 5}) {
          const int64_t startPos = 11, keys = startPos + n, rowElems = h.kvHeads * h.headDim;
          // Large q so that uncapped scores would exceed the cap.
          std::vector<float> q = randomFloats(n * h.heads * h.headDim, 96, -4.0f, 4.0f);
          std::vector<float> k = randomFloats(keys * rowElems, 97, -2.0f, 2.0f), v = randomFloats(keys * rowElems, 98);
          std::vector<float> out(n * h.heads * h.headDim, NAN);
          loom_cache_view view{k.data(), v.data(), keys, LOOM_DTYPE_F32};
          attend(q.data(), n, startPos, &view, h.heads, h.kvHeads, h.headDim, h.headDim, 0.5f, float(softcap),
                           withSinks ? &sinks : nullptr, mask.kind, mask.window, out.data());
          expectMatches(out,
                        attention(q, n, startPos, k, v, h.heads, h.kvHeads, h.headDim, 0.5, mask.kind, mask.window, 0,
                                  softcap, withSinks ? sinkLogits.data() : nullptr),
                        kAttentionTolerance,
                        "softcap " + std::to_string(softcap) + " sinks " + std::to_string(withSinks) + " mask " +
                            std::to_string(mask.kind) + " n " + std::to_string(n));
        }
}

} // namespace
} // namespace loom::test

namespace loom::test {
namespace {

std::vector<_Float16> toHalf(const std::vector<float> &values) {
  std::vector<_Float16> half(values.size());
  for (size_t i = 0; i < values.size(); ++i)
    half[i] = static_cast<_Float16>(values[i]);
  return half;
}

std::vector<float> roundedToHalf(const std::vector<float> &values) {
  std::vector<float> rounded(values.size());
  for (size_t i = 0; i < values.size(); ++i)
    rounded[i] = float(static_cast<_Float16>(values[i]));
  return rounded;
}

// An F16 cache is attention over the F16-rounded keys and values, computed in F32.
TEST_P(AttentionKernels, HalfPrecisionCache) {
  const Heads h{4, 2, 80};
  for (const Mask &mask : {Mask{LOOM_MASK_GLOBAL, 0}, Mask{LOOM_MASK_SLIDING_WINDOW, 7}})
    for (int64_t n : {1, 9}) {
      const int64_t startPos = 21, keys = startPos + n, rowElems = h.kvHeads * h.headDim;
      std::vector<float> q = randomFloats(n * h.heads * h.headDim, 110, -2.0f, 2.0f);
      std::vector<float> k = randomFloats(keys * rowElems, 111, -2.0f, 2.0f), v = randomFloats(keys * rowElems, 112);
      std::vector<_Float16> kHalf = toHalf(k), vHalf = toHalf(v);
      std::vector<float> out(n * h.heads * h.headDim, NAN);
      loom_cache_view view{kHalf.data(), vHalf.data(), keys, LOOM_DTYPE_F16};
      attend(q.data(), n, startPos, &view, h.heads, h.kvHeads, h.headDim, h.headDim, 0.1f, 0.0f, nullptr,
                       mask.kind, mask.window, out.data());
      expectMatches(out,
                    attention(q, n, startPos, roundedToHalf(k), roundedToHalf(v), h.heads, h.kvHeads, h.headDim, 0.1,
                              mask.kind, mask.window),
                    kAttentionTolerance, "f16 cache mask " + std::to_string(mask.kind) + " n " + std::to_string(n));
    }
}

} // namespace
} // namespace loom::test

namespace loom::test {
namespace {

// The split kernel's promise: a query's result depends on its position and the cache only, so decoding a
// prompt token by token gives the batched pass's bits (the runtime's incremental decode relies on it). The
// prompt crosses a chunk edge (128, a multiple of the chunk) and the caches are F32 and F16.
TEST(SplitKeyAttention, DecodeEqualsBatchedPass) {
  const Heads h{8, 2, 72};
  const int64_t startPos = 100, n = 60, keys = startPos + n, rowElems = h.kvHeads * h.headDim;
  std::vector<float> q = randomFloats(n * h.heads * h.headDim, 120, -2.0f, 2.0f);
  std::vector<float> k = randomFloats(keys * rowElems, 121, -2.0f, 2.0f), v = randomFloats(keys * rowElems, 122);
  std::vector<_Float16> kHalf = toHalf(k), vHalf = toHalf(v);
  for (const Mask &mask : {Mask{LOOM_MASK_GLOBAL, 0}, Mask{LOOM_MASK_SLIDING_WINDOW, 50}})
    for (bool half : {false, true}) {
      loom_cache_view view = half ? loom_cache_view{kHalf.data(), vHalf.data(), keys, LOOM_DTYPE_F16}
                                  : loom_cache_view{k.data(), v.data(), keys, LOOM_DTYPE_F32};
      std::vector<float> batched(n * h.heads * h.headDim), decoded(batched.size());
      loom_k_attention_split_keys(q.data(), n, startPos, &view, h.heads, h.kvHeads, h.headDim, h.headDim, 0.15f, 0.0f,
                                  nullptr, mask.kind, mask.window, batched.data());
      const int64_t row = h.heads * h.headDim;
      for (int64_t i = 0; i < n; ++i)
        loom_k_attention_split_keys(q.data() + i * row, 1, startPos + i, &view, h.heads, h.kvHeads, h.headDim,
                                    h.headDim, 0.15f, 0.0f, nullptr, mask.kind, mask.window,
                                    decoded.data() + i * row);
      for (size_t i = 0; i < batched.size(); ++i)
        ASSERT_EQ(batched[i], decoded[i]) << "mask " << mask.kind << (half ? " f16" : " f32") << " query "
                                          << i / row << " element " << i % row;
    }
}

INSTANTIATE_TEST_SUITE_P(Kernels, AttentionKernels,
                         testing::Values(NamedKernel{"loom_k_attention", loom_k_attention},
                                         NamedKernel{"loom_k_attention_split_keys", loom_k_attention_split_keys}),
                         [](const testing::TestParamInfo<NamedKernel> &info) { return std::string(info.param.name); });
INSTANTIATE_TEST_SUITE_P(Kernels, AttentionKernelsDeathTest,
                         testing::Values(NamedKernel{"loom_k_attention", loom_k_attention},
                                         NamedKernel{"loom_k_attention_split_keys", loom_k_attention_split_keys}),
                         [](const testing::TestParamInfo<NamedKernel> &info) { return std::string(info.param.name); });

} // namespace
} // namespace loom::test
