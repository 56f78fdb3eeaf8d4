//===- MiniMaxM2.cpp - The MiniMax-M2 family (minimax_m2) ----------------===//
//
// MiniMax-M2: pre-norm blocks with grouped-query attention whose QK-norm is
// one RMSNorm over the whole q (and k) projection before the head split (its
// config's qk_norm_type "per_layer"), RoPE on the first rotary_dim values of
// each head in the half-split pairing, and in every layer a mixture of
// experts chosen by sigmoid scores plus a selection bias, their plain scores
// renormalised; no shared expert.
//
// transformers 5 names the sparse block mlp, keeps the experts stacked (the
// shared decoder layout, HfNames.cpp) and the selection bias on the block
// itself (mlp.e_score_correction_bias, the name that tells such a checkpoint
// apart). The checkpoints MiniMax released name the block block_sparse_moe
// and store each expert's w1 (gate), w3 (up) and w2 (down) apart, which the
// loader stacks (StackedWeights.h). No GGUF import yet.
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

namespace loom::rt {
namespace {

/// What differs from the shared decoder layout; "*" stands for an expert's index.
constexpr FamilyTensor kOwnLayerTensors[] = {
    {.loom = "ffn.router.selection_bias", .hf = "mlp.e_score_correction_bias"},
    // The released checkpoints' names.
    {.loom = "ffn.router.weight", .hf = "block_sparse_moe.gate.weight"},
    {.loom = "ffn.router.selection_bias", .hf = "block_sparse_moe.e_score_correction_bias"},
    {.loom = "ffn.experts.*.gate_proj.weight", .hf = "block_sparse_moe.experts.*.w1.weight"},
    {.loom = "ffn.experts.*.up_proj.weight", .hf = "block_sparse_moe.experts.*.w3.weight"},
    {.loom = "ffn.experts.*.down_proj.weight", .hf = "block_sparse_moe.experts.*.w2.weight"},
};

/// The config.json keys the import reads beyond those every family shares (Family.h).
constexpr KeyRule kConfigKeys[] = {
    {"hidden_act", KeyUse::Modelled},
    // Experts in every layer (intermediate_size is their width) chosen by sigmoid scores and a selection bias
    // (readMiniMax), RoPE on rotary_dim values of each head, the QK-norm over all heads. transformers' model has
    // no switch for these: the import accepts only the values the model computes.
    {"num_local_experts", KeyUse::Modelled},
    {"num_experts_per_tok", KeyUse::Modelled},
    {"scoring_func", KeyUse::Modelled},     // sigmoid only
    {"use_routing_bias", KeyUse::Modelled}, // true only
    {"rotary_dim", KeyUse::Modelled},
    {"use_qk_norm", KeyUse::Modelled},    // true only
    {"qk_norm_type", KeyUse::Modelled},   // per_layer (over all heads) only
    {"attn_type_list", KeyUse::Modelled}, // 1 (softmax attention, not MiniMax-01's lightning) only
    {"shared_intermediate_size", KeyUse::NeutralOnly, "a shared expert", false,
     "transformers' minimax_m2 does not have"},
    {"use_mtp", KeyUse::Harmless},
    {"num_mtp_modules", KeyUse::Harmless},
    {"mtp_transformer_layers", KeyUse::Harmless},
    {"router_jitter_noise", KeyUse::Harmless}, // training only
    // The released config names its remote code; transformers 5 has the model itself.
    {"auto_map", KeyUse::Harmless},
};

constexpr std::span<const KeyRule> kConfigKeyTables[] = {kConfigKeys};

} // namespace

extern const Family kMiniMaxM2Family = {
    .configType = "minimax_m2",
    .decoder = {.block = BlockStyle::PreNorm, .qkNorm = QkNorm::AllHeads, .experts = Experts::MiniMax},
    .ownLayerTensors = kOwnLayerTensors,
    .configKeys = kConfigKeyTables,
    .ropeObjectHoldsRotaryFraction = true,
};

} // namespace loom::rt
