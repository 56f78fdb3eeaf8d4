//===- SamplerTest.cpp - Greedy, temperature, top-k and top-p sampling ----===//
//
// Distribution tests draw a fixed number of samples with a fixed seed and
// compare frequencies with the exact probabilities. With N = 100000 draws a
// frequency's standard deviation is at most 0.0016, so the 0.01 tolerance is
// over six deviations: the tests are deterministic and far from flaky should
// the generator ever change.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"

#include <cmath>

using namespace loom::test;

namespace {

constexpr int kDraws = 100000;
constexpr double kTolerance = 0.01;

SamplerPtr makeSampler(float temperature, int32_t topK = 0, float topP = 1.0f, uint64_t seed = 1234) {
  loom_sampler_params params{temperature, topK, topP, seed};
  SamplerPtr sampler(loom_sampler_create(&params));
  EXPECT_TRUE(sampler) << loom_last_error();
  return sampler;
}

/// Logits whose softmax is `probabilities`.
std::vector<float> logitsOf(const std::vector<double> &probabilities) {
  std::vector<float> logits;
  for (double p : probabilities)
    logits.push_back(p > 0 ? float(std::log(p)) : -INFINITY);
  return logits;
}

std::vector<double> frequencies(loom_sampler *sampler, const std::vector<float> &logits) {
  std::vector<double> counts(logits.size(), 0);
  for (int i = 0; i < kDraws; ++i) {
    int32_t token = loom_sampler_sample(sampler, logits.data(), int64_t(logits.size()));
    EXPECT_GE(token, 0) << loom_last_error();
    if (token < 0)
      break;
    counts[size_t(token)] += 1.0 / kDraws;
  }
  return counts;
}

void expectFrequencies(const std::vector<double> &actual, const std::vector<double> &expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], kTolerance) << "token " << i;
}

/// Pseudo-random logits with deliberate ties, the same on every run.
std::vector<float> testLogits(uint32_t seed, size_t vocab) {
  std::vector<float> logits;
  for (size_t i = 0; i < vocab; ++i) {
    seed = seed * 1664525u + 1013904223u;
    logits.push_back(float(seed >> 28) / 4); // 16 distinct values: many ties.
  }
  return logits;
}

TEST(SamplerTest, GreedyTakesTheLowestIdAmongTiedMaxima) {
  SamplerPtr sampler = makeSampler(0.0f);
  std::vector<float> logits = {1.0f, 3.0f, -2.0f, 3.0f, 2.0f};
  EXPECT_EQ(loom_sampler_sample(sampler.get(), logits.data(), 5), 1);
}

TEST(SamplerTest, NegativeTemperatureIsGreedy) {
  SamplerPtr sampler = makeSampler(-1.0f);
  std::vector<float> logits = {0.0f, -INFINITY, 0.5f, 0.25f};
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(loom_sampler_sample(sampler.get(), logits.data(), 4), 2);
}

TEST(SamplerTest, TopKOfOneIsGreedy) {
  SamplerPtr greedy = makeSampler(0.0f);
  SamplerPtr topK = makeSampler(1.5f, /*topK=*/1);
  for (uint32_t trial = 0; trial < 200; ++trial) {
    std::vector<float> logits = testLogits(trial, 50);
    EXPECT_EQ(loom_sampler_sample(topK.get(), logits.data(), 50), loom_sampler_sample(greedy.get(), logits.data(), 50))
        << "trial " << trial;
  }
}

TEST(SamplerTest, TinyTopPIsGreedy) {
  SamplerPtr greedy = makeSampler(0.0f);
  SamplerPtr topP = makeSampler(1.0f, 0, /*topP=*/1e-6f);
  for (uint32_t trial = 0; trial < 200; ++trial) {
    std::vector<float> logits = testLogits(trial, 50);
    EXPECT_EQ(loom_sampler_sample(topP.get(), logits.data(), 50), loom_sampler_sample(greedy.get(), logits.data(), 50))
        << "trial " << trial;
  }
}

TEST(SamplerTest, TemperatureOneFollowsTheSoftmax) {
  SamplerPtr sampler = makeSampler(1.0f);
  std::vector<double> probabilities = {0.1, 0.2, 0.3, 0.4};
  expectFrequencies(frequencies(sampler.get(), logitsOf(probabilities)), probabilities);
}

