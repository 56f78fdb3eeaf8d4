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

} // namespace

extern const Family kAfmoeFamily = {
    .configType = "afmoe",
    .decoder = {.block = BlockStyle::Sandwich,
                .qkNorm = QkNorm::PerHead,
                .nope = NoPE::GlobalLayers,
                .sliding = Sliding::LayerTypes,
                .experts = Experts::Afmoe},
    .ownLayerTensors = kOwnLayerTensors,
};

} // namespace loom::rt
