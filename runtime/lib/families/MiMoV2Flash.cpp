//===- MiMoV2Flash.cpp - The MiMo-V2-Flash family -------------------------===//
//
// Xiaomi's MiMo-V2-Flash (309B, 15B active): pre-norm blocks, hybrid
// attention with the first layer and every sixth after it attending fully
// and the others through a window of 128 previous tokens plus the query
// (transformers' sliding_window 129). The sliding-window layers have twice
// the KV heads and a learned sink logit per head, and a RoPE base of their
// own (10000 against 5e6). Every layer's query and key heads are 192 wide
// with RoPE on the first 64 (int(192 * 0.334)), its value heads 128 wide
// and scaled by attention_value_scale (0.707) before they are cached. The
// first layer's feed-forward is dense, the others are DeepSeek V3's experts
// (sigmoid scores plus a selection bias, renormalised) without a shared one.
//
// transformers' checkpoints follow the shared decoder layout (HfNames.cpp),
// the sinks as self_attn.sinks; the released ones name them
// attention_sink_bias, which tells them apart. Their multi-token-prediction
// layers (model.mtp.*) are not part of the forward pass. No GGUF import yet.
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

namespace loom::rt {
namespace {

/// What differs from the shared decoder layout.
constexpr FamilyTensor kOwnLayerTensors[] = {
    {.loom = "attention.sinks", .hf = "self_attn.attention_sink_bias"},
};

/// The config.json keys the import reads beyond those every family shares (Family.h).
constexpr KeyRule kConfigKeys[] = {
    // readMiMoV2Flash, in transformers' spelling and in the released config's (hybrid_layer_pattern,
    // moe_layer_freq, sliding_window_size, swa_*, layernorm_epsilon, the sink switches).
    {"n_routed_experts", KeyUse::Modelled},
    {"num_experts_per_tok", KeyUse::Modelled},
    {"moe_intermediate_size", KeyUse::Modelled},
    {"routed_scaling_factor", KeyUse::Modelled},
    {"n_group", KeyUse::Modelled},
    {"topk_group", KeyUse::Modelled},
    {"norm_topk_prob", KeyUse::Modelled},
    {"scoring_func", KeyUse::Modelled}, // sigmoid only
    {"topk_method", KeyUse::Modelled},  // noaux_tc only
    {"v_head_dim", KeyUse::Modelled},
    {"attention_value_scale", KeyUse::Modelled},
    {"sliding_window", KeyUse::Modelled},
    {"sliding_window_size", KeyUse::Modelled},
    {"mlp_layer_types", KeyUse::Modelled},
    {"hybrid_layer_pattern", KeyUse::Modelled},
    {"moe_layer_freq", KeyUse::Modelled},
    {"swa_num_attention_heads", KeyUse::Modelled},
    {"swa_num_key_value_heads", KeyUse::Modelled},
    {"swa_head_dim", KeyUse::Modelled},
    {"swa_v_head_dim", KeyUse::Modelled},
    {"swa_rope_theta", KeyUse::Modelled},
    {"add_swa_attention_sink_bias", KeyUse::Modelled},
    {"add_full_attention_sink_bias", KeyUse::Modelled},
    {"layernorm_epsilon", KeyUse::Modelled},
    {"attention_bias", KeyUse::Modelled},
    {"hidden_act", KeyUse::Modelled},
    // Multi-token-prediction layers, outside the forward pass; the released config's attention_chunk_size is a
    // serving hint that transformers drops (MiMo's attention is not chunked).
    {"num_nextn_predict_layers", KeyUse::Harmless},
    {"attention_chunk_size", KeyUse::Harmless},
    {"auto_map", KeyUse::Harmless}, // remote code; transformers 5 has the model itself
};

constexpr std::span<const KeyRule> kConfigKeyTables[] = {kConfigKeys};

} // namespace

extern const Family kMiMoV2FlashFamily = {
    .configType = "mimo_v2_flash",
    .decoder = {.block = BlockStyle::PreNorm,
                .sliding = Sliding::LayerTypes,
                .ropePerLayerType = true,
                .experts = Experts::DeepSeek,
                .defaultRopeFraction = 0.334,
                .defaultRopeTheta = 5e6,
                .attentionBiasWithoutOutput = true,
                .mimo = true},
    .ownLayerTensors = kOwnLayerTensors,
    .configKeys = kConfigKeyTables,
    .readsLayerTypes = true,
    .perLayerTypeRopeHoldsRotaryFraction = true,
};

} // namespace loom::rt
