//===- RuntimeTest.cpp - Models, KV caches and the chunked forward --------===//

#include "FakeModel.h"
#include "TestSupport.h"
#include "loom/Runtime/Kernels.h"

#include <atomic>
#include <cmath>
#include <numeric>
#include <thread>

using namespace loom::test;

namespace loom::test {
// Found by argument-dependent lookup when gtest prints a mismatch.
void PrintTo(const ForwardCall &call, std::ostream *out) {
  *out << "{n " << call.n << ", start " << call.startPos << ", first row " << call.firstLogitRow
       << (call.logitsNull ? ", no logits}" : "}");
}
} // namespace loom::test

namespace {

class RuntimeTest : public ::testing::Test {
protected:
  void SetUp() override {
    resetFakeDescriptor();
    fakeState() = FakeModelState();
  }
  void TearDown() override {
    resetFakeDescriptor();
    EXPECT_FALSE(fakeState().abiViolation) << "the runtime broke the generated-forward ABI";
  }

  /// A model with seeded random weights.
  static ModelPtr randomModel(uint64_t seed = 7) {
    ModelPtr model(loom_model_create());
    EXPECT_TRUE(model) << loom_last_error();
    if (model) {
      EXPECT_EQ(loom_model_init_random(model.get(), seed, 0.5f), 0) << loom_last_error();
    }
    return model;
  }

  /// The embedding table the runtime handed the latest forward call.
  static const float *embed() { return static_cast<const float *>(fakeState().weights[kEmbedWeight].data); }

  /// Every weight's values, as the runtime handed them to the latest forward call.
  static std::vector<std::vector<float>> weightValues() {
    std::vector<std::vector<float>> values;
    const loom_model_desc &desc = fakeDescriptor();
    for (int64_t i = 0; i < desc.n_weights; ++i) {
      int64_t elements = 1;
      for (int64_t d = 0; d < desc.weights[i].rank; ++d)
        elements *= desc.weights[i].shape[d];
      const float *data = static_cast<const float *>(fakeState().weights[i].data);
      values.emplace_back(data, data + elements);
    }
    return values;
  }

