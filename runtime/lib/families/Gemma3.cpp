//===- Gemma3.cpp - The Gemma 3 family ----------------------------------===//
//
// Gemma 3 (transformers' Gemma3ForCausalLM, model_type gemma3_text; the
// multimodal gemma3's text_config): sandwich norms stored as w in (1 + w),
// per-head QK-norm, GeGLU, embeddings scaled by sqrt(d_model), sliding-window
// layers with a RoPE base of their own (layer_types or the 5:1 pattern), RoPE
// parameters per layer type, the LM head tied unless the config says not.
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

namespace loom::rt {
namespace {

/// Gemma3TextConfig's defaults (transformers 5), which the multimodal releases' text_config leaves out: Gemma 3
/// 4B's gives neither its heads nor their width.
constexpr ConfigDefault kConfigDefaults[] = {
    {"vocab_size", 262208},    {"hidden_size", 2304},       {"intermediate_size", 9216},
    {"num_hidden_layers", 26}, {"num_attention_heads", 8},  {"num_key_value_heads", 4},
    {"head_dim", 256},         {"max_position_embeddings", 131072}, {"rms_norm_eps", 1e-6},
    {"query_pre_attn_scalar", 256}, {"sliding_window", 4096},
};

/// The config.json keys the import reads beyond those every family shares (Family.h).
constexpr KeyRule kConfigKeys[] = {
    {"attention_bias", KeyUse::Modelled},
    {"hidden_activation", KeyUse::Modelled},
    {"sliding_window", KeyUse::Modelled},
    {"query_pre_attn_scalar", KeyUse::Modelled},
    {"rope_local_base_freq", KeyUse::Modelled},
    {"sliding_window_pattern", KeyUse::Modelled},
    {"_sliding_window_pattern", KeyUse::Modelled}, // transformers 5's spelling
    // transformers' Gemma 3 reads hidden_activation; older exports also carry hidden_act.
    {"hidden_act", KeyUse::Harmless},
    {"mlp_bias", KeyUse::NeutralOnly, "feed-forward biases", false, "transformers' model of this family does not have"},
    {"use_sliding_window", KeyUse::NeutralOnly, "a sliding window on some layers"},
};

/// The GGUF metadata keys (after "<architecture>.") the import reads beyond the shared ones.
constexpr KeyRule kGgufKeys[] = {
    {"attention.sliding_window", KeyUse::Modelled},
    {"attention.sliding_window_pattern", KeyUse::Modelled},
    {"rope.freq_base_swa", KeyUse::Modelled},
};

constexpr std::span<const KeyRule> kConfigKeyTables[] = {kConfigKeys};

constexpr std::span<const KeyRule> kGgufKeyTables[] = {kGgufKeys};

} // namespace

extern const Family kGemma3Family = {
    .configType = "gemma3_text",
    .ggufArch = "gemma3",
    .decoder = {.block = BlockStyle::Sandwich,
                .qkNorm = QkNorm::PerHead,
                .sliding = Sliding::LayerTypes,
                .gemma = true,
                .tiedByDefault = true,
                .globalEvery = 6,
                .ropePerLayerType = true,
                .configDefaults = kConfigDefaults},
    .configKeys = kConfigKeyTables,
    .ggufKeys = kGgufKeyTables,
    .readsLayerTypes = true,
};

} // namespace loom::rt
