//===- MlaAttentionTest.cpp - Latent attention in both forms --------------===//
//
// loom_k_mla_attention against a double-precision evaluation of the expanded
// definition (keys and values multiplied out, softmax, weighted sum), for the
// absorbed and the expanded form, a chunk starting after cached positions,
// more keys than the expanded form's block, an F16 cache (compared with the
// reference on the F16-rounded rows) and F16 kv_b weights. Tolerance 2e-5:
// sums of a few hundred F32 products of values below 1.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"

#include "loom/Runtime/Kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace loom::test {
namespace {

struct MlaCase {
  int64_t heads = 3, nope = 8, rope = 4, value = 6, rank = 16;
  int64_t start = 70, n = 5; // keys 0 .. 74: more than one block of 64
  int64_t width() const { return rank + rope; }
  std::vector<float> latent, kvB, qNope, qPe;

  MlaCase() {
    latent = randomFloats(size_t((start + n) * width()), 11, -1, 1);
    kvB = randomFloats(size_t(heads * (nope + value) * rank), 12, -0.5f, 0.5f);
    qNope = randomFloats(size_t(n * heads * nope), 13, -1, 1);
    qPe = randomFloats(size_t(n * heads * rope), 14, -1, 1);
  }

  /// The definition, in double, over `rows` (the cache's rows as the kernel reads them).
  std::vector<double> reference(const std::vector<float> &rows, const std::vector<float> &w, double scale) const {
    std::vector<double> out(size_t(n * heads * value));
    for (int64_t i = 0; i < n; ++i)
      for (int64_t h = 0; h < heads; ++h) {
        const int64_t visible = start + i + 1;
        std::vector<double> score(static_cast<size_t>(visible));
        double max = -INFINITY;
        for (int64_t t = 0; t < visible; ++t) {
          double s = 0;
          for (int64_t j = 0; j < nope; ++j) {
            double k = 0;
            for (int64_t c = 0; c < rank; ++c)
              k += w[size_t((h * (nope + value) + j) * rank + c)] * rows[size_t(t * width() + c)];
            s += qNope[size_t((i * heads + h) * nope + j)] * k;
          }
          for (int64_t j = 0; j < rope; ++j)
            s += qPe[size_t((i * heads + h) * rope + j)] * rows[size_t(t * width() + rank + j)];
          score[size_t(t)] = scale * s;
          max = std::max(max, score[size_t(t)]);
        }
        double sum = 0;
        for (double &s : score)
          sum += s = std::exp(s - max);
        for (int64_t v = 0; v < value; ++v) {
          double o = 0;
          for (int64_t t = 0; t < visible; ++t) {
            double vt = 0;
            for (int64_t c = 0; c < rank; ++c)
              vt += w[size_t((h * (nope + value) + nope + v) * rank + c)] * rows[size_t(t * width() + c)];
            o += score[size_t(t)] / sum * vt;
          }
          out[size_t((i * heads + h) * value + v)] = o;
        }
      }
    return out;
  }
};

void expectNear(const std::vector<float> &got, const std::vector<double> &expected, double tolerance) {
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], expected[i], tolerance) << "element " << i;
}

TEST(MlaAttentionTest, BothFormsComputeTheDefinition) {
  MlaCase c;
  loom_cache_view cache{c.latent.data(), nullptr, c.start + c.n, LOOM_DTYPE_F32};
  loom_tensor w{c.kvB.data(), LOOM_DTYPE_F32};
  const float scale = 0.3f;
  std::vector<double> expected = c.reference(c.latent, c.kvB, scale);
  for (int64_t absorbUpTo : {int64_t(0), int64_t(100)}) { // expanded, absorbed
    std::vector<float> out(size_t(c.n * c.heads * c.value));
    loom_k_mla_attention(c.qNope.data(), c.qPe.data(), c.n, c.start, &cache, &w, c.heads, c.nope, c.rope, c.value,
                         c.rank, scale, absorbUpTo, out.data());
    expectNear(out, expected, 2e-5);
  }
}

TEST(MlaAttentionTest, HalfCacheAndHalfWeights) {
  MlaCase c;
  std::vector<_Float16> halfRows(c.latent.size()), halfW(c.kvB.size());
  std::vector<float> roundedRows(c.latent.size()), roundedW(c.kvB.size());
  for (size_t i = 0; i < c.latent.size(); ++i)
    roundedRows[i] = static_cast<float>(halfRows[i] = static_cast<_Float16>(c.latent[i]));
  for (size_t i = 0; i < c.kvB.size(); ++i)
    roundedW[i] = static_cast<float>(halfW[i] = static_cast<_Float16>(c.kvB[i]));
  loom_cache_view cache{halfRows.data(), nullptr, c.start + c.n, LOOM_DTYPE_F16};
  loom_tensor w{halfW.data(), LOOM_DTYPE_F16};
  std::vector<double> expected = c.reference(roundedRows, roundedW, 0.3);
  for (int64_t absorbUpTo : {int64_t(0), int64_t(100)}) {
    std::vector<float> out(size_t(c.n * c.heads * c.value));
    loom_k_mla_attention(c.qNope.data(), c.qPe.data(), c.n, c.start, &cache, &w, c.heads, c.nope, c.rope, c.value,
                         c.rank, 0.3f, absorbUpTo, out.data());
    expectNear(out, expected, 2e-5);
  }
}

} // namespace
} // namespace loom::test
