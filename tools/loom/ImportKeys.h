//===- ImportKeys.h - What `loom import` knows about each input key -*- C++ -*-===//
//
// `loom import` must not drop anything that changes the computation: a spec
// that silently leaves out experts, soft-capping or RoPE scaling describes
// another model, which then "works" and computes the wrong thing. So every key
// of a config.json, and every GGUF metadata key, is classified per model
// family:
//
//   - modelled: Importer.cpp reads it and writes it into the spec (or rejects
//     values it cannot express);
//   - harmless: provenance, token ids, dtypes, training and generation
//     settings, things transformers itself ignores for the family;
//   - neutral only: harmless at its "off" value (null, false, 0, an empty
//     list or object), otherwise a feature Loom does not model (experts,
//     soft-capping, quantization, bidirectional attention, ...).
//
// Anything else is an error naming the file and the key (all such keys are
// reported, one error each): a feature the importer does not model, or a key
// it does not know, whose effect it cannot judge. The user may vouch for an
// unknown key with --ignore-key, which the spec then records as a note; a
// known feature cannot be waved through that way.
//
// Key lists follow transformers' configuration classes of the families
// (LlamaConfig, MistralConfig, Qwen2Config, Qwen3Config, Gemma3TextConfig,
// Olmo2Config, Olmo3Config, SmolLM3Config, Exaone4Config, Qwen3MoeConfig, DeepseekV3Config, GptOssConfig,
// Glm4MoeConfig, MiniMaxM2Config and PreTrainedConfig) and the configs published with the models, and gguf-py's
// key constants for GGUF files written by llama.cpp's converter.
//
// RoPE scaling: transformers' "rope_scaling" / "rope_parameters" types other
// than "default", and GGUF's rope.scaling.* and rope_freqs.weight, are not
// modelled yet; kModelledRopeTypes is the one place that says which are.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TOOLS_IMPORTKEYS_H
#define LOOM_TOOLS_IMPORTKEYS_H

#include "Gguf.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <string>
#include <vector>

