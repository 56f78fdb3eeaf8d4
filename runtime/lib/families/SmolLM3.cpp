//===- SmolLM3.cpp - The SmolLM3 family ---------------------------------===//
//
// SmolLM3: Llama's block with every fourth layer NoPE (no_rope_layers, or
// no_rope_layer_interval); llama.cpp converts it like llama (Q/K rows
// permuted) and hard-codes the step of 4. The LM head is tied unless the
// config says not.
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

namespace loom::rt {
namespace {

/// The config.json keys the import reads beyond those every family shares (Family.h).
constexpr KeyRule kConfigKeys[] = {
    {"attention_bias", KeyUse::Modelled},
    {"mlp_bias", KeyUse::Modelled},
    {"hidden_act", KeyUse::Modelled},
    {"sliding_window", KeyUse::Modelled},
    {"use_sliding_window", KeyUse::Modelled},
    // Which layers go without RoPE (1 marks a layer with RoPE).
    {"no_rope_layers", KeyUse::Modelled},
    {"no_rope_layer_interval", KeyUse::Modelled},
    // Carried over from Qwen2's config; the model does not read it.
    {"max_window_layers", KeyUse::Harmless},
    // Splits the projections for tensor-parallel pretraining: the same products.
    {"pretraining_tp", KeyUse::Harmless},
};

constexpr std::span<const KeyRule> kConfigKeyTables[] = {kConfigKeys};

} // namespace

extern const Family kSmolLM3Family = {
    .configType = "smollm3",
    .ggufArch = "smollm3",
    .decoder = {.block = BlockStyle::PreNorm,
                .nope = NoPE::EveryNth,
                .sliding = Sliding::LayerTypes,
                .ggufInterleaved = true,
                .tiedByDefault = true},
    .configKeys = kConfigKeyTables,
    .readsLayerTypes = true,
};

} // namespace loom::rt