  /// Runs one token so that the fake captures the weight table.
  static std::vector<std::vector<float>> weightsOf(loom_model *model) {
    CachePtr cache(loom_kv_cache_create(model, 0));
    int32_t token = 0;
    EXPECT_EQ(loom_model_forward(model, cache.get(), &token, 1, 0, nullptr), 0) << loom_last_error();
    return weightValues();
  }
};

std::vector<int32_t> iota(int32_t n, int32_t first = 1) {
  std::vector<int32_t> tokens(size_t(n), 0);
  for (int32_t i = 0; i < n; ++i)
    tokens[size_t(i)] = (first + i) % int32_t(kVocab);
  return tokens;
}

void expectLogitsRow(const float *row, const std::vector<int32_t> &history, const float *embed) {
  std::vector<float> expected = expectedLogits(history, embed);
  for (int64_t t = 0; t < kVocab; ++t)
    EXPECT_FLOAT_EQ(row[t], expected[size_t(t)]) << "position " << history.size() - 1 << ", logit " << t;
}

TEST_F(RuntimeTest, InfoDescribesTheModel) {
  ModelPtr model(loom_model_create());
  ASSERT_TRUE(model) << loom_last_error();
  loom_model_info info;
  loom_model_get_info(model.get(), &info);
  EXPECT_STREQ(info.arch_name, "fake");
  EXPECT_EQ(info.vocab, kVocab);
  EXPECT_EQ(info.d_model, kDModel);
  EXPECT_EQ(info.n_layers, 2);
  EXPECT_EQ(info.max_context, kMaxContext);
  EXPECT_EQ(info.n_weights, fakeDescriptor().n_weights);
  EXPECT_EQ(info.kv_bytes_per_token, kKVBytesPerToken);
}

TEST_F(RuntimeTest, ManifestListsNamesAndShapes) {
  ModelPtr model(loom_model_create());
  ASSERT_TRUE(model);
  EXPECT_STREQ(loom_model_weight_name(model.get(), 0), "embed.weight");
  EXPECT_STREQ(loom_model_weight_name(model.get(), 1), "layers.0.attn_norm.weight");
  int64_t shape[4] = {-1, -1, -1, -1};
  EXPECT_EQ(loom_model_weight_shape(model.get(), 0, shape), 2);
  EXPECT_EQ(shape[0], kVocab);
  EXPECT_EQ(shape[1], kDModel);
  EXPECT_EQ(loom_model_weight_shape(model.get(), 1, shape), 1);
  EXPECT_EQ(shape[0], kDModel);
}

TEST_F(RuntimeTest, ManifestIndexOutOfRangeIsAnError) {
  ModelPtr model(loom_model_create());
  ASSERT_TRUE(model);
  const int64_t n = fakeDescriptor().n_weights;
  int64_t shape[4];
  EXPECT_EQ(loom_model_weight_name(model.get(), n), nullptr);
  EXPECT_LAST_ERROR_CONTAINS("weight index 7 is outside [0, 7)");
  EXPECT_EQ(loom_model_weight_shape(model.get(), -1, shape), -1);
  EXPECT_LAST_ERROR_CONTAINS("weight index -1 is outside [0, 7)");
}

TEST_F(RuntimeTest, CreateRejectsAnotherAbiVersion) {
  fakeDescriptor().abi_version = LOOM_ABI_VERSION + 1;
  EXPECT_EQ(loom_model_create(), nullptr);
  EXPECT_LAST_ERROR_CONTAINS("ABI version " + std::to_string(LOOM_ABI_VERSION + 1) +
                            " but this runtime implements version " + std::to_string(LOOM_ABI_VERSION));
}

TEST_F(RuntimeTest, CreateRejectsAWeightOfTooHighRank) {
  std::vector<loom_weight_desc> weights(fakeDescriptor().weights,
                                        fakeDescriptor().weights + fakeDescriptor().n_weights);
  weights[2].rank = 5;
  fakeDescriptor().weights = weights.data();
  EXPECT_EQ(loom_model_create(), nullptr);
  EXPECT_LAST_ERROR_CONTAINS("weight 'layers.0.proj.weight' has rank 5 (at most 4)");
}

TEST_F(RuntimeTest, CreateRejectsDuplicateWeightNames) {
  std::vector<loom_weight_desc> weights(fakeDescriptor().weights,
                                        fakeDescriptor().weights + fakeDescriptor().n_weights);
  weights[3].name = weights[2].name;
  fakeDescriptor().weights = weights.data();
  EXPECT_EQ(loom_model_create(), nullptr);
  EXPECT_LAST_ERROR_CONTAINS("weight 'layers.0.proj.weight' is listed twice");
}

TEST_F(RuntimeTest, CreateRejectsAnEmptyCache) {
  std::vector<loom_cache_desc> caches(fakeDescriptor().caches, fakeDescriptor().caches + 2);
  caches[1].kv_heads = 0;
  fakeDescriptor().caches = caches.data();
  EXPECT_EQ(loom_model_create(), nullptr);
  EXPECT_LAST_ERROR_CONTAINS("cache 1 has 0 heads");
}

TEST_F(RuntimeTest, CreateRejectsAFullCacheWithAWindow) {
  std::vector<loom_cache_desc> caches(fakeDescriptor().caches, fakeDescriptor().caches + 2);
  caches[0].window = 4;
  fakeDescriptor().caches = caches.data();
  EXPECT_EQ(loom_model_create(), nullptr);
  EXPECT_LAST_ERROR_CONTAINS("cache 0 of kind 0 has window 4");
}

/// The fake with cache 1 turned into a ring (sliding window) or chunk cache of `window` positions.
class RingCacheTest : public RuntimeTest {
protected:
  void useKind(int64_t kind, int64_t window) {
    caches.assign(fakeDescriptor().caches, fakeDescriptor().caches + 2);
    caches[1].kind = kind;
    caches[1].window = window;
    fakeDescriptor().caches = caches.data();
  }
  std::vector<loom_cache_desc> caches;
};

TEST_F(RingCacheTest, AWindowedCacheHoldsItsWindowPlusAChunk) {
  useKind(LOOM_CACHE_RING, 8);
  ModelPtr model = randomModel();
  const int64_t capacity = kMaxContext, ringRows = 8 + kMaxChunk - 1;
  CachePtr cache(loom_kv_cache_create(model.get(), capacity));
  // Cache 0 (full): 100 rows of K (2) and V (2); cache 1 (ring): its rows of K (2 x 1) and V (2 x 1).
  EXPECT_EQ(loom_kv_cache_bytes(cache.get()), size_t((capacity * 4 + ringRows * 4) * sizeof(float)));
  // A cache shorter than the ring needs no more rows than its capacity.
  CachePtr small(loom_kv_cache_create(model.get(), 5));
  EXPECT_EQ(loom_kv_cache_bytes(small.get()), size_t((5 * 4 + 5 * 4) * sizeof(float)));
}

/// Cache 1 as the recurrent state of a linear-attention layer: a convolution tail of 3 rows of 2 channels and two
/// 1 x 3 matrices, the same size whatever the capacity, and always F32.
TEST_F(RingCacheTest, ARecurrentStateIsOneSizeAtAnyContextAndCannotRollBack) {
  useKind(LOOM_CACHE_RECURRENT, 3);
  caches[1].value_dim = 3;
  caches[1].conv_channels = 2;
  ModelPtr model = randomModel();
  const size_t stateBytes = (3 * 2 + 2 * 1 * 3) * sizeof(float);
  for (int64_t capacity : {int64_t(5), kMaxContext}) {
    for (int32_t dtype : {LOOM_DTYPE_F32, LOOM_DTYPE_F16}) {
      CachePtr cache(loom_kv_cache_create_typed(model.get(), capacity, dtype));
      ASSERT_TRUE(cache) << loom_last_error();
      const size_t fullBytes = size_t(capacity * 4) * (dtype == LOOM_DTYPE_F16 ? 2 : 4);
      EXPECT_EQ(loom_kv_cache_bytes(cache.get()), fullBytes + stateBytes);
    }
  }
  CachePtr cache(loom_kv_cache_create(model.get(), 100));
  std::vector<int32_t> tokens(10, 1);
  ASSERT_EQ(loom_model_forward(model.get(), cache.get(), tokens.data(), 10, 0, nullptr), 0);
  EXPECT_EQ(loom_kv_cache_truncate(cache.get(), 9), -1);
  EXPECT_LAST_ERROR_CONTAINS("recurrent (linear-attention) layers keep one state");
  EXPECT_EQ(loom_kv_cache_position(cache.get()), 10);
  EXPECT_EQ(loom_kv_cache_truncate(cache.get(), 10), 0) << loom_last_error();
  EXPECT_EQ(loom_kv_cache_truncate(cache.get(), 0), 0) << "a new sequence is always possible";
}

TEST_F(RingCacheTest, CreateRejectsARecurrentCacheWithoutConvolutionChannels) {
  useKind(LOOM_CACHE_RECURRENT, 3);
  EXPECT_EQ(loom_model_create(), nullptr);
  EXPECT_LAST_ERROR_CONTAINS("recurrent cache 1 has 2 heads of 1 x 1, a window of 3 and 0 convolution channels");
}

TEST_F(RuntimeTest, HalfPrecisionCachesTakeHalfTheBytes) {
  ModelPtr model = randomModel();
  CachePtr f32(loom_kv_cache_create_typed(model.get(), 16, LOOM_DTYPE_F32));
  CachePtr f16(loom_kv_cache_create_typed(model.get(), 16, LOOM_DTYPE_F16));
  ASSERT_TRUE(f32 && f16) << loom_last_error();
  EXPECT_EQ(loom_kv_cache_bytes(f32.get()), size_t(16 * kKVBytesPerToken));
  EXPECT_EQ(loom_kv_cache_bytes(f16.get()), size_t(16 * kKVBytesPerToken / 2));
  EXPECT_EQ(loom_kv_cache_create_typed(model.get(), 16, LOOM_DTYPE_BF16), nullptr);
  EXPECT_LAST_ERROR_CONTAINS("the KV element type must be F32 (0) or F16 (1), got 30");
}

TEST_F(RingCacheTest, TruncateRollsBackOnlyAsFarAsTheRingHolds) {
  useKind(LOOM_CACHE_RING, 8);
  ModelPtr model = randomModel();
  CachePtr cache(loom_kv_cache_create(model.get(), 100));
  const int64_t ringRows = 8 + kMaxChunk - 1, position = ringRows + 20;
  std::vector<int32_t> tokens(size_t(position), 1);
  ASSERT_EQ(loom_model_forward(model.get(), cache.get(), tokens.data(), position, 0, nullptr), 0);
  // The ring holds positions [position - rows, position); restarting at p needs p - 7 .. p - 1.
  const int64_t earliest = position - ringRows + 8 - 1;
  EXPECT_EQ(loom_kv_cache_truncate(cache.get(), earliest - 1), -1);
  EXPECT_LAST_ERROR_CONTAINS("can roll back to position " + std::to_string(earliest) + " at the earliest");
  EXPECT_EQ(loom_kv_cache_position(cache.get()), position);
  EXPECT_EQ(loom_kv_cache_truncate(cache.get(), earliest), 0) << loom_last_error();
  EXPECT_EQ(loom_kv_cache_truncate(cache.get(), 0), 0) << "a new sequence is always possible";
}

TEST_F(RingCacheTest, AChunkCacheRollsBackToAChunkItStillHolds) {
  useKind(LOOM_CACHE_CHUNK, 8);
  ModelPtr model = randomModel();
  CachePtr cache(loom_kv_cache_create(model.get(), 100));
  const int64_t rows = 8 + kMaxChunk - 1, position = rows + 21;
  std::vector<int32_t> tokens(size_t(position), 1);
  ASSERT_EQ(loom_model_forward(model.get(), cache.get(), tokens.data(), position, 0, nullptr), 0);
  // Oldest held position: position - rows = 21; the first chunk start at or after it is 24.
  EXPECT_EQ(loom_kv_cache_truncate(cache.get(), 23), -1);
  EXPECT_LAST_ERROR_CONTAINS("can roll back to position 24 at the earliest");
  EXPECT_EQ(loom_kv_cache_truncate(cache.get(), 26), 0) << loom_last_error();
}

TEST_F(RuntimeTest, ForwardNeedsWeights) {
  ModelPtr model(loom_model_create());
  ASSERT_TRUE(model);
  CachePtr cache(loom_kv_cache_create(model.get(), 0));
  int32_t token = 1;
  EXPECT_EQ(loom_model_forward(model.get(), cache.get(), &token, 1, 0, nullptr), -1);
  EXPECT_LAST_ERROR_CONTAINS("the model has no weights");
  EXPECT_TRUE(fakeState().calls.empty());
}

TEST_F(RuntimeTest, CacheCapacityIsClampedToTheModel) {
  ModelPtr model(loom_model_create());
  ASSERT_TRUE(model);
  for (auto [requested, capacity] : {std::pair<int64_t, int64_t>{0, kMaxContext}, {8, 8}, {1000, kMaxContext}}) {
    CachePtr cache(loom_kv_cache_create(model.get(), requested));
    ASSERT_TRUE(cache) << loom_last_error();
    EXPECT_EQ(loom_kv_cache_capacity(cache.get()), capacity);
    EXPECT_EQ(loom_kv_cache_position(cache.get()), 0);
    EXPECT_EQ(loom_kv_cache_bytes(cache.get()), size_t(capacity * kKVBytesPerToken));
  }
}

TEST_F(RuntimeTest, CacheRejectsANegativeContext) {
  ModelPtr model(loom_model_create());
  ASSERT_TRUE(model);
  EXPECT_EQ(loom_kv_cache_create(model.get(), -1), nullptr);
  EXPECT_LAST_ERROR_CONTAINS("max_context must be >= 0, got -1");
}

TEST_F(RuntimeTest, LongPromptRunsInChunksWithOnlyTheLastLogits) {
  ModelPtr model = randomModel();
  CachePtr cache(loom_kv_cache_create(model.get(), 0));
  std::vector<int32_t> tokens = iota(10);
  std::vector<float> logits(kVocab, NAN);
  ASSERT_EQ(loom_model_forward(model.get(), cache.get(), tokens.data(), 10, 0, logits.data()), 0)
      << loom_last_error();
  EXPECT_EQ(fakeState().calls,
            (std::vector<ForwardCall>{{4, 0, 4, true}, {4, 4, 4, true}, {2, 8, 1, false}}));
  expectLogitsRow(logits.data(), tokens, embed());
  EXPECT_EQ(loom_kv_cache_position(cache.get()), 10);
}

TEST_F(RuntimeTest, AllLogitsFillEveryRow) {
  ModelPtr model = randomModel();
  CachePtr cache(loom_kv_cache_create(model.get(), 0));
  std::vector<int32_t> tokens = iota(10);
  std::vector<float> logits(10 * kVocab, NAN);
  ASSERT_EQ(loom_model_forward(model.get(), cache.get(), tokens.data(), 10, 1, logits.data()), 0)
      << loom_last_error();
  EXPECT_EQ(fakeState().calls,
            (std::vector<ForwardCall>{{4, 0, 0, false}, {4, 4, 0, false}, {2, 8, 0, false}}));
  for (size_t i = 0; i < tokens.size(); ++i)
    expectLogitsRow(&logits[i * kVocab], std::vector<int32_t>(tokens.begin(), tokens.begin() + i + 1), embed());
}

TEST_F(RuntimeTest, NullLogitsAskForNone) {
  ModelPtr model = randomModel();
  CachePtr cache(loom_kv_cache_create(model.get(), 0));
  std::vector<int32_t> tokens = iota(6);
  ASSERT_EQ(loom_model_forward(model.get(), cache.get(), tokens.data(), 6, 1, nullptr), 0) << loom_last_error();
  EXPECT_EQ(fakeState().calls, (std::vector<ForwardCall>{{4, 0, 4, true}, {2, 4, 2, true}}));
  EXPECT_EQ(loom_kv_cache_position(cache.get()), 6);
}

TEST_F(RuntimeTest, ChunkedPromptMatchesTokenByToken) {
  ModelPtr model = randomModel();
  std::vector<int32_t> tokens = iota(11, 5);
  CachePtr whole(loom_kv_cache_create(model.get(), 0));
  std::vector<float> chunked(tokens.size() * kVocab);
  ASSERT_EQ(loom_model_forward(model.get(), whole.get(), tokens.data(), int64_t(tokens.size()), 1, chunked.data()),
            0);
  CachePtr stepwise(loom_kv_cache_create(model.get(), 0));
  for (size_t i = 0; i < tokens.size(); ++i) {
    std::vector<float> logits(kVocab);
    ASSERT_EQ(loom_model_forward(model.get(), stepwise.get(), &tokens[i], 1, 0, logits.data()), 0);
    for (int64_t t = 0; t < kVocab; ++t)
      EXPECT_EQ(logits[size_t(t)], chunked[i * kVocab + size_t(t)]) << "token " << i << ", logit " << t;
  }
  EXPECT_EQ(loom_kv_cache_position(stepwise.get()), loom_kv_cache_position(whole.get()));
}

TEST_F(RuntimeTest, ForwardAppendsToTheSequence) {
  ModelPtr model = randomModel();
  CachePtr cache(loom_kv_cache_create(model.get(), 0));
  std::vector<int32_t> first = iota(3), second = iota(5, 9);
  std::vector<float> logits(kVocab);
  ASSERT_EQ(loom_model_forward(model.get(), cache.get(), first.data(), 3, 0, logits.data()), 0);
  ASSERT_EQ(loom_model_forward(model.get(), cache.get(), second.data(), 5, 0, logits.data()), 0);
  EXPECT_EQ(loom_kv_cache_position(cache.get()), 8);
  EXPECT_EQ(fakeState().calls.back(), (ForwardCall{1, 7, 0, false}));
  std::vector<int32_t> history = first;
  history.insert(history.end(), second.begin(), second.end());
  expectLogitsRow(logits.data(), history, embed());
}

TEST_F(RuntimeTest, TruncateRewindsAndTheNextForwardOverwrites) {
  ModelPtr model = randomModel();
  CachePtr cache(loom_kv_cache_create(model.get(), 0));
  std::vector<int32_t> tokens = {1, 2, 3, 4, 5};
  ASSERT_EQ(loom_model_forward(model.get(), cache.get(), tokens.data(), 5, 0, nullptr), 0);
  ASSERT_EQ(loom_kv_cache_truncate(cache.get(), 2), 0) << loom_last_error();
  EXPECT_EQ(loom_kv_cache_position(cache.get()), 2);
  std::vector<int32_t> replacement = {9, 10};
  std::vector<float> logits(kVocab);
  ASSERT_EQ(loom_model_forward(model.get(), cache.get(), replacement.data(), 2, 0, logits.data()), 0);
  expectLogitsRow(logits.data(), {1, 2, 9, 10}, embed());
}

TEST_F(RuntimeTest, TruncatePastThePositionIsAnError) {
  ModelPtr model = randomModel();
  CachePtr cache(loom_kv_cache_create(model.get(), 0));
  std::vector<int32_t> tokens = iota(3);
  ASSERT_EQ(loom_model_forward(model.get(), cache.get(), tokens.data(), 3, 0, nullptr), 0);
  EXPECT_EQ(loom_kv_cache_truncate(cache.get(), 4), -1);
  EXPECT_LAST_ERROR_CONTAINS("cannot truncate the KV cache to position 4: it holds 3 tokens");
  EXPECT_EQ(loom_kv_cache_truncate(cache.get(), -1), -1);
  EXPECT_EQ(loom_kv_cache_position(cache.get()), 3);
  EXPECT_EQ(loom_kv_cache_truncate(cache.get(), 3), 0);
}

TEST_F(RuntimeTest, ResetStartsANewSequence) {
  ModelPtr model = randomModel();
  CachePtr cache(loom_kv_cache_create(model.get(), 0));
  std::vector<int32_t> tokens = iota(6);
  ASSERT_EQ(loom_model_forward(model.get(), cache.get(), tokens.data(), 6, 0, nullptr), 0);
  loom_kv_cache_reset(cache.get());
  EXPECT_EQ(loom_kv_cache_position(cache.get()), 0);
  std::vector<float> logits(kVocab);
  int32_t token = 4;
  ASSERT_EQ(loom_model_forward(model.get(), cache.get(), &token, 1, 0, logits.data()), 0);
  EXPECT_EQ(fakeState().calls.back(), (ForwardCall{1, 0, 0, false}));
  expectLogitsRow(logits.data(), {4}, embed());
}

TEST_F(RuntimeTest, ContextOverflowLeavesTheCacheUnchanged) {
  ModelPtr model = randomModel();
  CachePtr cache(loom_kv_cache_create(model.get(), 8));
  std::vector<int32_t> tokens = iota(6);
  ASSERT_EQ(loom_model_forward(model.get(), cache.get(), tokens.data(), 6, 0, nullptr), 0);
  const size_t calls = fakeState().calls.size();
  EXPECT_EQ(loom_model_forward(model.get(), cache.get(), tokens.data(), 3, 0, nullptr), -1);
  EXPECT_LAST_ERROR_CONTAINS("prompt of 3 tokens exceeds the context: position 6 + 3 > capacity 8");
  EXPECT_EQ(loom_kv_cache_position(cache.get()), 6);
  EXPECT_EQ(fakeState().calls.size(), calls);
  // Exactly filling the cache is fine.
  EXPECT_EQ(loom_model_forward(model.get(), cache.get(), tokens.data(), 2, 0, nullptr), 0);
  EXPECT_EQ(loom_kv_cache_position(cache.get()), 8);
}

TEST_F(RuntimeTest, TokenIdBeyondTheVocabularyIsAnError) {
  ModelPtr model = randomModel();
  CachePtr cache(loom_kv_cache_create(model.get(), 0));
  std::vector<int32_t> tokens = {1, 2, 3, 4, 5, 16};
  EXPECT_EQ(loom_model_forward(model.get(), cache.get(), tokens.data(), 6, 1, nullptr), -1);
  EXPECT_LAST_ERROR_CONTAINS("token 5 has id 16, outside the vocabulary [0, 16)");
  EXPECT_EQ(loom_kv_cache_position(cache.get()), 0);
  EXPECT_TRUE(fakeState().calls.empty()) << "no chunk may run before every token is checked";
}

TEST_F(RuntimeTest, NegativeTokenIdIsAnError) {
  ModelPtr model = randomModel();
  CachePtr cache(loom_kv_cache_create(model.get(), 0));
  int32_t token = -3;
  EXPECT_EQ(loom_model_forward(model.get(), cache.get(), &token, 1, 0, nullptr), -1);
  EXPECT_LAST_ERROR_CONTAINS("token 0 has id -3");
}

TEST_F(RuntimeTest, EmptyPromptIsAnError) {
  ModelPtr model = randomModel();
  CachePtr cache(loom_kv_cache_create(model.get(), 0));
  int32_t token = 0;
  EXPECT_EQ(loom_model_forward(model.get(), cache.get(), &token, 0, 0, nullptr), -1);
  EXPECT_LAST_ERROR_CONTAINS("at least one token, got n = 0");
}

TEST_F(RuntimeTest, NullHandlesAreErrorsNotCrashes) {
  loom_model_free(nullptr);
  loom_kv_cache_free(nullptr);
  loom_sampler_free(nullptr);
  loom_kv_cache_reset(nullptr);
  EXPECT_EQ(loom_kv_cache_bytes(nullptr), 0u);
  EXPECT_EQ(loom_kv_cache_position(nullptr), -1);
  EXPECT_EQ(loom_kv_cache_capacity(nullptr), -1);
  EXPECT_EQ(loom_kv_cache_truncate(nullptr, 0), -1);
  EXPECT_EQ(loom_kv_cache_create(nullptr, 0), nullptr);
  EXPECT_EQ(loom_model_load_weights(nullptr, "x"), -1);
  EXPECT_EQ(loom_model_init_random(nullptr, 1, 1), -1);
  loom_model_info info;
  loom_model_get_info(nullptr, &info);
  EXPECT_LAST_ERROR_CONTAINS("model is NULL");
  ModelPtr model = randomModel();
  int32_t token = 0;
  EXPECT_EQ(loom_model_forward(model.get(), nullptr, &token, 1, 0, nullptr), -1);
  EXPECT_LAST_ERROR_CONTAINS("cache is NULL");
  EXPECT_EQ(loom_model_load_weights(model.get(), nullptr), -1);
  EXPECT_LAST_ERROR_CONTAINS("path is NULL");
}

TEST_F(RuntimeTest, RandomInitIsDeterministicInTheSeed) {
  ModelPtr a = randomModel(42), b = randomModel(42), c = randomModel(43);
  std::vector<std::vector<float>> weightsA = weightsOf(a.get());
  EXPECT_EQ(weightsA, weightsOf(b.get()));
  EXPECT_NE(weightsA, weightsOf(c.get()));
  // Re-initializing a model with the same seed reproduces its weights.
  ASSERT_EQ(loom_model_init_random(c.get(), 42, 0.5f), 0);
  EXPECT_EQ(weightsA, weightsOf(c.get()));
}

TEST_F(RuntimeTest, RandomInitCentersNormScalesOnOne) {
  ModelPtr model(loom_model_create());
  ASSERT_EQ(loom_model_init_random(model.get(), 1, 0.0f), 0);
  std::vector<std::vector<float>> weights = weightsOf(model.get());
  const loom_model_desc &desc = fakeDescriptor();
  for (int64_t i = 0; i < desc.n_weights; ++i) {
    std::string name = desc.weights[i].name;
    float expected = name.ends_with("norm.weight") ? 1.0f : 0.0f;
    for (float value : weights[size_t(i)])
      EXPECT_EQ(value, expected) << name;
  }
}

TEST_F(RuntimeTest, RandomInitSpreadsValuesByTheStddev) {
  ModelPtr model(loom_model_create());
  ASSERT_EQ(loom_model_init_random(model.get(), 3, 2.0f), 0);
  std::vector<float> embedding = weightsOf(model.get())[kEmbedWeight];
  double sumSquares = 0;
  for (float value : embedding)
    sumSquares += double(value) * value;
  // 64 samples of N(0, 4): the sample variance is within 50% with overwhelming probability.
  EXPECT_NEAR(sumSquares / double(embedding.size()), 4.0, 2.0);
}

TEST_F(RuntimeTest, RandomInitRejectsABadStddev) {
  ModelPtr model(loom_model_create());
  EXPECT_EQ(loom_model_init_random(model.get(), 1, -1.0f), -1);
  EXPECT_LAST_ERROR_CONTAINS("finite stddev >= 0, got -1");
  EXPECT_EQ(loom_model_init_random(model.get(), 1, NAN), -1);
}

TEST(ThreadsTest, SetNumThreadsReachesTheKernels) {
  loom_set_num_threads(3);
  EXPECT_EQ(loom_kernels_num_threads(), 3);
  loom_set_num_threads(1);
  EXPECT_EQ(loom_kernels_num_threads(), 1);
  EXPECT_EQ(loom_num_threads(), 1);
}

// A count past the pool's limit runs (and reports) the limit rather than starting 100000 threads.
TEST(ThreadsTest, CountsPastThePoolLimitAreCapped) {
  loom_set_num_threads(100000);
  EXPECT_EQ(loom_num_threads(), LOOM_KERNELS_MAX_THREADS);
  loom_set_num_threads(2);
  EXPECT_EQ(loom_num_threads(), 2);
}

TEST(ThreadsTest, ParallelForRunsEveryTaskOnce) {
  loom_set_num_threads(2);
  std::vector<std::atomic<int>> runs(1000);
  loom_kernels_parallel_for(
      static_cast<int32_t>(runs.size()),
      [](void *context, int32_t task) { (*static_cast<std::vector<std::atomic<int>> *>(context))[task]++; }, &runs);
  for (size_t t = 0; t < runs.size(); ++t)
    EXPECT_EQ(runs[t].load(), 1) << "task " << t;
  loom_kernels_parallel_for(0, [](void *, int32_t) { FAIL() << "no task to run"; }, nullptr);
}

TEST(ErrorTest, LastErrorIsPerThread) {
  EXPECT_EQ(loom_kv_cache_truncate(nullptr, 0), -1);
  std::string otherThreadError = "unset";
  std::thread([&] { otherThreadError = loom_last_error(); }).join();
  EXPECT_EQ(otherThreadError, "");
  EXPECT_LAST_ERROR_CONTAINS("cache is NULL");
}

} // namespace