namespace loom::importkeys {

/// Families, as a bit set so one table row can cover several.
enum Family : unsigned {
  Llama = 1,
  Mistral = 2,
  Qwen2 = 4,
  Qwen3 = 8,
  Gemma3 = 16,
  Olmo2 = 32,
  Olmo3 = 64,
  SmolLM3 = 128,
  Exaone4 = 256,
  Qwen3Moe = 512,
  /// deepseek_v3 and kimi_k2 (DeepSeek V3's code).
  DeepSeekV3 = 1024,
  GptOss = 2048,
  /// qwen3_next (its attention and MoE half).
  Qwen3Next = 4096,
  /// glm4_moe (GLM-4.5, GLM-4.5-Air): DeepSeek V3's experts behind grouped-query attention.
  Glm4Moe = 8192,
  MiniMaxM2 = 16384,
  /// llama4_text, and the text_config of the multimodal llama4 (checkMultimodalWrapper for the rest of that).
  Llama4 = 32768,
  /// afmoe (Arcee Trinity).
  Afmoe = 65536,
  MiMoV2Flash = 131072,
  AnyFamily = Llama | Mistral | Qwen2 | Qwen3 | Gemma3 | Olmo2 | Olmo3 | SmolLM3 | Exaone4 | Qwen3Moe | DeepSeekV3 |
              GptOss | Qwen3Next | Glm4Moe | MiniMaxM2 | Llama4 | Afmoe | MiMoV2Flash,
  /// Families whose layers differ in attention kind (layer_types), which the spec models (or, for Qwen3-Next's
  /// linear-attention layers, the importer refuses by name).
  LayerTypeFamilies = Gemma3 | Olmo3 | SmolLM3 | Exaone4 | GptOss | Qwen3Next | Llama4 | Afmoe | MiMoV2Flash,
};

/// The family bit of a config's model_type or a GGUF general.architecture; 0 if not one Loom imports.
inline unsigned familyOf(llvm::StringRef name) {
  if (name == "llama")
    return Llama;
  if (name == "mistral")
    return Mistral;
  if (name == "qwen2")
    return Qwen2;
  if (name == "qwen3")
    return Qwen3;
  if (name == "gemma3_text" || name == "gemma3")
    return Gemma3;
  if (name == "olmo2")
    return Olmo2;
  if (name == "olmo3")
    return Olmo3;
  if (name == "smollm3")
    return SmolLM3;
  if (name == "exaone4")
    return Exaone4;
  if (name == "qwen3_moe" || name == "qwen3moe")
    return Qwen3Moe;
  if (name == "qwen3_next")
    return Qwen3Next;
  // llama.cpp's deepseek2 holds DeepSeek V3 and Kimi K2; its gpt-oss is transformers' gpt_oss.
  // transformers' mistral4 (Mistral Large 3's text model) is DeepSeek V3's layers with softmax routing.
  if (name == "deepseek_v3" || name == "kimi_k2" || name == "deepseek2" || name == "mistral4")
    return DeepSeekV3;
  if (name == "gpt_oss" || name == "gpt-oss")
    return GptOss;
  // llama.cpp's glm4moe and llama4 are transformers' glm4_moe and llama4_text (the multimodal llama4's text model).
  if (name == "glm4_moe" || name == "glm4moe")
    return Glm4Moe;
  if (name == "minimax_m2")
    return MiniMaxM2;
  if (name == "llama4_text" || name == "llama4")
    return Llama4;
  if (name == "afmoe")
    return Afmoe;
  if (name == "mimo_v2_flash")
    return MiMoV2Flash;
  return 0;
}

/// RoPE types the importer writes into the spec. Extending RoPE means extending this list.
inline constexpr llvm::StringRef kModelledRopeTypes[] = {"default", "linear", "llama3", "yarn"};

inline bool ropeTypeModelled(llvm::StringRef type) { return llvm::is_contained(kModelledRopeTypes, type); }

enum class Use {
  Modelled,
  Harmless,
  /// Harmless at its off value; otherwise `what`, which Loom does not model.
  NeutralOnly,
};

struct KeyRule {
  llvm::StringRef name;
  unsigned families;
  Use use;
  llvm::StringRef what = "";
  /// Matches every key that starts with `name`.
  bool prefix = false;
  /// Why `what` is an error.
  llvm::StringRef why = "Loom does not model";
};

//===----------------------------------------------------------------------===//
// config.json
//===----------------------------------------------------------------------===//

inline constexpr KeyRule kConfigKeys[] = {
    // Read by importConfig.
    {"model_type", AnyFamily, Use::Modelled},
    {"architectures", AnyFamily, Use::Modelled},
    {"vocab_size", AnyFamily, Use::Modelled},
    {"hidden_size", AnyFamily, Use::Modelled},
    {"num_hidden_layers", AnyFamily, Use::Modelled},
    {"max_position_embeddings", AnyFamily, Use::Modelled},
    {"intermediate_size", AnyFamily, Use::Modelled},
    {"num_attention_heads", AnyFamily, Use::Modelled},
    {"num_key_value_heads", AnyFamily, Use::Modelled},
    {"head_dim", AnyFamily, Use::Modelled},
    {"rms_norm_eps", AnyFamily, Use::Modelled},
    {"partial_rotary_factor", AnyFamily, Use::Modelled},
    {"rope_theta", AnyFamily, Use::Modelled},
    {"rope_parameters", AnyFamily, Use::Modelled}, // its type: checkRope
    {"rope_scaling", AnyFamily, Use::Modelled},    // its type: checkRope
    {"tie_word_embeddings", AnyFamily, Use::Modelled},
    {"attention_bias", Llama | Qwen3 | Qwen3Moe | Qwen3Next | Gemma3 | Olmo2 | Olmo3 | SmolLM3 | GptOss, Use::Modelled},
    {"mlp_bias", Llama | SmolLM3, Use::Modelled},
    {"hidden_act", Llama | Mistral | Qwen2 | Qwen3 | Qwen3Moe | Qwen3Next | DeepSeekV3 | Olmo2 | Olmo3 | SmolLM3 | Exaone4, Use::Modelled},
    {"hidden_activation", Gemma3, Use::Modelled},
    {"sliding_window", Mistral | Gemma3 | Olmo3 | SmolLM3 | Exaone4 | GptOss, Use::Modelled},
    {"use_sliding_window", Qwen2 | Qwen3 | Qwen3Moe | Qwen3Next | SmolLM3, Use::Modelled}, // true is rejected for Qwen
    // SmolLM3: which layers go without RoPE (1 marks a layer with RoPE).
    {"no_rope_layers", SmolLM3, Use::Modelled},
    {"no_rope_layer_interval", SmolLM3, Use::Modelled},
    {"sliding_window_pattern", Exaone4, Use::Modelled},
    {"layer_types", AnyFamily, Use::Modelled}, // outside LayerTypeFamilies: checkLayerTypes
    {"query_pre_attn_scalar", Gemma3, Use::Modelled},
    // Qwen3-MoE's experts and which layers have them.
    {"num_experts", Qwen3Moe | Qwen3Next, Use::Modelled},
    {"num_local_experts", Qwen3Moe | Qwen3Next, Use::Modelled}, // transformers 5's spelling of num_experts
    {"num_experts_per_tok", Qwen3Moe | Qwen3Next, Use::Modelled},
    {"moe_intermediate_size", Qwen3Moe | Qwen3Next, Use::Modelled},
    {"norm_topk_prob", Qwen3Moe | Qwen3Next, Use::Modelled},
    {"decoder_sparse_step", Qwen3Moe | Qwen3Next, Use::Modelled},
    {"mlp_only_layers", Qwen3Moe | Qwen3Next, Use::Modelled},
    // Qwen3-Next's shared expert (gated per token), and which layers are full attention rather than Gated
    // DeltaNet (an import with any of the latter fails); the linear_* keys size those layers only.
    {"shared_expert_intermediate_size", Qwen3Next, Use::Modelled},
    {"full_attention_interval", Qwen3Next, Use::Modelled},
    {"linear_", Qwen3Next, Use::Harmless, "", /*prefix=*/true},
    // DeepSeek V3's latent attention and experts.
    {"q_lora_rank", DeepSeekV3, Use::Modelled},
    {"kv_lora_rank", DeepSeekV3, Use::Modelled},
    {"qk_nope_head_dim", DeepSeekV3, Use::Modelled},
    {"qk_rope_head_dim", DeepSeekV3, Use::Modelled},
    {"qk_head_dim", DeepSeekV3, Use::Modelled}, // must be their sum
    {"v_head_dim", DeepSeekV3, Use::Modelled},
    {"rope_interleave", DeepSeekV3, Use::Modelled},
    {"n_routed_experts", DeepSeekV3, Use::Modelled},
    {"num_experts_per_tok", DeepSeekV3, Use::Modelled},
    {"moe_intermediate_size", DeepSeekV3, Use::Modelled},
    {"n_shared_experts", DeepSeekV3, Use::Modelled},
    {"routed_scaling_factor", DeepSeekV3, Use::Modelled},
    {"n_group", DeepSeekV3, Use::Modelled},
    {"topk_group", DeepSeekV3, Use::Modelled},
    {"first_k_dense_replace", DeepSeekV3, Use::Modelled},
    {"norm_topk_prob", DeepSeekV3, Use::Modelled},
    {"topk_method", DeepSeekV3, Use::Modelled},  // noaux_tc only
    {"scoring_func", DeepSeekV3, Use::Modelled}, // sigmoid only
    // transformers' DeepSeek V3 sets head_dim to qk_rope_head_dim for its RoPE tables: implied by the above.
    {"head_dim", DeepSeekV3, Use::Harmless},
    // MLA's heads all read the one latent cache; the config repeats num_attention_heads here.
    {"num_key_value_heads", DeepSeekV3, Use::Harmless},
    // Multi-token-prediction layers are a training (and speculative-decoding) extra, not part of the forward.
    {"num_nextn_predict_layers", DeepSeekV3, Use::Harmless},
    {"ep_size", DeepSeekV3, Use::Harmless},
    {"pretraining_tp", DeepSeekV3, Use::Harmless},
    // GLM-4.5: DeepSeek V3's experts (readSigmoidExperts) behind grouped-query attention with q, k and v biases
    // (attention_bias) and, with use_qk_norm, a per-head QK-norm.
    {"n_routed_experts", Glm4Moe, Use::Modelled},
    {"num_experts_per_tok", Glm4Moe, Use::Modelled},
    {"moe_intermediate_size", Glm4Moe, Use::Modelled},
    {"n_shared_experts", Glm4Moe, Use::Modelled},
    {"routed_scaling_factor", Glm4Moe, Use::Modelled},
    {"n_group", Glm4Moe, Use::Modelled},
    {"topk_group", Glm4Moe, Use::Modelled},
    {"first_k_dense_replace", Glm4Moe, Use::Modelled},
    {"norm_topk_prob", Glm4Moe, Use::Modelled},
    {"attention_bias", Glm4Moe, Use::Modelled},
    {"use_qk_norm", Glm4Moe, Use::Modelled},
    {"hidden_act", Glm4Moe | MiniMaxM2, Use::Modelled},
    // The multi-token-prediction layer (transformers 5 also calls the count num_mtp_layers).
    {"num_nextn_predict_layers", Glm4Moe, Use::Harmless},
    {"num_mtp_layers", Glm4Moe, Use::Harmless},
    // MiniMax-M2: experts in every layer (intermediate_size is their width) chosen by sigmoid scores and a
    // selection bias (readMiniMaxExperts), RoPE on rotary_dim values of each head, the QK-norm over all heads.
    // transformers' model has no switch for these: the importer accepts only the values the model computes.
    {"num_local_experts", MiniMaxM2, Use::Modelled},
    {"num_experts_per_tok", MiniMaxM2, Use::Modelled},
    {"scoring_func", MiniMaxM2, Use::Modelled},     // sigmoid only
    {"use_routing_bias", MiniMaxM2, Use::Modelled}, // true only
    {"rotary_dim", MiniMaxM2, Use::Modelled},
    {"use_qk_norm", MiniMaxM2, Use::Modelled},    // true only
    {"qk_norm_type", MiniMaxM2, Use::Modelled},   // per_layer (over all heads) only
    {"attn_type_list", MiniMaxM2, Use::Modelled}, // 1 (softmax attention, not MiniMax-01's lightning) only
    {"shared_intermediate_size", MiniMaxM2, Use::NeutralOnly, "a shared expert", false,
     "transformers' minimax_m2 does not have"},
    {"use_mtp", MiniMaxM2, Use::Harmless},
    {"num_mtp_modules", MiniMaxM2, Use::Harmless},
    {"mtp_transformer_layers", MiniMaxM2, Use::Harmless},
    {"router_jitter_noise", MiniMaxM2, Use::Harmless}, // training only
    // The released config names its remote code; transformers 5 has the model itself.
    {"auto_map", MiniMaxM2, Use::Harmless},
    // gpt-oss's experts (every layer; intermediate_size is their width) and their clamped SwiGLU.
    {"num_local_experts", GptOss, Use::Modelled},
    {"num_experts_per_tok", GptOss, Use::Modelled},
    {"experts_per_token", GptOss, Use::Modelled}, // OpenAI's name in the released configs: must agree
    {"swiglu_alpha", GptOss, Use::Modelled},
    {"swiglu_limit", GptOss, Use::Modelled},
    // transformers' gpt-oss experts apply the clamped SwiGLU whatever hidden_act says ("silu" in the configs).
    {"hidden_act", GptOss, Use::Harmless},
    // OpenAI's name for YaRN's original context, which the released configs repeat; transformers reads the one
    // in rope_parameters (or rope_scaling).
    {"initial_context_length", GptOss, Use::Harmless},
    // Llama 4 (readLlama4): chunked attention, the weightless QK-norm and temperature tuning, NoPE layers, experts
    // (intermediate_size their width, intermediate_size_mlp the dense layers') and which layers have them.
    {"attention_bias", Llama4, Use::Modelled},
    {"hidden_act", Llama4, Use::Modelled},
    {"attention_chunk_size", Llama4, Use::Modelled},
    {"use_qk_norm", Llama4, Use::Modelled},
    {"attn_temperature_tuning", Llama4, Use::Modelled},
    {"floor_scale", Llama4, Use::Modelled},
    {"attn_scale", Llama4, Use::Modelled},
    {"no_rope_layers", Llama4, Use::Modelled},
    {"no_rope_layer_interval", Llama4, Use::Modelled},
    {"num_local_experts", Llama4, Use::Modelled},
    {"num_experts_per_tok", Llama4, Use::Modelled},
    {"intermediate_size_mlp", Llama4, Use::Modelled},
    {"interleave_moe_layer_step", Llama4, Use::Modelled},
    {"moe_layers", Llama4, Use::Modelled},
    // transformers' Llama 4 router adds no noise at inference (nor reads it at all); llm-compressor's own flag.
    {"router_jitter_noise", Llama4, Use::Harmless},
    {"for_llm_compressor", Llama4, Use::Harmless},
    // AFMoE (readAfmoe): its experts, dense first layers, shared experts, the window pattern and muP's embedding
    // scale. The released configs add the original code's routing switches, which transformers' afmoe does not
    // read: they must say what it does (sigmoid scores, renormalised, no expert groups).
    {"num_experts", Afmoe, Use::Modelled},
    {"num_experts_per_tok", Afmoe, Use::Modelled},
    {"moe_intermediate_size", Afmoe, Use::Modelled},
    {"num_dense_layers", Afmoe, Use::Modelled},
    {"num_shared_experts", Afmoe, Use::Modelled},
    {"route_scale", Afmoe, Use::Modelled},
    {"mup_enabled", Afmoe, Use::Modelled},
    {"global_attn_every_n_layers", Afmoe, Use::Modelled},
    {"sliding_window", Afmoe, Use::Modelled},
    {"attention_bias", Afmoe, Use::Modelled},
    {"hidden_act", Afmoe, Use::Modelled},
    {"score_func", Afmoe, Use::Modelled},         // sigmoid only
    {"route_norm", Afmoe, Use::Modelled},         // true only
    {"n_group", Afmoe, Use::Modelled},            // 1 only
    {"topk_group", Afmoe, Use::Modelled},         // 1 only
    {"num_expert_groups", Afmoe, Use::Modelled},  // 1 only
    {"num_limited_groups", Afmoe, Use::Modelled}, // 1 only
    {"load_balance_coeff", Afmoe, Use::Harmless}, // training only
    {"use_grouped_mm", Afmoe, Use::Harmless},     // how the original code multiplies: the same products
    {"auto_map", Afmoe | MiMoV2Flash, Use::Harmless}, // remote code; transformers 5 has the models itself
    // MiMo-V2-Flash (readMiMoV2Flash), in transformers' spelling and in the released config's (hybrid_layer_pattern,
    // moe_layer_freq, sliding_window_size, swa_*, layernorm_epsilon, the sink switches).
    {"n_routed_experts", MiMoV2Flash, Use::Modelled},
    {"num_experts_per_tok", MiMoV2Flash, Use::Modelled},
    {"moe_intermediate_size", MiMoV2Flash, Use::Modelled},
    {"routed_scaling_factor", MiMoV2Flash, Use::Modelled},
    {"n_group", MiMoV2Flash, Use::Modelled},
    {"topk_group", MiMoV2Flash, Use::Modelled},
    {"norm_topk_prob", MiMoV2Flash, Use::Modelled},
    {"scoring_func", MiMoV2Flash, Use::Modelled}, // sigmoid only
    {"topk_method", MiMoV2Flash, Use::Modelled},  // noaux_tc only
    {"v_head_dim", MiMoV2Flash, Use::Modelled},
    {"attention_value_scale", MiMoV2Flash, Use::Modelled},
    {"sliding_window", MiMoV2Flash, Use::Modelled},
    {"sliding_window_size", MiMoV2Flash, Use::Modelled},
    {"mlp_layer_types", MiMoV2Flash, Use::Modelled},
    {"hybrid_layer_pattern", MiMoV2Flash, Use::Modelled},
    {"moe_layer_freq", MiMoV2Flash, Use::Modelled},
    {"swa_num_attention_heads", MiMoV2Flash, Use::Modelled},
    {"swa_num_key_value_heads", MiMoV2Flash, Use::Modelled},
    {"swa_head_dim", MiMoV2Flash, Use::Modelled},
    {"swa_v_head_dim", MiMoV2Flash, Use::Modelled},
    {"swa_rope_theta", MiMoV2Flash, Use::Modelled},
    {"add_swa_attention_sink_bias", MiMoV2Flash, Use::Modelled},
    {"add_full_attention_sink_bias", MiMoV2Flash, Use::Modelled},
    {"layernorm_epsilon", MiMoV2Flash, Use::Modelled},
    {"attention_bias", MiMoV2Flash, Use::Modelled},
    {"hidden_act", MiMoV2Flash, Use::Modelled},
    // Multi-token-prediction layers, outside the forward pass; the released config's attention_chunk_size is a
    // serving hint that transformers drops (MiMo's attention is not chunked).
    {"num_nextn_predict_layers", MiMoV2Flash, Use::Harmless},
    {"attention_chunk_size", MiMoV2Flash, Use::Harmless},
    {"rope_local_base_freq", Gemma3, Use::Modelled},
    {"sliding_window_pattern", Gemma3, Use::Modelled},
    {"_sliding_window_pattern", Gemma3, Use::Modelled}, // transformers 5's spelling
    // Qwen2/Qwen3 drop sliding_window and max_window_layers unless use_sliding_window is true.
    {"sliding_window", Qwen2 | Qwen3 | Qwen3Moe | Qwen3Next, Use::Harmless},
    {"max_window_layers", Qwen2 | Qwen3 | Qwen3Moe | Qwen3Next, Use::Harmless},
    // Carried over from Qwen2's config by SmolLM3 and EXAONE 4 exports; their models do not read it.
    {"max_window_layers", SmolLM3 | Exaone4, Use::Harmless},
    // transformers' Gemma 3 reads hidden_activation; older exports also carry hidden_act.
    {"hidden_act", Gemma3, Use::Harmless},
    // transformers' Qwen2 always has Q/K/V biases and no output bias, whatever the key says (and so does
    // the imported spec).
    {"attention_bias", Qwen2, Use::Harmless},

    // Provenance, ids, dtypes, and PreTrainedConfig's bookkeeping.
    {"transformers_version", AnyFamily, Use::Harmless},
    {"_name_or_path", AnyFamily, Use::Harmless},
    {"_commit_hash", AnyFamily, Use::Harmless},
    {"dtype", AnyFamily, Use::Harmless},
    {"torch_dtype", AnyFamily, Use::Harmless},
    {"use_bfloat16", AnyFamily, Use::Harmless},
    {"bos_token_id", AnyFamily, Use::Harmless},
    {"eos_token_id", AnyFamily, Use::Harmless},
    {"pad_token_id", AnyFamily, Use::Harmless},
    {"sep_token_id", AnyFamily, Use::Harmless},
    {"decoder_start_token_id", AnyFamily, Use::Harmless},
    {"tokenizer_class", AnyFamily, Use::Harmless},
    {"id2label", AnyFamily, Use::Harmless},
    {"label2id", AnyFamily, Use::Harmless},
    {"num_labels", AnyFamily, Use::Harmless},
    {"problem_type", AnyFamily, Use::Harmless},
    {"finetuning_task", AnyFamily, Use::Harmless},
    {"task_specific_params", AnyFamily, Use::Harmless},
    {"prefix", AnyFamily, Use::Harmless},
    {"output_attentions", AnyFamily, Use::Harmless},
    {"output_hidden_states", AnyFamily, Use::Harmless},
    {"return_dict", AnyFamily, Use::Harmless},
    {"torchscript", AnyFamily, Use::Harmless},
    {"tie_encoder_decoder", AnyFamily, Use::Harmless},
    {"is_decoder", AnyFamily, Use::Harmless},
    {"attn_implementation", AnyFamily, Use::Harmless},
    {"_attn_implementation", AnyFamily, Use::Harmless},
    {"_attn_implementation_autoset", AnyFamily, Use::Harmless},
    {"cache_implementation", AnyFamily, Use::Harmless},
    {"use_cache", AnyFamily, Use::Harmless},
    // Training only: initialisation, dropout (off at inference), loss terms.
    {"initializer_range", AnyFamily, Use::Harmless},
    {"attention_dropout", AnyFamily, Use::Harmless},
    {"router_aux_loss_coef", AnyFamily, Use::Harmless},
    {"output_router_logits", AnyFamily, Use::Harmless},
    // Splits the projections for tensor-parallel pretraining; the same products.
    {"pretraining_tp", Llama | SmolLM3, Use::Harmless},
    // chunk_size_feed_forward chunks the same computation.
    {"chunk_size_feed_forward", AnyFamily, Use::Harmless},
    // nanotron's marker in SmolLM configs.
    {"is_llama_config", Llama, Use::Harmless},
    // Generation defaults that old configs carry: they steer sampling, not the logits.
    {"max_length", AnyFamily, Use::Harmless},
    {"min_length", AnyFamily, Use::Harmless},
    {"do_sample", AnyFamily, Use::Harmless},
    {"early_stopping", AnyFamily, Use::Harmless},
    {"num_beams", AnyFamily, Use::Harmless},
    {"num_beam_groups", AnyFamily, Use::Harmless},
    {"diversity_penalty", AnyFamily, Use::Harmless},
    {"temperature", AnyFamily, Use::Harmless},
    {"top_k", AnyFamily, Use::Harmless},
    {"top_p", AnyFamily, Use::Harmless},
    {"typical_p", AnyFamily, Use::Harmless},
    {"repetition_penalty", AnyFamily, Use::Harmless},
    {"length_penalty", AnyFamily, Use::Harmless},
    {"no_repeat_ngram_size", AnyFamily, Use::Harmless},
    {"encoder_no_repeat_ngram_size", AnyFamily, Use::Harmless},
    {"bad_words_ids", AnyFamily, Use::Harmless},
    {"num_return_sequences", AnyFamily, Use::Harmless},
    {"output_scores", AnyFamily, Use::Harmless},
    {"return_dict_in_generate", AnyFamily, Use::Harmless},
    {"forced_bos_token_id", AnyFamily, Use::Harmless},
    {"forced_eos_token_id", AnyFamily, Use::Harmless},
    {"remove_invalid_values", AnyFamily, Use::Harmless},
    {"exponential_decay_length_penalty", AnyFamily, Use::Harmless},
    {"suppress_tokens", AnyFamily, Use::Harmless},
    {"begin_suppress_tokens", AnyFamily, Use::Harmless},

    // Features Loom does not model, harmless only when off.
    {"final_logit_softcapping", AnyFamily, Use::NeutralOnly, "logit soft-capping"},
    {"attn_logit_softcapping", AnyFamily, Use::NeutralOnly, "attention-logit soft-capping"},
    {"num_experts", AnyFamily, Use::NeutralOnly, "a mixture of experts"},
    {"num_local_experts", AnyFamily, Use::NeutralOnly, "a mixture of experts"},
    {"num_experts_per_tok", AnyFamily, Use::NeutralOnly, "a mixture of experts"},
    {"n_routed_experts", AnyFamily, Use::NeutralOnly, "a mixture of experts"},
    {"n_shared_experts", AnyFamily, Use::NeutralOnly, "a mixture of experts"},
    {"shared_expert_intermediate_size", AnyFamily, Use::NeutralOnly, "a mixture of experts"},
    {"decoder_sparse_step", AnyFamily, Use::NeutralOnly, "a mixture of experts"},
    {"mlp_only_layers", AnyFamily, Use::NeutralOnly, "a mixture of experts"},
    {"first_k_dense_replace", AnyFamily, Use::NeutralOnly, "a mixture of experts"},
    {"norm_topk_prob", AnyFamily, Use::NeutralOnly, "a mixture of experts"},
    {"moe_", AnyFamily, Use::NeutralOnly, "a mixture of experts", /*prefix=*/true},
    {"quantization_config", AnyFamily, Use::NeutralOnly, "a quantized checkpoint"},
    {"use_bidirectional_attention", AnyFamily, Use::NeutralOnly, "bidirectional attention"},
    {"is_encoder_decoder", AnyFamily, Use::NeutralOnly, "an encoder-decoder model"},
    {"add_cross_attention", AnyFamily, Use::NeutralOnly, "cross-attention"},
    {"cross_attention_hidden_size", AnyFamily, Use::NeutralOnly, "cross-attention"},
    {"pruned_heads", AnyFamily, Use::NeutralOnly, "pruned attention heads"},
    {"attention_chunk_size", AnyFamily, Use::NeutralOnly, "chunked attention"},
    {"use_qk_norm", AnyFamily, Use::NeutralOnly, "an L2 QK-norm"},
    {"qk_layer_norms", AnyFamily, Use::NeutralOnly, "QK layer norms"},
    // Biases the family's transformers model does not have: a true value contradicts the checkpoint.
    {"attention_bias", Mistral, Use::NeutralOnly, "attention biases", false, "transformers' mistral does not have"},
    {"mlp_bias", Mistral | Qwen2 | Qwen3 | Qwen3Moe | Qwen3Next | Gemma3 | Olmo2 | Olmo3 | Exaone4, Use::NeutralOnly,
     "feed-forward biases", false, "transformers' model of this family does not have"},
    {"attention_bias", Exaone4, Use::NeutralOnly, "attention biases", false,
     "transformers' exaone4 does not have"},
    {"attention_bias", DeepSeekV3, Use::NeutralOnly, "attention biases in latent attention"},
    {"sliding_window", Llama, Use::NeutralOnly, "a sliding window for llama"},
    {"use_sliding_window", Llama | Mistral | Gemma3, Use::NeutralOnly, "a sliding window on some layers"},
    // nanotron writes rope_interleaved; transformers ignores it, so a true value means weights in a
    // layout the Hugging Face model does not read.
    {"rope_interleaved", Llama, Use::NeutralOnly, "interleaved RoPE", false, "transformers' llama ignores"},
};

/// A key's rule for `family`, or null.
inline const KeyRule *findRule(llvm::ArrayRef<KeyRule> rules, llvm::StringRef key, unsigned family) {
  for (const KeyRule &rule : rules)
    if ((rule.families & family) && (rule.prefix ? key.starts_with(rule.name) : key == rule.name))
      return &rule;
  return nullptr;
}

/// Off: null, false, 0, "", [] or {}.
inline bool isNeutral(const llvm::json::Value &value) {
  switch (value.kind()) {
  case llvm::json::Value::Null:
    return true;
  case llvm::json::Value::Boolean:
    return !*value.getAsBoolean();
  case llvm::json::Value::Number:
    return *value.getAsNumber() == 0;
  case llvm::json::Value::String:
    return value.getAsString()->empty();
  case llvm::json::Value::Array:
    return value.getAsArray()->empty();
  case llvm::json::Value::Object:
    return value.getAsObject()->empty();
  }
  return false;
}

/// `value` as compact JSON, cut to a readable length.
inline std::string shortJson(const llvm::json::Value &value) {
  std::string text;
  llvm::raw_string_ostream(text) << value;
  if (text.size() > 60)
    text = text.substr(0, 57) + "...";
  return text;
}

inline llvm::Error notModelled(llvm::StringRef file, llvm::StringRef key, const llvm::json::Value &value,
                               const KeyRule &rule) {
  return llvm::createStringError("'%s': \"%s\" is %s: %s, which %s", file.str().c_str(), key.str().c_str(),
                                 shortJson(value).c_str(), rule.what.str().c_str(), rule.why.str().c_str());
}

/// The RoPE type of a transformers RoPE object ("rope_type", or the older "type"); "default" if absent.
inline std::string ropeTypeOf(const llvm::json::Object &rope) {
  if (std::optional<llvm::StringRef> type = rope.getString("rope_type"))
    return type->str();
  if (std::optional<llvm::StringRef> type = rope.getString("type"))
    return type->str();
  return "default";
}

/// One RoPE object: a modelled type, and nothing inside it that changes the default RoPE.
inline llvm::Error checkRopeObject(llvm::StringRef file, llvm::StringRef where, const llvm::json::Object &rope,
                                   bool fractionRead) {
  std::string type = ropeTypeOf(rope);
  if (!ropeTypeModelled(type))
    return llvm::createStringError("'%s': the config asks for '%s' RoPE scaling (\"%s\"), which Loom does not "
                                   "model (linear, llama3 and yarn are)",
                                   file.str().c_str(), type.c_str(), where.str().c_str());
  // transformers reads a partial rotary factor from inside rope_parameters too; the importer takes the
  // top-level key, and for Qwen3-Next (whose config class moves it there) this one as well.
  if (const llvm::json::Value *fraction = rope.get("partial_rotary_factor"); fraction && !fractionRead)
    if (std::optional<double> f = fraction->getAsNumber(); !f || *f != 1)
      return llvm::createStringError("'%s': \"%s\" holds \"partial_rotary_factor\": %s, which loom import does not "
                                     "model there (only as a top-level key)",
                                     file.str().c_str(), where.str().c_str(), shortJson(*fraction).c_str());
  return llvm::Error::success();
}

/// rope_scaling and rope_parameters (one object, or one per layer type for Gemma 3).
inline llvm::Error checkRope(llvm::StringRef file, const llvm::json::Object &config, unsigned family) {
  // The one RoPE object of a Qwen3-Next config holds its partial_rotary_factor, which the importer reads;
  // Mistral 4's holds the RoPE share of its latent heads, which the importer checks (readDeepSeek).
  // GLM-4.5's and MiniMax-M2's (transformers 5 moves theirs there) is read like Qwen3-Next's.
  const bool fractionRead = family & (Qwen3Next | DeepSeekV3 | Glm4Moe | MiniMaxM2);
  // MiMo-V2-Flash's per-layer-type objects each hold one, which the importer reads (readMiMoV2Flash).
  for (llvm::StringRef key : {"rope_scaling", "rope_parameters"}) {
    const llvm::json::Value *value = config.get(key);
    if (!value || value->kind() == llvm::json::Value::Null)
      continue;
    const llvm::json::Object *rope = value->getAsObject();
    if (!rope)
      return llvm::createStringError("'%s': \"%s\" is %s, expected an object", file.str().c_str(),
                                     key.str().c_str(), shortJson(*value).c_str());
    bool perLayerType = !rope->empty() && llvm::all_of(*rope, [](const auto &entry) {
      return entry.getSecond().getAsObject() != nullptr;
    });
    if (!perLayerType) {
      if (llvm::Error err = checkRopeObject(file, key, *rope, fractionRead))
        return err;
      continue;
    }
    for (const auto &entry : *rope)
      if (llvm::Error err = checkRopeObject(file, (key + "." + llvm::StringRef(entry.getFirst())).str(),
                                            *entry.getSecond().getAsObject(),
                                            /*fractionRead=*/family & MiMoV2Flash))
        return err;
  }
  return llvm::Error::success();
}

/// layer_types of a family without per-layer attention kinds in the spec: every layer full attention.
inline llvm::Error checkLayerTypes(llvm::StringRef file, llvm::StringRef family, const llvm::json::Object &config) {
  const llvm::json::Value *value = config.get("layer_types");
  if (!value || value->kind() == llvm::json::Value::Null)
    return llvm::Error::success();
  const llvm::json::Array *types = value->getAsArray();
  if (!types)
    return llvm::createStringError("'%s': \"layer_types\" is %s, expected a list", file.str().c_str(),
                                   shortJson(*value).c_str());
  for (size_t i = 0; i < types->size(); ++i) {
    std::optional<llvm::StringRef> type = (*types)[i].getAsString();
    if (!type || *type != "full_attention")
      return llvm::createStringError("'%s': \"layer_types\" gives layer %zu %s attention, which loom import does "
                                     "not model for %s (only \"full_attention\")",
                                     file.str().c_str(), i, shortJson((*types)[i]).c_str(), family.str().c_str());
  }
  return llvm::Error::success();
}

/// Every key of a config.json of model_type `family`: modelled, harmless, off, or unknown and vouched for
/// with --ignore-key (added to `notes`). Each other key is an error naming it; all of them are reported.
inline llvm::Error checkConfigKeys(llvm::StringRef file, llvm::StringRef family, const llvm::json::Object &config,
                                   llvm::ArrayRef<std::string> ignored, std::vector<std::string> &notes) {
  unsigned bit = familyOf(family);
  // Sorted, so that the errors come in the same order whatever the object's hash order.
  std::vector<llvm::StringRef> keys;
  for (const auto &entry : config)
    keys.push_back(entry.getFirst());
  llvm::sort(keys);
  llvm::Error errors = llvm::Error::success();
  for (llvm::StringRef key : keys) {
    const llvm::json::Value &value = *config.get(key);
    const KeyRule *rule = findRule(kConfigKeys, key, bit);
    if (!rule && llvm::is_contained(ignored, key))
      notes.push_back(("\"" + key + "\" (" + shortJson(value) + ") is ignored at the user's request").str());
    else if (!rule)
      errors = llvm::joinErrors(
          std::move(errors),
          llvm::createStringError("'%s': \"%s\" is not a key loom import knows for %s, so it cannot tell whether "
                                  "it changes the computation; if it does not, pass --ignore-key=%s",
                                  file.str().c_str(), key.str().c_str(), family.str().c_str(),
                                  key.str().c_str()));
    else if (rule->use == Use::NeutralOnly && !isNeutral(value))
      errors = llvm::joinErrors(std::move(errors), notModelled(file, key, value, *rule));
  }
  errors = llvm::joinErrors(std::move(errors), checkRope(file, config, bit));
  if (!(bit & LayerTypeFamilies))
    errors = llvm::joinErrors(std::move(errors), checkLayerTypes(file, family, config));
  return errors;
}

/// A multimodal config around a text model's (its "text_config", checked by checkConfigKeys): Llama 4 Scout and
/// Maverick, Gemma 3 from 4B up and Mistral Small 3.1 are released this way. The spec describes the text model, which
/// is all a text prompt reaches; the vision encoder, its projector and the image token ids are left out.
struct MultimodalWrapper {
  llvm::StringRef modelType, textModelType;
  /// Keys of the outer config that belong to the vision side.
  llvm::ArrayRef<llvm::StringRef> visionKeys;
};

inline constexpr llvm::StringRef kLlama4VisionKeys[] = {"vision_config",     "boi_token_index", "eoi_token_index",
                                                        "image_token_index", "image_token_id",  "boi_token_id",
                                                        "eoi_token_id"};
inline constexpr llvm::StringRef kGemma3VisionKeys[] = {"vision_config",     "boi_token_index", "eoi_token_index",
                                                        "image_token_index", "image_token_id",  "boi_token_id",
                                                        "eoi_token_id",      "mm_tokens_per_image"};
inline constexpr llvm::StringRef kMistral3VisionKeys[] = {"vision_config",           "image_token_index",
                                                          "image_token_id",          "multimodal_projector_bias",
                                                          "projector_hidden_act",    "spatial_merge_size",
                                                          "vision_feature_layer"};
inline constexpr MultimodalWrapper kMultimodalWrappers[] = {
    {"llama4", "llama4_text", kLlama4VisionKeys},
    {"gemma3", "gemma3_text", kGemma3VisionKeys},
    {"mistral3", "mistral", kMistral3VisionKeys},
};

/// The wrapper a config's model_type names, or null.
inline const MultimodalWrapper *multimodalWrapper(llvm::StringRef modelType) {
  for (const MultimodalWrapper &wrapper : kMultimodalWrappers)
    if (wrapper.modelType == modelType)
      return &wrapper;
  return nullptr;
}

/// The outer keys of a multimodal config: the vision side's and harmless bookkeeping. Any other key is an error, so
/// that a text-model key written at the outer level is not silently dropped.
inline llvm::Error checkMultimodalWrapper(llvm::StringRef file, const MultimodalWrapper &wrapper,
                                          const llvm::json::Object &config, llvm::ArrayRef<std::string> ignored,
                                          std::vector<std::string> &notes) {
  static constexpr llvm::StringRef kRead[] = {"model_type", "architectures", "text_config", "tie_word_embeddings"};
  std::vector<llvm::StringRef> keys;
  for (const auto &entry : config)
    keys.push_back(entry.getFirst());
  llvm::sort(keys);
  llvm::Error errors = llvm::Error::success();
  for (llvm::StringRef key : keys) {
    if (llvm::is_contained(kRead, key) || llvm::is_contained(wrapper.visionKeys, key))
      continue;
    const KeyRule *rule = findRule(kConfigKeys, key, familyOf(wrapper.textModelType));
    if (rule && rule->use == Use::Harmless)
      continue;
    if (llvm::is_contained(ignored, key))
      notes.push_back(("\"" + key + "\" (" + shortJson(*config.get(key)) + ") is ignored at the user's request").str());
    else
      errors = llvm::joinErrors(
          std::move(errors),
          llvm::createStringError("'%s': \"%s\" is not a key loom import knows for %s outside its \"text_config\", "
                                  "so it cannot tell whether it changes the computation; if it does not, pass "
                                  "--ignore-key=%s",
                                  file.str().c_str(), key.str().c_str(), wrapper.modelType.str().c_str(),
                                  key.str().c_str()));
  }
  return errors;
}

//===----------------------------------------------------------------------===//
// GGUF metadata
//===----------------------------------------------------------------------===//

/// Keys under "<arch>." (the architecture prefix removed).
inline constexpr KeyRule kGgufArchKeys[] = {
    // Read by importGguf.
    {"block_count", AnyFamily, Use::Modelled},
    {"context_length", AnyFamily, Use::Modelled},
    {"embedding_length", AnyFamily, Use::Modelled},
    {"feed_forward_length", AnyFamily, Use::Modelled},
    {"vocab_size", AnyFamily, Use::Modelled},
    {"attention.head_count", AnyFamily, Use::Modelled},
    {"attention.head_count_kv", AnyFamily, Use::Modelled},
    {"attention.key_length", AnyFamily, Use::Modelled},
    {"attention.value_length", AnyFamily, Use::Modelled},
    {"attention.layer_norm_rms_epsilon", AnyFamily, Use::Modelled},
    {"rope.dimension_count", AnyFamily, Use::Modelled},
    {"rope.freq_base", AnyFamily, Use::Modelled},
    {"rope.scaling.type", AnyFamily, Use::Modelled}, // checkGgufRope
    {"attention.sliding_window", Gemma3, Use::Modelled},
    {"attention.sliding_window_pattern", Gemma3, Use::Modelled},
    {"rope.freq_base_swa", Gemma3, Use::Modelled},
    {"expert_count", Qwen3Moe | DeepSeekV3 | GptOss | Glm4Moe | Llama4, Use::Modelled},
    {"expert_used_count", Qwen3Moe | DeepSeekV3 | GptOss | Glm4Moe | Llama4, Use::Modelled},
    {"expert_feed_forward_length", Qwen3Moe | DeepSeekV3 | GptOss | Glm4Moe | Llama4, Use::Modelled},
    // deepseek2: latent attention (the _mla lengths are per head; key_length and value_length then give the
    // latent row) and DeepSeek's routing (readDeepSeekGguf).
    {"attention.q_lora_rank", DeepSeekV3, Use::Modelled},
    {"attention.kv_lora_rank", DeepSeekV3, Use::Modelled},
    {"attention.key_length_mla", DeepSeekV3, Use::Modelled},
    {"attention.value_length_mla", DeepSeekV3, Use::Modelled},
    {"leading_dense_block_count", DeepSeekV3 | Glm4Moe, Use::Modelled},
    {"expert_shared_count", DeepSeekV3 | Glm4Moe, Use::Modelled},
    {"expert_weights_scale", DeepSeekV3 | Glm4Moe, Use::Modelled},
    {"expert_weights_norm", DeepSeekV3 | Glm4Moe, Use::Modelled},
    {"expert_gating_func", DeepSeekV3 | Glm4Moe, Use::Modelled},
    {"expert_group_count", DeepSeekV3, Use::Modelled},
    {"expert_group_used_count", DeepSeekV3, Use::Modelled},
    // glm4moe: the multi-token-prediction layers after the model's, in block_count, which llama.cpp skips (so does
    // Loom: readGlm4MoeGguf, and the loader ignores their tensors).
    {"nextn_predict_layers", Glm4Moe, Use::Modelled},
    // llama4: which layers are sparse; a sliding_window key (0: MobileLLM-R1's layers without chunks) is refused by
    // readLlama4Gguf, which knows what llama.cpp makes of it.
    {"interleave_moe_layer_step", Llama4, Use::Modelled},
    {"attention.sliding_window", Llama4, Use::Modelled},
    // gpt-oss: the window of its even layers (llama.cpp fixes the pattern at every other layer).
    {"attention.sliding_window", GptOss, Use::Modelled},
    // The parameters of the modelled scalings (RopeScalingImport.cpp reads them).
    {"rope.scaling.original_context_length", AnyFamily, Use::Modelled},
    {"rope.scaling.yarn_", AnyFamily, Use::Modelled, "", /*prefix=*/true},
    {"rope.scaling.attn_factor", AnyFamily, Use::Modelled},
    {"rope.scaling.finetuned", AnyFamily, Use::Harmless},
    // Without a type, llama.cpp applies a factor as linear scaling: 0 and 1 are off.
    {"rope.scaling.factor", AnyFamily, Use::Modelled}, // checkGgufRope
    {"rope.scale_linear", AnyFamily, Use::Modelled},   // checkGgufRope
    // Not modelled unless off.
    {"expert_", AnyFamily, Use::NeutralOnly, "a mixture of experts", /*prefix=*/true},
    {"experts_per_group", AnyFamily, Use::NeutralOnly, "a mixture of experts"},
    {"moe_", AnyFamily, Use::NeutralOnly, "a mixture of experts", /*prefix=*/true},
    {"leading_dense_block_count", AnyFamily, Use::NeutralOnly, "a mixture of experts"},
    {"interleave_moe_layer_step", AnyFamily, Use::NeutralOnly, "a mixture of experts"},
    {"attn_logit_softcapping", AnyFamily, Use::NeutralOnly, "attention-logit soft-capping"},
    {"final_logit_softcapping", AnyFamily, Use::NeutralOnly, "logit soft-capping"},
    {"router_logit_softcapping", AnyFamily, Use::NeutralOnly, "a mixture of experts"},
    {"attention.clamp_kqv", AnyFamily, Use::NeutralOnly, "clipping of Q, K and V"},
    {"attention.max_alibi_bias", AnyFamily, Use::NeutralOnly, "ALiBi"},
    {"attention.sliding_window", Llama | Mistral | Qwen2 | Qwen3 | Qwen3Moe | Olmo2 | SmolLM3, Use::NeutralOnly,
     "a sliding window", false, "loom import models for gemma3 only"},
    {"attention.q_lora_rank", AnyFamily, Use::NeutralOnly, "multi-head latent attention"},
    {"attention.kv_lora_rank", AnyFamily, Use::NeutralOnly, "multi-head latent attention"},
    {"nextn_predict_layers", AnyFamily, Use::NeutralOnly, "multi-token prediction layers"},
};

/// Namespaces that hold no architecture: provenance, sampling defaults, the tokenizer, shards, imatrix.
inline constexpr llvm::StringRef kGgufHarmlessPrefixes[] = {"general.", "tokenizer.", "split.", "quantize."};

inline bool ggufIsNeutral(const rt::GgufValue &value) {
  if (value.type == rt::GgufValueType::Bool)
    return value.uintValue == 0;
  if (value.isArray())
    return value.count == 0;
  if (value.type == rt::GgufValueType::String)
    return value.string.empty();
  double number = 0;
  return value.toDouble(number) && number == 0;
}

/// A GGUF value for a message.
inline std::string ggufText(const rt::GgufValue &value) {
  if (value.type == rt::GgufValueType::String)
    return "'" + std::string(value.string.substr(0, 40)) + "'";
  if (value.isArray())
    return "an array of " + std::to_string(value.count);
  if (value.type == rt::GgufValueType::Bool)
    return value.uintValue ? "true" : "false";
  double number = 0;
  if (value.toDouble(number)) {
    char text[32];
    std::snprintf(text, sizeof(text), "%g", number);
    return text;
  }
  return rt::ggufValueTypeName(value.type);
}

/// RoPE scaling in GGUF: a type Loom does not model. The parameters of the modelled ones (factors, YaRN's
/// betas, Llama 3.1's rope_freqs.weight) are read and checked by RopeScalingImport.cpp.
inline llvm::Error checkGgufRope(const rt::GgufFile &file, llvm::StringRef arch) {
  if (const rt::GgufValue *type = file.find((arch + ".rope.scaling.type").str()))
    if (type->type != rt::GgufValueType::String || !(type->string == "none" || ropeTypeModelled(type->string)))
      return llvm::createStringError("'%s': %s.rope.scaling.type asks for %s RoPE scaling, which Loom does not "
                                     "model (linear, llama3 and yarn are)",
                                     file.path().c_str(), arch.str().c_str(), ggufText(*type).c_str());
  return llvm::Error::success();
}

/// Every metadata key of a GGUF file of architecture `arch`, as checkConfigKeys does for configs.
inline llvm::Error checkGgufKeys(const rt::GgufFile &file, llvm::StringRef arch, llvm::ArrayRef<std::string> ignored,
                                 std::vector<std::string> &notes) {
  unsigned bit = familyOf(arch);
  std::string prefix = (arch + ".").str();
  llvm::Error errors = llvm::Error::success();
  for (const rt::GgufKeyValue &entry : file.metadata()) {
    llvm::StringRef key(entry.key.data(), entry.key.size());
    if (llvm::any_of(kGgufHarmlessPrefixes, [&](llvm::StringRef p) { return key.starts_with(p); }))
      continue;
    const KeyRule *rule = key.starts_with(prefix) ? findRule(kGgufArchKeys, key.drop_front(prefix.size()), bit)
                                                  : nullptr;
    if (!rule && llvm::is_contained(ignored, key))
      notes.push_back(("'" + key + "' (" + ggufText(entry.value) + ") is ignored at the user's request").str());
    else if (!rule)
      errors = llvm::joinErrors(
          std::move(errors),
          llvm::createStringError("'%s': metadata key '%s' is not one loom import knows for %s, so it cannot tell "
                                  "whether it changes the computation; if it does not, pass --ignore-key=%s",
                                  file.path().c_str(), key.str().c_str(), arch.str().c_str(), key.str().c_str()));
    else if (rule->use == Use::NeutralOnly && !ggufIsNeutral(entry.value))
      errors = llvm::joinErrors(
          std::move(errors),
          llvm::createStringError("'%s': metadata key '%s' is %s: %s, which %s", file.path().c_str(),
                                  key.str().c_str(), ggufText(entry.value).c_str(), rule->what.str().c_str(),
                                  rule->why.str().c_str()));
  }
  return llvm::joinErrors(std::move(errors), checkGgufRope(file, arch));
}

} // namespace loom::importkeys

#endif // LOOM_TOOLS_IMPORTKEYS_H
