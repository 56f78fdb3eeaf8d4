//===- Qwen2.cpp - The Qwen2 family -------------------------------------===//
//
// Qwen2 / Qwen2.5: Llama's block with Q, K and V biases whatever the config's
// attention_bias says; llama.cpp keeps the rows (NeoX RoPE).
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

namespace loom::rt {
namespace {

/// The config.json keys the import reads beyond those every family shares (Family.h).
constexpr KeyRule kConfigKeys[] = {
    {"hidden_act", KeyUse::Modelled},
    // Qwen drops sliding_window and max_window_layers unless use_sliding_window is true, which is refused.
    {"use_sliding_window", KeyUse::Modelled},
    {"sliding_window", KeyUse::Harmless},
    {"max_window_layers", KeyUse::Harmless},
    // transformers' Qwen2 always has Q/K/V biases and no output bias, whatever the key says (and so does the
    // imported spec).
    {"attention_bias", KeyUse::Harmless},
    {"mlp_bias", KeyUse::NeutralOnly, "feed-forward biases", false, "transformers' model of this family does not have"},
};

constexpr std::span<const KeyRule> kConfigKeyTables[] = {kConfigKeys};

} // namespace

extern const Family kQwen2Family = {
    .configType = "qwen2",
    .ggufArch = "qwen2",
    .decoder = {.block = BlockStyle::PreNorm, .qkvBiasAlways = true},
    .configKeys = kConfigKeyTables,
};

} // namespace loom::rt
