//===- Qwen3.cpp - The Qwen3 family -------------------------------------===//
//
// Qwen3 (dense): Llama's block with a per-head RMSNorm of q and k before RoPE;
// llama.cpp keeps the rows (NeoX RoPE).
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

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

constexpr std::span<const KeyRule> kConfigKeyTables[] = {kConfigKeys};

} // namespace

extern const Family kQwen3Family = {
    .configType = "qwen3",
    .ggufArch = "qwen3",
    .decoder = {.block = BlockStyle::PreNorm, .qkNorm = QkNorm::PerHead},
    .configKeys = kConfigKeyTables,
};

} // namespace loom::rt
