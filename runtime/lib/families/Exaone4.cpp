//===- Exaone4.cpp - The EXAONE 4.0 family ------------------------------===//
//
// EXAONE 4.0: post-norm, per-head QK-norm, sliding-window layers with RoPE
// and global layers without (3:1 from layer_types or sliding_window_pattern).
// No GGUF import yet.
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

namespace loom::rt {
namespace {

/// The config.json keys the import reads beyond those every family shares (Family.h).
constexpr KeyRule kConfigKeys[] = {
    {"hidden_act", KeyUse::Modelled},
    {"sliding_window", KeyUse::Modelled},
    {"sliding_window_pattern", KeyUse::Modelled},
    // Carried over from Qwen2's config; the model does not read it.
    {"max_window_layers", KeyUse::Harmless},
    {"mlp_bias", KeyUse::NeutralOnly, "feed-forward biases", false, "transformers' model of this family does not have"},
    {"attention_bias", KeyUse::NeutralOnly, "attention biases", false, "transformers' exaone4 does not have"},
};

constexpr std::span<const KeyRule> kConfigKeyTables[] = {kConfigKeys};

} // namespace

extern const Family kExaone4Family = {
    .configType = "exaone4",
    .decoder = {.block = BlockStyle::PostNorm,
                .qkNorm = QkNorm::PerHead,
                .nope = NoPE::GlobalLayers,
                .sliding = Sliding::LayerTypes},
    .configKeys = kConfigKeyTables,
    .readsLayerTypes = true,
};

} // namespace loom::rt
