//===- Olmo3.cpp - The Olmo 3 family ------------------------------------===//
//
// Olmo 3: OLMo 2's block with 3 sliding-window layers to 1 full one
// (layer_types), YaRN on the full-attention layers only (RoPE parameters per
// layer type). No GGUF import yet.
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

namespace loom::rt {
namespace {

/// The config.json keys the import reads beyond those every family shares (Family.h).
constexpr KeyRule kConfigKeys[] = {
    {"attention_bias", KeyUse::Modelled},
    {"hidden_act", KeyUse::Modelled},
    {"sliding_window", KeyUse::Modelled},
    {"mlp_bias", KeyUse::NeutralOnly, "feed-forward biases", false, "transformers' model of this family does not have"},
};

constexpr std::span<const KeyRule> kConfigKeyTables[] = {kConfigKeys};

} // namespace

extern const Family kOlmo3Family = {
    .configType = "olmo3",
    .decoder = {.block = BlockStyle::PostNorm,
                .qkNorm = QkNorm::AllHeads,
                .sliding = Sliding::LayerTypes,
                .ropePerLayerType = true},
    .configKeys = kConfigKeyTables,
    .readsLayerTypes = true,
};

} // namespace loom::rt
