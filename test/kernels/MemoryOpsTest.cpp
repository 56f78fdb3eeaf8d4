//===- MemoryOpsTest.cpp - loom_k_embedding, loom_k_position_ids, loom_k_kv_store ===//

#include "TestSupport.h"

#include "loom/Runtime/Kernels.h"

#include <gtest/gtest.h>

#include <cmath>

namespace loom::test {
namespace {

TEST(Embedding, GathersAndScalesEveryDtype) {
  const int64_t vocab = 50, d = 37;
  const int32_t ids[] = {3, 0, 49, 3, 17};
  const int64_t n = std::size(ids);
  for (loom_dtype dtype : {LOOM_DTYPE_F32, LOOM_DTYPE_F16, LOOM_DTYPE_BF16}) {
    Weights table = randomWeights(dtype, vocab * d, 60);
    loom_tensor t = table.tensor();
    std::vector<float> out(n * d, NAN);
    loom_k_embedding(&t, d, ids, n, 2.5f, out.data());
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < d; ++j)
        // Widening is exact and the scale one rounding: the float product of the two.
        ASSERT_EQ(out[i * d + j], float(table.values[ids[i] * d + j]) * 2.5f) << "dtype " << dtype << " row " << i;
  }
}

TEST(EmbeddingDeathTest, NegativeIdAborts) {
  testing::FLAGS_gtest_death_test_style = "threadsafe";
  std::vector<float> table(8), out(8);
  loom_tensor t{table.data(), LOOM_DTYPE_F32};
  const int32_t ids[] = {-1};
  EXPECT_DEATH(loom_k_embedding(&t, 8, ids, 1, 1.0f, out.data()), "loom: kernel error: loom_k_embedding");
}

TEST(PositionIds, CountFromStartPos) {
  std::vector<int32_t> ids(5, -1);
  loom_k_position_ids(1019, 5, ids.data());
  EXPECT_EQ(ids, (std::vector<int32_t>{1019, 1020, 1021, 1022, 1023}));
  loom_k_position_ids(0, 0, nullptr); // an empty chunk writes nothing
}

TEST(PositionIds, IndexAPositionTable) {
  // The use in generated code: the ids of a chunk at start 3 pick rows 3.. of a [max_context, d] table.
  const int64_t maxContext = 8, d = 5, n = 4, start = 3;
  Weights table = randomWeights(LOOM_DTYPE_F32, maxContext * d, 65);
  loom_tensor t = table.tensor();
  std::vector<int32_t> ids(n);
  loom_k_position_ids(start, n, ids.data());
  std::vector<float> out(n * d, NAN);
  loom_k_embedding(&t, d, ids.data(), n, 1.0f, out.data());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j)
      ASSERT_EQ(out[i * d + j], float(table.values[(start + i) * d + j]));
}

TEST(PositionIdsDeathTest, PositionsBeyondInt32Abort) {
  testing::FLAGS_gtest_death_test_style = "threadsafe";
  int32_t ids[2];
  EXPECT_DEATH(loom_k_position_ids(INT32_MAX, 2, ids), "loom: kernel error: loom_k_position_ids");
}

TEST(KVStore, AppendsRowsAtStartPos) {
  const int64_t rowElems = 24, capacity = 10, n = 3, startPos = 4;
  std::vector<float> k = randomFloats(n * rowElems, 61), v = randomFloats(n * rowElems, 62);
  std::vector<float> kCache(capacity * rowElems, -1.0f), vCache(capacity * rowElems, -1.0f);
  loom_cache_view view{kCache.data(), vCache.data(), capacity, LOOM_DTYPE_F32};
  loom_k_kv_store(k.data(), v.data(), n, rowElems, rowElems, startPos, &view);
  for (int64_t row = 0; row < capacity; ++row)
    for (int64_t e = 0; e < rowElems; ++e) {
      bool written = row >= startPos && row < startPos + n;
      int64_t i = row * rowElems + e, src = (row - startPos) * rowElems + e;
      ASSERT_EQ(kCache[i], written ? k[src] : -1.0f);
      ASSERT_EQ(vCache[i], written ? v[src] : -1.0f);
    }
}

TEST(KVStore, HalfCacheRoundsToNearest) {
  const int64_t row = 5, n = 3, startPos = 2, rows = 8;
  std::vector<float> k = randomFloats(n * row, 65, -100.0f, 100.0f), v = randomFloats(n * row, 66);
  std::vector<_Float16> kCache(rows * row), vCache(rows * row);
  loom_cache_view view{kCache.data(), vCache.data(), rows, LOOM_DTYPE_F16};
  loom_k_kv_store(k.data(), v.data(), n, row, row, startPos, &view);
  for (int64_t i = 0; i < n * row; ++i) {
    ASSERT_EQ(float(kCache[startPos * row + i]), float(static_cast<_Float16>(k[i])));
    ASSERT_EQ(float(vCache[startPos * row + i]), float(static_cast<_Float16>(v[i])));
  }
}

TEST(KVStore, RingWrapsAround) {
  // Positions 7..10 into a ring of 5 rows: rows 2, 3, 4, then 0; values may have their own row width.
  const int64_t kRow = 6, vRow = 4, rows = 5, n = 4, startPos = 7;
  std::vector<float> k = randomFloats(n * kRow, 63), v = randomFloats(n * vRow, 64);
  std::vector<float> kCache(rows * kRow, -1.0f), vCache(rows * vRow, -1.0f);
  loom_cache_view view{kCache.data(), vCache.data(), rows, LOOM_DTYPE_F32};
  loom_k_kv_store(k.data(), v.data(), n, kRow, vRow, startPos, &view);
  for (int64_t i = 0; i < n; ++i) {
    int64_t row = (startPos + i) % rows;
    for (int64_t e = 0; e < kRow; ++e)
      ASSERT_EQ(kCache[row * kRow + e], k[i * kRow + e]);
    for (int64_t e = 0; e < vRow; ++e)
      ASSERT_EQ(vCache[row * vRow + e], v[i * vRow + e]);
  }
  for (int64_t e = 0; e < kRow; ++e)
    ASSERT_EQ(kCache[0 * kRow + e], k[3 * kRow + e]) << "position 10 wraps to row 0";
}

} // namespace
} // namespace loom::test
