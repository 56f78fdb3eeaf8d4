//===- Afmoe.cpp - The AFMoE family (Arcee Trinity) -----------------------===//
//
// AFMoE (Arcee's Trinity Nano, Mini and Large): sandwich norms (a norm before
// and after both the attention and the feed-forward), per-head QK-norm, and
// hybrid attention: sliding-window layers with RoPE and, every
// global_attn_every_n_layers-th layer (layer_types), full-attention layers
// without any positional encoding (NoPE). Each attention output is gated per
// element by sigmoid(gate_proj(x)) before o_proj. After num_dense_layers
// dense layers come the mixture-of-experts ones: sigmoid scores plus a
// selection bias (expert_bias) choose the experts, their plain scores are
// renormalised and scaled by route_scale, and num_shared_experts always-on
// experts run as one SwiGLU of their summed width. With mup_enabled the
// embeddings are scaled by sqrt(hidden_size).
//
// transformers keeps the block's four norms and the router under names of
// its own (below); the rest follows the shared decoder layout (HfNames.cpp),
// the routed experts stacked or, as the released checkpoints hold them, one
// tensor per expert. No GGUF import yet.
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

namespace loom::rt {
namespace {

/// What differs from the shared decoder layout. pre_mlp_layernorm, a name no other family has, tells an AFMoE
/// checkpoint apart; post_attention_layernorm is then the norm after attention, not the one before the MLP.
constexpr FamilyTensor kOwnLayerTensors[] = {
    {.loom = "attention.gate_proj.weight", .hf = "self_attn.gate_proj.weight"},
    {.loom = "post_attn_norm.weight", .hf = "post_attention_layernorm.weight"},
    {.loom = "ffn_norm.weight", .hf = "pre_mlp_layernorm.weight"},
    {.loom = "post_ffn_norm.weight", .hf = "post_mlp_layernorm.weight"},
    {.loom = "ffn.router.weight", .hf = "mlp.router.gate.weight"},
    {.loom = "ffn.router.selection_bias", .hf = "mlp.expert_bias"},
};

/// The config.json keys the import reads beyond those every family shares (Family.h).
constexpr KeyRule kConfigKeys[] = {
    // readAfmoe: the experts, dense first layers, shared experts, the window pattern and muP's embedding scale.
    // The released configs add the original code's routing switches, which transformers' afmoe does not read:
    // they must say what it does (sigmoid scores, renormalised, no expert groups).
    {"num_experts", KeyUse::Modelled},
    {"num_experts_per_tok", KeyUse::Modelled},
    {"moe_intermediate_size", KeyUse::Modelled},
    {"num_dense_layers", KeyUse::Modelled},
    {"num_shared_experts", KeyUse::Modelled},
    {"route_scale", KeyUse::Modelled},
    {"mup_enabled", KeyUse::Modelled},
    {"global_attn_every_n_layers", KeyUse::Modelled},
    {"sliding_window", KeyUse::Modelled},
    {"attention_bias", KeyUse::Modelled},
    {"hidden_act", KeyUse::Modelled},
    {"score_func", KeyUse::Modelled},         // sigmoid only
    {"route_norm", KeyUse::Modelled},         // true only
    {"n_group", KeyUse::Modelled},            // 1 only
    {"topk_group", KeyUse::Modelled},         // 1 only
    {"num_expert_groups", KeyUse::Modelled},  // 1 only
    {"num_limited_groups", KeyUse::Modelled}, // 1 only
    {"load_balance_coeff", KeyUse::Harmless}, // training only
    {"use_grouped_mm", KeyUse::Harmless},     // how the original code multiplies: the same products
    {"auto_map", KeyUse::Harmless},           // remote code; transformers 5 has the model itself
};

constexpr std::span<const KeyRule> kConfigKeyTables[] = {kConfigKeys};

} // namespace

extern const Family kAfmoeFamily = {
    .configType = "afmoe",
    .decoder = {.block = BlockStyle::Sandwich,
                .qkNorm = QkNorm::PerHead,
                .nope = NoPE::GlobalLayers,
                .sliding = Sliding::LayerTypes,
                .experts = Experts::Afmoe},
    .ownLayerTensors = kOwnLayerTensors,
    .configKeys = kConfigKeyTables,
    .readsLayerTypes = true,
};

} // namespace loom::rt
