//===- Mistral4.cpp - The Mistral 4 family (Mistral Large 3's text model) ===//
//
// transformers' mistral4 (Mistral4ForCausalLM; the text_config of Mistral
// Large 3 and Mistral Small 4 checkpoints): DeepSeek V3's layers (latent
// attention with YaRN on its decoupled RoPE key, shared experts, dense first
// layers) with DeepSeek V2's softmax routing (the top k of a softmax over all
// experts, renormalised, scaled; no selection bias) and Llama 4's query
// temperature, 1 + beta ln(1 + floor(p / original_max_position_embeddings)),
// which is exactly 1 below that position: `loom import` stops the context
// there (Importer.cpp) rather than drop it. Tensor names are DeepSeek V3's.
//
//===----------------------------------------------------------------------===//

#include "../Family.h"
#include "SharedKeys.h"

namespace loom::rt {
namespace {

constexpr std::span<const KeyRule> kConfigKeyTables[] = {kDeepSeekConfigKeys, kDeepSeekExpertConfigKeys};

} // namespace

extern const Family kMistral4Family = {
    .configType = "mistral4",
    .decoder = {.block = BlockStyle::PreNorm,
                .experts = Experts::DeepSeek,
                .latentAttention = true,
                .softmaxExpertScores = true},
    .configKeys = kConfigKeyTables,
    .ropeObjectHoldsRotaryFraction = true,
};

} // namespace loom::rt
