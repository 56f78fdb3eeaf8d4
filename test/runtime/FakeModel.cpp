//===- FakeModel.cpp - A stand-in for a generated model object ------------===//

#include "FakeModel.h"
#include "loom/Runtime/Kernels.h"

#include <cstring>
#include <string_view>

using namespace loom::test;

namespace {

const loom_weight_desc kWeights[] = {
    {"embed.weight", 2, {kVocab, kDModel, 0, 0}, LOOM_DTYPE_F32},
    {"layers.0.attn_norm.weight", 1, {kDModel, 0, 0, 0}, LOOM_DTYPE_F32},
    {"layers.0.proj.weight", 2, {kDModel, kDModel, 0, 0}, LOOM_DTYPE_F32},
    {"layers.0.proj.bias", 1, {kDModel, 0, 0, 0}, LOOM_DTYPE_F32},
    {"layers.1.attn_norm.weight", 1, {kDModel, 0, 0, 0}, LOOM_DTYPE_F32},
    {"layers.1.proj.weight", 2, {kDModel, kDModel, 0, 0}, LOOM_DTYPE_F32},
    {"norm.weight", 1, {kDModel, 0, 0, 0}, LOOM_DTYPE_F32},
};

// Both caches keep every position: the fake reads all of them back (ring caches are tested on their own).
const loom_cache_desc kCaches[] = {
    {LOOM_CACHE_FULL, /*window=*/0, /*kv_heads=*/1, /*key_dim=*/2, /*value_dim=*/2},
    {LOOM_CACHE_FULL, /*window=*/0, /*kv_heads=*/2, /*key_dim=*/1, /*value_dim=*/1},
};

constexpr int64_t kScratchBytes = 200;

const loom_model_desc kDescriptor = {
    LOOM_ABI_VERSION, "fake", kVocab, kDModel, /*n_layers=*/2, kMaxContext, kMaxChunk, kScratchBytes,
    /*n_weights=*/sizeof(kWeights) / sizeof(kWeights[0]), kWeights, /*n_caches=*/2, kCaches,
};

loom_model_desc descriptor = kDescriptor;

float *keysOf(const loom_cache_view &cache) { return static_cast<float *>(cache.keys); }
float *valuesOf(const loom_cache_view &cache) { return static_cast<float *>(cache.values); }

/// What the forward computes for the token at `position`, from the caches.
float logit(const loom_cache_view *caches, const float *embed, int32_t token, int64_t position, int64_t t) {
  float tokens = 0, positions = 0;
  for (int64_t q = 0; q <= position; ++q) {
    tokens += keysOf(caches[0])[2 * q];
    positions += valuesOf(caches[1])[2 * q];
  }
  return tokens + positions / 64 + embed[token * kDModel + t % kDModel] + float(t) / 2;
}

} // namespace

FakeModelState &loom::test::fakeState() {
  static FakeModelState state;
  return state;
}

loom_model_desc &loom::test::fakeDescriptor() { return descriptor; }

void loom::test::resetFakeDescriptor() { descriptor = kDescriptor; }

std::vector<float> loom::test::expectedLogits(const std::vector<int32_t> &history, const float *embed) {
  const int64_t position = int64_t(history.size()) - 1;
  float tokens = 0, positions = 0;
  for (int64_t q = 0; q <= position; ++q) {
    tokens += float(history[q]);
    positions += float(q);
  }
  std::vector<float> logits(kVocab);
  for (int64_t t = 0; t < kVocab; ++t)
    logits[t] = tokens + positions / 64 + embed[history.back() * kDModel + t % kDModel] + float(t) / 2;
  return logits;
}

std::vector<float> loom::test::weightValues(const loom_tensor &tensor, size_t count) {
  std::vector<float> values(count);
  if (tensor.dtype == LOOM_DTYPE_F32) {
    std::memcpy(values.data(), tensor.data, count * sizeof(float));
    return values;
  }
  const auto *bits = static_cast<const uint16_t *>(tensor.data);
  for (size_t i = 0; i < count; ++i) {
    uint32_t widened = uint32_t(bits[i]) << 16; // BF16
    if (tensor.dtype == LOOM_DTYPE_F16) {
      // Tests store zeros and normal halves only.
      const uint32_t sign = uint32_t(bits[i] & 0x8000) << 16, rest = bits[i] & 0x7FFF;
      widened = rest == 0 ? sign : sign | ((rest >> 10) + 112) << 23 | (rest & 0x3FF) << 13;
    }
    std::memcpy(&values[i], &widened, sizeof(float));
  }
  return values;
}

extern "C" const loom_model_desc *loom_generated_descriptor(void) { return &descriptor; }

extern "C" void loom_generated_forward(const loom_tensor *weights, const loom_cache_view *caches,
                                       const int32_t *tokens, int64_t n, int64_t start_pos, int64_t first_logit_row,
                                       void *scratch, float *logits) {
  FakeModelState &state = fakeState();
  state.calls.push_back({n, start_pos, first_logit_row, logits == nullptr});
  state.weights = weights;
  // Matrices and stacks of them (an MoE layer's experts) may keep any dtype the kernels take; everything else,
  // biases of any rank included, reaches kernels as F32.
  for (int64_t i = 0; i < descriptor.n_weights; ++i) {
    const std::string_view name = descriptor.weights[i].name;
    const bool bias = name.size() >= 5 && name.substr(name.size() - 5) == ".bias";
    if (!weights[i].data ||
        (weights[i].dtype != LOOM_DTYPE_F32 &&
         (descriptor.weights[i].rank < 2 || bias || !loom_kernels_supports(weights[i].dtype))))
      state.abiViolation = true;
  }
  if (!scratch || reinterpret_cast<uintptr_t>(scratch) % 64 != 0 || n < 1 || n > kMaxChunk ||
      first_logit_row < 0 || first_logit_row > n || (logits == nullptr) != (first_logit_row == n)) {
    state.abiViolation = true;
    return;
  }
  // Touch all of the scratch the descriptor asked for: the sanitizers check its size.
  std::memset(scratch, 0xA5, kScratchBytes);

  const std::vector<float> embedValues = weightValues(weights[kEmbedWeight], size_t(kVocab * kDModel));
  const float *embed = embedValues.data();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t p = start_pos + i;
    const float token = float(tokens[i]);
    // Position p in row p % rows, as ModelABI.h says (a test may make cache 1 a ring).
    const int64_t r0 = p % caches[0].rows, r1 = p % caches[1].rows;
    keysOf(caches[0])[2 * r0] = token;
    keysOf(caches[0])[2 * r0 + 1] = float(p);
    valuesOf(caches[0])[2 * r0] = float(p);
    valuesOf(caches[0])[2 * r0 + 1] = token;
    keysOf(caches[1])[2 * r1] = token;
    keysOf(caches[1])[2 * r1 + 1] = -token;
    valuesOf(caches[1])[2 * r1] = float(p);
    valuesOf(caches[1])[2 * r1 + 1] = -float(p);
  }
  for (int64_t row = first_logit_row; row < n; ++row)
    for (int64_t t = 0; t < kVocab; ++t)
      logits[(row - first_logit_row) * kVocab + t] = logit(caches, embed, tokens[row], start_pos + row, t);
}
