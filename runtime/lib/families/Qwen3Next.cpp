//===- Qwen3Next.cpp - The Qwen3-Next family (its attention and MoE half) ===//
//
// Qwen3-Next (80B-A3B): pre-norm blocks whose RMSNorms are zero-centred
// (transformers stores w of x * (1 + w)), a mixture of 512 softmax-routed
// SwiGLU experts in every layer plus a shared expert scaled per token by
// sigmoid(shared_expert_gate x), and two token mixers: every fourth layer a
// gated attention (per-head QK-norm, RoPE on the first quarter of each head,
// the output scaled by the sigmoid of a gate the query projection also
// yields), the others Gated DeltaNet (linear attention with a recurrent
// state: GatedDeltaNet in the DSL), whose tensors keep transformers' names
// and layouts.
//
// transformers' q_proj holds, head after head, the head's query rows and
// then its gate rows; it is read as the fused q_gate_proj that Loom's q_proj
// and gate_proj alternate in (FusedWeights.h). The shared expert's gate is a
// [1, d] matrix. No GGUF import yet.
//
//===----------------------------------------------------------------------===//

#include "../Family.h"
#include "SharedKeys.h"

namespace loom::rt {
namespace {

/// What differs from the shared decoder layout (HfNames.cpp); the shared gate, a name no other family has,
/// tells a Qwen3-Next checkpoint apart.
constexpr FamilyTensor kOwnLayerTensors[] = {
    {.loom = "attention.q_gate_proj.weight", .hf = "self_attn.q_proj.weight"},
    {.loom = "ffn.shared_gate.weight", .hf = "mlp.shared_expert_gate.weight"},
    // The Gated DeltaNet layers' mixer, which the spec calls `attention` in those layers too (one block for all).
    {.loom = "attention.in_proj_qkvz.weight", .hf = "linear_attn.in_proj_qkvz.weight"},
    {.loom = "attention.in_proj_ba.weight", .hf = "linear_attn.in_proj_ba.weight"},
    {.loom = "attention.conv1d.weight", .hf = "linear_attn.conv1d.weight"},
    {.loom = "attention.A_log", .hf = "linear_attn.A_log"},
    {.loom = "attention.dt_bias", .hf = "linear_attn.dt_bias"},
    {.loom = "attention.norm.weight", .hf = "linear_attn.norm.weight"},
    {.loom = "attention.out_proj.weight", .hf = "linear_attn.out_proj.weight"},
};

/// The config.json keys the import reads beyond those every family shares (Family.h).
constexpr KeyRule kConfigKeys[] = {
    {"attention_bias", KeyUse::Modelled},
    {"hidden_act", KeyUse::Modelled},
    // The shared expert (gated per token), which layers are full attention rather than Gated DeltaNet, and the
    // latter's sizes.
    {"shared_expert_intermediate_size", KeyUse::Modelled},
    {"full_attention_interval", KeyUse::Modelled},
    {"linear_num_key_heads", KeyUse::Modelled},
    {"linear_num_value_heads", KeyUse::Modelled},
    {"linear_key_head_dim", KeyUse::Modelled},
    {"linear_value_head_dim", KeyUse::Modelled},
    {"linear_conv_kernel_dim", KeyUse::Modelled},
    // Qwen drops sliding_window and max_window_layers unless use_sliding_window is true, which is refused.
    {"use_sliding_window", KeyUse::Modelled},
    {"sliding_window", KeyUse::Harmless},
    {"max_window_layers", KeyUse::Harmless},
    {"mlp_bias", KeyUse::NeutralOnly, "feed-forward biases", false, "transformers' model of this family does not have"},
};

constexpr std::span<const KeyRule> kConfigKeyTables[] = {kConfigKeys, kQwenExpertConfigKeys};

} // namespace

extern const Family kQwen3NextFamily = {
    .configType = "qwen3_next",
    .decoder = {.block = BlockStyle::PreNorm,
                .qkNorm = QkNorm::PerHead,
                .experts = Experts::Qwen,
                .zeroCentredNorms = true,
                .gatedAttention = true,
                .sharedExpertGate = true,
                .linearAttentionLayers = true,
                .defaultRopeFraction = 0.25},
    .ownLayerTensors = kOwnLayerTensors,
    .configKeys = kConfigKeyTables,
    .readsLayerTypes = true,
    .ropeObjectHoldsRotaryFraction = true,
};

} // namespace loom::rt
