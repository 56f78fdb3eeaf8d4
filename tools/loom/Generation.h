//===- Generation.h - Prefill + decode loops shared by run/bench -*- C++ -*-===//
#ifndef LOOM_TOOLS_GENERATION_H
#define LOOM_TOOLS_GENERATION_H

#include "ModelLibrary.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace loom {

struct GenerationStats {
  int64_t promptTokens = 0;
  int64_t generatedTokens = 0;
  double prefillSeconds = 0;
  double decodeSeconds = 0;
  double prefillTokensPerSecond() const { return prefillSeconds > 0 ? promptTokens / prefillSeconds : 0; }
  /// The first generated token comes from the prefill logits; decode runs the rest.
  double decodeTokensPerSecond() const {
    return decodeSeconds > 0 ? (generatedTokens - 1) / decodeSeconds : 0;
  }
};

/// Prefills `prompt`, then samples up to `count` tokens, calling `onToken` for
/// each; generation stops early when `onToken` returns false (an end-of-turn
/// token, say).
llvm::Expected<GenerationStats> generate(LoadedModel &model, loom_kv_cache *cache, const std::vector<int32_t> &prompt,
                                         int64_t count, loom_sampler *sampler,
                                         llvm::function_ref<bool(int32_t)> onToken);

/// Parses "1,2,3" into token ids.
llvm::Expected<std::vector<int32_t>> parseTokenList(const std::string &text);

/// A deterministic pseudo-random prompt of `length` ids below `vocab`.
std::vector<int32_t> syntheticPrompt(int64_t length, int64_t vocab, uint64_t seed);

} // namespace loom

#endif // LOOM_TOOLS_GENERATION_H
