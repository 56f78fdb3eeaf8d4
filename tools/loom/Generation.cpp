//===- Generation.cpp - Prefill + decode loops shared by run/bench ------===//
#include "Generation.h"

#include "llvm/ADT/StringExtras.h"

#include <chrono>
#include <random>

namespace loom {

llvm::Expected<GenerationStats> generate(LoadedModel &model, loom_kv_cache *cache, const std::vector<int32_t> &prompt,
                                         int64_t count, loom_sampler *sampler,
                                         llvm::function_ref<bool(int32_t)> onToken) {
  using Clock = std::chrono::steady_clock;
  GenerationStats stats;
  stats.promptTokens = static_cast<int64_t>(prompt.size());
  std::vector<float> logits;
  const ModelApi &api = model.api();

  auto t0 = Clock::now();
  if (auto err = model.forward(cache, prompt, /*allLogits=*/false, logits))
    return std::move(err);
  stats.prefillSeconds = std::chrono::duration<double>(Clock::now() - t0).count();

  auto t1 = Clock::now();
  for (int64_t i = 0; i < count; ++i) {
    int32_t token = api.loom_sampler_sample(sampler, logits.data(), model.info().vocab);
    ++stats.generatedTokens;
    if (!onToken(token) || i + 1 == count)
      break;
    if (auto err = model.forward(cache, {token}, /*allLogits=*/false, logits))
      return std::move(err);
  }
  stats.decodeSeconds = std::chrono::duration<double>(Clock::now() - t1).count();
  return stats;
}

llvm::Expected<std::vector<int32_t>> parseTokenList(const std::string &text) {
  std::vector<int32_t> tokens;
  llvm::SmallVector<llvm::StringRef> parts;
  llvm::StringRef(text).split(parts, ',', -1, false);
  for (llvm::StringRef part : parts) {
    int32_t id;
    if (part.trim().getAsInteger(10, id))
      return llvm::createStringError("'%s' is not a token id (in --tokens '%s')", part.str().c_str(), text.c_str());
    tokens.push_back(id);
  }
  if (tokens.empty())
    return llvm::createStringError("--tokens is empty");
  return tokens;
}

std::vector<int32_t> syntheticPrompt(int64_t length, int64_t vocab, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int32_t> pick(0, static_cast<int32_t>(vocab - 1));
  std::vector<int32_t> prompt(length);
  for (int32_t &t : prompt)
    t = pick(rng);
  return prompt;
}

} // namespace loom
