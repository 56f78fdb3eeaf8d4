//===- SharedKeys.h - Keys that several families' imports read alike -*- C++ -*-===//
//
// Families that route their experts alike, or share DeepSeek V3's attention,
// are read by one reader of tools/loom/Importer.cpp each; these are those
// readers' config.json and GGUF metadata keys, which the families list next
// to their own (Family.h).
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_FAMILIES_SHAREDKEYS_H
#define LOOM_RUNTIME_FAMILIES_SHAREDKEYS_H

#include "../Family.h"

namespace loom::rt {

/// Qwen3-MoE's experts and which layers have them (readQwenExperts): Qwen3-MoE, Qwen3-Next.
inline constexpr KeyRule kQwenExpertConfigKeys[] = {
    {"num_experts", KeyUse::Modelled},
    {"num_local_experts", KeyUse::Modelled}, // transformers 5's spelling of num_experts
    {"num_experts_per_tok", KeyUse::Modelled},
    {"moe_intermediate_size", KeyUse::Modelled},
    {"norm_topk_prob", KeyUse::Modelled},
    {"decoder_sparse_step", KeyUse::Modelled},
    {"mlp_only_layers", KeyUse::Modelled},
};

/// DeepSeek V3's experts (readDeepSeekExperts): sigmoid scores with a selection bias, the group limit, renormalised
/// and scaled weights, shared experts, dense first layers. DeepSeek V3, Kimi K2, Mistral 4, GLM-4.5.
inline constexpr KeyRule kDeepSeekExpertConfigKeys[] = {
    {"n_routed_experts", KeyUse::Modelled},      {"num_experts_per_tok", KeyUse::Modelled},
    {"moe_intermediate_size", KeyUse::Modelled}, {"n_shared_experts", KeyUse::Modelled},
    {"routed_scaling_factor", KeyUse::Modelled}, {"n_group", KeyUse::Modelled},
    {"topk_group", KeyUse::Modelled},            {"first_k_dense_replace", KeyUse::Modelled},
    {"norm_topk_prob", KeyUse::Modelled},
};

/// llama.cpp's experts: how many, how many per token, how wide (qwen3moe, deepseek2, gpt-oss, glm4moe, llama4).
inline constexpr KeyRule kGgufExpertKeys[] = {
    {"expert_count", KeyUse::Modelled},
    {"expert_used_count", KeyUse::Modelled},
    {"expert_feed_forward_length", KeyUse::Modelled},
};

/// DeepSeek's routing in llama.cpp's files (readDeepSeekGgufExperts: deepseek2, glm4moe).
inline constexpr KeyRule kGgufDeepSeekExpertKeys[] = {
    {"leading_dense_block_count", KeyUse::Modelled}, {"expert_shared_count", KeyUse::Modelled},
    {"expert_weights_scale", KeyUse::Modelled},      {"expert_weights_norm", KeyUse::Modelled},
    {"expert_gating_func", KeyUse::Modelled},
};

/// DeepSeek V3's latent attention and routing switches (readDeepSeek): DeepSeek V3, Kimi K2, Mistral 4.
inline constexpr KeyRule kDeepSeekConfigKeys[] = {
    {"hidden_act", KeyUse::Modelled},
    {"q_lora_rank", KeyUse::Modelled},
    {"kv_lora_rank", KeyUse::Modelled},
    {"qk_nope_head_dim", KeyUse::Modelled},
    {"qk_rope_head_dim", KeyUse::Modelled},
    {"qk_head_dim", KeyUse::Modelled}, // must be their sum
    {"v_head_dim", KeyUse::Modelled},
    {"rope_interleave", KeyUse::Modelled},
    {"topk_method", KeyUse::Modelled},  // noaux_tc only
    {"scoring_func", KeyUse::Modelled}, // sigmoid only
    // transformers' DeepSeek V3 sets head_dim to qk_rope_head_dim for its RoPE tables: implied by the above.
    {"head_dim", KeyUse::Harmless},
    // MLA's heads all read the one latent cache; the config repeats num_attention_heads here.
    {"num_key_value_heads", KeyUse::Harmless},
    // Multi-token-prediction layers are a training (and speculative-decoding) extra, not part of the forward.
    {"num_nextn_predict_layers", KeyUse::Harmless},
    {"ep_size", KeyUse::Harmless},
    {"pretraining_tp", KeyUse::Harmless},
    {"attention_bias", KeyUse::NeutralOnly, "attention biases in latent attention"},
};

/// llama.cpp's deepseek2: latent attention (the _mla lengths are per head; key_length and value_length then give
/// the latent row) and the expert groups (readDeepSeekGguf).
inline constexpr KeyRule kGgufDeepSeekKeys[] = {
    {"attention.q_lora_rank", KeyUse::Modelled},       {"attention.kv_lora_rank", KeyUse::Modelled},
    {"attention.key_length_mla", KeyUse::Modelled},    {"attention.value_length_mla", KeyUse::Modelled},
    {"expert_group_count", KeyUse::Modelled},          {"expert_group_used_count", KeyUse::Modelled},
};

} // namespace loom::rt

#endif // LOOM_RUNTIME_FAMILIES_SHAREDKEYS_H