TEST(SamplerTest, TemperatureFlattensTheDistribution) {
  // At temperature 2, p_i is proportional to sqrt(q_i).
  SamplerPtr sampler = makeSampler(2.0f);
  std::vector<double> q = {0.1, 0.2, 0.3, 0.4}, expected;
  double total = 0;
  for (double value : q)
    total += std::sqrt(value);
  for (double value : q)
    expected.push_back(std::sqrt(value) / total);
  expectFrequencies(frequencies(sampler.get(), logitsOf(q)), expected);
}

TEST(SamplerTest, TopKRenormalizesOverTheKLargest) {
  SamplerPtr sampler = makeSampler(1.0f, /*topK=*/2);
  std::vector<double> probabilities = {0.1, 0.4, 0.2, 0.3};
  expectFrequencies(frequencies(sampler.get(), logitsOf(probabilities)), {0.0, 4.0 / 7, 0.0, 3.0 / 7});
}

TEST(SamplerTest, TopPKeepsTheSmallestNucleus) {
  // Sorted: 0.5, 0.3, 0.15, 0.05. The first two reach 0.8 >= 0.7.
  SamplerPtr sampler = makeSampler(1.0f, 0, /*topP=*/0.7f);
  std::vector<double> probabilities = {0.15, 0.5, 0.05, 0.3};
  expectFrequencies(frequencies(sampler.get(), logitsOf(probabilities)), {0.0, 0.5 / 0.8, 0.0, 0.3 / 0.8});
}

TEST(SamplerTest, TopKAndTopPCombine) {
  // top_k = 3 keeps 0.5, 0.3, 0.15 (renormalized to 0.526, 0.316, 0.158); top_p = 0.9 needs all three.
  SamplerPtr sampler = makeSampler(1.0f, /*topK=*/3, /*topP=*/0.9f);
  std::vector<double> probabilities = {0.15, 0.5, 0.05, 0.3};
  expectFrequencies(frequencies(sampler.get(), logitsOf(probabilities)), {0.15 / 0.95, 0.5 / 0.95, 0.0, 0.3 / 0.95});
}

TEST(SamplerTest, NeverDrawsAMaskedToken) {
  SamplerPtr sampler = makeSampler(1.0f);
  std::vector<float> logits = {-INFINITY, 0.0f, -INFINITY, 0.0f};
  expectFrequencies(frequencies(sampler.get(), logits), {0.0, 0.5, 0.0, 0.5});
}

TEST(SamplerTest, SameSeedSameSequence) {
  std::vector<float> logits = testLogits(9, 100);
  SamplerPtr a = makeSampler(1.0f, 40, 0.95f, 77), b = makeSampler(1.0f, 40, 0.95f, 77),
             c = makeSampler(1.0f, 40, 0.95f, 78);
  std::vector<int32_t> fromA, fromB, fromC;
  for (int i = 0; i < 64; ++i) {
    fromA.push_back(loom_sampler_sample(a.get(), logits.data(), 100));
    fromB.push_back(loom_sampler_sample(b.get(), logits.data(), 100));
    fromC.push_back(loom_sampler_sample(c.get(), logits.data(), 100));
  }
  EXPECT_EQ(fromA, fromB);
  EXPECT_NE(fromA, fromC);
}

TEST(SamplerTest, NaNLogitIsAnError) {
  SamplerPtr sampler = makeSampler(1.0f);
  std::vector<float> logits = {0.0f, NAN, 1.0f};
  EXPECT_EQ(loom_sampler_sample(sampler.get(), logits.data(), 3), -1);
  EXPECT_LAST_ERROR_CONTAINS("logit 1 is nan");
}

TEST(SamplerTest, AllMaskedIsAnError) {
  SamplerPtr sampler = makeSampler(0.0f);
  std::vector<float> logits = {-INFINITY, -INFINITY};
  EXPECT_EQ(loom_sampler_sample(sampler.get(), logits.data(), 2), -1);
  EXPECT_LAST_ERROR_CONTAINS("every logit is -inf");
}

TEST(SamplerTest, EmptyVocabularyIsAnError) {
  SamplerPtr sampler = makeSampler(1.0f);
  float logit = 0;
  EXPECT_EQ(loom_sampler_sample(sampler.get(), &logit, 0), -1);
  EXPECT_LAST_ERROR_CONTAINS("vocab must be in [1, 2^31), got 0");
}

TEST(SamplerTest, NaNParametersAreAnError) {
  loom_sampler_params params{NAN, 0, 1.0f, 0};
  EXPECT_EQ(loom_sampler_create(&params), nullptr);
  EXPECT_LAST_ERROR_CONTAINS("must not be NaN");
  EXPECT_EQ(loom_sampler_create(nullptr), nullptr);
}

} // namespace
