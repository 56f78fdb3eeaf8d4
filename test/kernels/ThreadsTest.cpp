//===- ThreadsTest.cpp - The kernels' thread count ------------------------===//

#include "TestSupport.h"

#include "loom/Runtime/Kernels.h"

#include <gtest/gtest.h>

#include <thread>

namespace loom::test {
namespace {

int32_t hardwareThreads() {
  unsigned n = std::thread::hardware_concurrency();
  return n ? static_cast<int32_t>(n) : 1;
}

/// A GEMM and an attention whose tasks spread over every thread of the pool.
std::vector<float> parallelWork() {
  const int64_t m = 40, k = 300, n = 200;
  std::vector<float> x = randomFloats(m * k, 70);
  Weights w = randomWeights(LOOM_DTYPE_F32, n * k, 71);
  loom_tensor t = w.tensor();
  std::vector<float> y(m * n);
  loom_k_linear(x.data(), m, k, &t, n, nullptr, y.data());
  std::vector<float> q = randomFloats(8 * 4 * 16, 72), cache = randomFloats(8 * 2 * 16, 73), out(8 * 4 * 16);
  loom_cache_view view{cache.data(), cache.data(), 8, LOOM_DTYPE_F32};
  loom_k_attention(q.data(), 8, 0, &view, 4, 2, 16, 16, 0.25f, 0.0f, nullptr, LOOM_MASK_GLOBAL, 0, out.data());
  y.insert(y.end(), out.begin(), out.end());
  return y;
}

TEST(Threads, DefaultIsEveryHardwareThread) {
  loom_kernels_set_num_threads(0);
  EXPECT_EQ(loom_kernels_num_threads(), hardwareThreads());
}

TEST(Threads, CountChangesAndResultsDoNot) {
  // Every output is computed by one task in a fixed order, so results are bit-identical for any count.
  loom_kernels_set_num_threads(1);
  EXPECT_EQ(loom_kernels_num_threads(), 1);
  std::vector<float> serial = parallelWork();
  for (int32_t threads : {2, 3, 7}) {
    loom_kernels_set_num_threads(threads);
    EXPECT_EQ(loom_kernels_num_threads(), threads);
    EXPECT_EQ(parallelWork(), serial) << threads << " threads";
  }
  loom_kernels_set_num_threads(0);
  EXPECT_EQ(loom_kernels_num_threads(), hardwareThreads());
  EXPECT_EQ(parallelWork(), serial);
}

TEST(ThreadsDeathTest, NegativeCountAborts) {
  testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_DEATH(loom_kernels_set_num_threads(-1), "loom: kernel error: loom_kernels_set_num_threads");
}

} // namespace
} // namespace loom::test
