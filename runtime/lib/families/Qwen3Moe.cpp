//===- Qwen3Moe.cpp - The Qwen3-MoE family ------------------------------===//
//
// Qwen3-MoE (30B-A3B, 235B-A22B): Qwen3's attention (per-head QK-norm, NeoX
// RoPE, rows kept by llama.cpp) with a softmax-routed mixture of SwiGLU
// experts in the feed-forward of its sparse layers, no shared expert.
//
//===----------------------------------------------------------------------===//

#include "../Family.h"
#include "SharedKeys.h"

namespace loom::rt {
namespace {

/// The config.json keys the import reads beyond those every family shares (Family.h).
constexpr KeyRule kConfigKeys[] = {
    {"attention_bias", KeyUse::Modelled},
    {"hidden_act", KeyUse::Modelled},
    // Qwen drops sliding_window and max_window_layers unless use_sliding_window is true, which is refused.
    {"use_sliding_window", KeyUse::Modelled},
    {"sliding_window", KeyUse::Harmless},
    {"max_window_layers", KeyUse::Harmless},
    {"mlp_bias", KeyUse::NeutralOnly, "feed-forward biases", false, "transformers' model of this family does not have"},
};

constexpr std::span<const KeyRule> kConfigKeyTables[] = {kConfigKeys, kQwenExpertConfigKeys};

constexpr std::span<const KeyRule> kGgufKeyTables[] = {kGgufExpertKeys};

} // namespace

extern const Family kQwen3MoeFamily = {
    .configType = "qwen3_moe",
    .ggufArch = "qwen3moe",
    .decoder = {.block = BlockStyle::PreNorm, .qkNorm = QkNorm::PerHead, .experts = Experts::Qwen},
    .configKeys = kConfigKeyTables,
    .ggufKeys = kGgufKeyTables,
};

} // namespace loom::rt
