//===- FakeModel.h - A stand-in for a generated model object ----*- C++ -*-===//
//
// FakeModel.cpp defines loom_generated_descriptor and loom_generated_forward
// for a tiny two-layer model whose logits are a known function of the
// weights, the token, its position and the KV-cache contents, so that tests can
// check what the runtime hands the generated code, and in which chunks.
//
// Per token at position p, the forward stores K0[p] = (token, p),
// V0[p] = (p, token) in layer 0 (1 head of 2) and K1[p] = (token, -token),
// V1[p] = (p, -p) in layer 1 (2 heads of 1). Logit t of the token is
//   sum_{q <= p} K0[q].0  +  sum_{q <= p} V1[q].0 / 64  +  embed[token, t % 4]  +  t / 2
// read back from the caches, so it depends on every earlier chunk.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TEST_RUNTIME_FAKEMODEL_H
#define LOOM_TEST_RUNTIME_FAKEMODEL_H

#include "loom/Runtime/ModelABI.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace loom::test {

constexpr int64_t kVocab = 16;
constexpr int64_t kDModel = 4;
constexpr int64_t kMaxContext = 32;
constexpr int64_t kMaxChunk = 4;
/// Over both layers: 2 (K and V) * (1 * 2 + 2 * 1) floats.
constexpr int64_t kKVBytesPerToken = 2 * (1 * 2 + 2 * 1) * 4;
/// Manifest index of "embed.weight" [kVocab, kDModel].
constexpr int64_t kEmbedWeight = 0;

/// One loom_generated_forward call as the fake saw it.
struct ForwardCall {
  int64_t n;
  int64_t startPos;
  int64_t firstLogitRow;
  bool logitsNull;

  bool operator==(const ForwardCall &) const = default;
};

struct FakeModelState {
  std::vector<ForwardCall> calls;
  /// The weight table of the latest call.
  const loom_tensor *weights = nullptr;
  /// Set if a call broke the ABI's promises (null or non-F32 weights,
  /// misaligned or missing scratch, logits pointer inconsistent with rows).
  bool abiViolation = false;
};

/// Recorded by every loom_generated_forward call.
FakeModelState &fakeState();

/// The descriptor loom_generated_descriptor returns; tests may edit it and
/// restore it with resetFakeDescriptor().
loom_model_desc &fakeDescriptor();
void resetFakeDescriptor();

/// The first `count` values of a weight the runtime handed over: F32, or an
/// F16 or BF16 matrix kept as it was in the file.
std::vector<float> weightValues(const loom_tensor &tensor, size_t count);

/// The logits the fake produces for the last token of `history` (the tokens at
/// positions 0..history.size()-1), given the embedding table.
std::vector<float> expectedLogits(const std::vector<int32_t> &history, const float *embed);

} // namespace loom::test

#endif // LOOM_TEST_RUNTIME_FAKEMODEL_H
