//===- ImportKeys.h - What `loom import` knows about each input key -*- C++ -*-===//
//
// `loom import` must not drop anything that changes the computation: a spec
// that silently leaves out experts, soft-capping or RoPE scaling describes
// another model, which then "works" and computes the wrong thing. So every key
// of a config.json, and every GGUF metadata key, is classified, by the
// family's own rules (its file in runtime/lib/families/, Family.h) and then by
// the rules below, which hold for every family:
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
// RoPE scaling: kModelledRopeTypes is the one place that says which of
// transformers' "rope_scaling" / "rope_parameters" types and GGUF's
// rope.scaling.type are modelled.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TOOLS_IMPORTKEYS_H
#define LOOM_TOOLS_IMPORTKEYS_H

#include "Family.h"
#include "Gguf.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <span>
#include <string>
#include <vector>

namespace loom::importkeys {

/// RoPE types the importer writes into the spec. Extending RoPE means extending this list.
inline constexpr llvm::StringRef kModelledRopeTypes[] = {"default", "linear", "llama3", "yarn"};

inline bool ropeTypeModelled(llvm::StringRef type) { return llvm::is_contained(kModelledRopeTypes, type); }

using rt::KeyRule;
using rt::KeyUse;

/// The first rule for `key`: the family's own tables in order, then `shared`. Null for none.
inline const KeyRule *findRule(const rt::Family *family, bool gguf, llvm::ArrayRef<KeyRule> shared,
                               llvm::StringRef key) {
  auto matches = [&](const KeyRule &rule) {
    llvm::StringRef name(rule.name.data(), rule.name.size());
    return rule.prefix ? key.starts_with(name) : key == name;
  };
  if (family)
    for (std::span<const KeyRule> table : gguf ? family->ggufKeys : family->configKeys)
      for (const KeyRule &rule : table)
        if (matches(rule))
          return &rule;
  for (const KeyRule &rule : shared)
    if (matches(rule))
      return &rule;
  return nullptr;
}

/// Why a rule's feature is an error.
inline std::string whyNot(const KeyRule &rule) {
  return rule.why.empty() ? "Loom does not model" : std::string(rule.why);
}

//===----------------------------------------------------------------------===//
// config.json
//===----------------------------------------------------------------------===//

/// The config.json keys every family shares; each family's own are in its file (runtime/lib/families/) and come
/// first.
inline constexpr KeyRule kSharedConfigKeys[] = {
    // Read by importConfig for every family.
    {"model_type", KeyUse::Modelled},
    {"architectures", KeyUse::Modelled},
    {"vocab_size", KeyUse::Modelled},
    {"hidden_size", KeyUse::Modelled},
    {"num_hidden_layers", KeyUse::Modelled},
    {"max_position_embeddings", KeyUse::Modelled},
    {"intermediate_size", KeyUse::Modelled},
    {"num_attention_heads", KeyUse::Modelled},
    {"num_key_value_heads", KeyUse::Modelled},
    {"head_dim", KeyUse::Modelled},
    {"rms_norm_eps", KeyUse::Modelled},
    {"partial_rotary_factor", KeyUse::Modelled},
    {"rope_theta", KeyUse::Modelled},
    {"rope_parameters", KeyUse::Modelled}, // its type: checkRope
    {"rope_scaling", KeyUse::Modelled},    // its type: checkRope
    {"tie_word_embeddings", KeyUse::Modelled},
    // Each layer's attention kind: read where the family says so (readsLayerTypes), else checkLayerTypes.
    {"layer_types", KeyUse::Modelled},

    // Provenance, ids, dtypes, and PreTrainedConfig's bookkeeping.
    {"transformers_version", KeyUse::Harmless},
    {"_name_or_path", KeyUse::Harmless},
    {"_commit_hash", KeyUse::Harmless},
    {"dtype", KeyUse::Harmless},
    {"torch_dtype", KeyUse::Harmless},
    {"use_bfloat16", KeyUse::Harmless},
    {"bos_token_id", KeyUse::Harmless},
    {"eos_token_id", KeyUse::Harmless},
    {"pad_token_id", KeyUse::Harmless},
    {"sep_token_id", KeyUse::Harmless},
    {"decoder_start_token_id", KeyUse::Harmless},
    {"tokenizer_class", KeyUse::Harmless},
    {"id2label", KeyUse::Harmless},
    {"label2id", KeyUse::Harmless},
    {"num_labels", KeyUse::Harmless},
    {"problem_type", KeyUse::Harmless},
    {"finetuning_task", KeyUse::Harmless},
    {"task_specific_params", KeyUse::Harmless},
    {"prefix", KeyUse::Harmless},
    {"output_attentions", KeyUse::Harmless},
    {"output_hidden_states", KeyUse::Harmless},
    {"return_dict", KeyUse::Harmless},
    {"torchscript", KeyUse::Harmless},
    {"tie_encoder_decoder", KeyUse::Harmless},
    {"is_decoder", KeyUse::Harmless},
    {"attn_implementation", KeyUse::Harmless},
    {"_attn_implementation", KeyUse::Harmless},
    {"_attn_implementation_autoset", KeyUse::Harmless},
    {"cache_implementation", KeyUse::Harmless},
    {"use_cache", KeyUse::Harmless},
    // Training only: initialisation, dropout (off at inference), loss terms.
    {"initializer_range", KeyUse::Harmless},
    {"attention_dropout", KeyUse::Harmless},
    {"router_aux_loss_coef", KeyUse::Harmless},
    {"output_router_logits", KeyUse::Harmless},
    // chunk_size_feed_forward chunks the same computation.
    {"chunk_size_feed_forward", KeyUse::Harmless},
    // Generation defaults that old configs carry: they steer sampling, not the logits.
    {"max_length", KeyUse::Harmless},
    {"min_length", KeyUse::Harmless},
    {"do_sample", KeyUse::Harmless},
    {"early_stopping", KeyUse::Harmless},
    {"num_beams", KeyUse::Harmless},
    {"num_beam_groups", KeyUse::Harmless},
    {"diversity_penalty", KeyUse::Harmless},
    {"temperature", KeyUse::Harmless},
    {"top_k", KeyUse::Harmless},
    {"top_p", KeyUse::Harmless},
    {"typical_p", KeyUse::Harmless},
    {"repetition_penalty", KeyUse::Harmless},
    {"length_penalty", KeyUse::Harmless},
    {"no_repeat_ngram_size", KeyUse::Harmless},
    {"encoder_no_repeat_ngram_size", KeyUse::Harmless},
    {"bad_words_ids", KeyUse::Harmless},
    {"num_return_sequences", KeyUse::Harmless},
    {"output_scores", KeyUse::Harmless},
    {"return_dict_in_generate", KeyUse::Harmless},
    {"forced_bos_token_id", KeyUse::Harmless},
    {"forced_eos_token_id", KeyUse::Harmless},
    {"remove_invalid_values", KeyUse::Harmless},
    {"exponential_decay_length_penalty", KeyUse::Harmless},
    {"suppress_tokens", KeyUse::Harmless},
    {"begin_suppress_tokens", KeyUse::Harmless},

    // Features Loom does not model, harmless only when off.
    {"final_logit_softcapping", KeyUse::NeutralOnly, "logit soft-capping"},
    {"attn_logit_softcapping", KeyUse::NeutralOnly, "attention-logit soft-capping"},
    {"num_experts", KeyUse::NeutralOnly, "a mixture of experts"},
    {"num_local_experts", KeyUse::NeutralOnly, "a mixture of experts"},
    {"num_experts_per_tok", KeyUse::NeutralOnly, "a mixture of experts"},
    {"n_routed_experts", KeyUse::NeutralOnly, "a mixture of experts"},
    {"n_shared_experts", KeyUse::NeutralOnly, "a mixture of experts"},
    {"shared_expert_intermediate_size", KeyUse::NeutralOnly, "a mixture of experts"},
    {"decoder_sparse_step", KeyUse::NeutralOnly, "a mixture of experts"},
    {"mlp_only_layers", KeyUse::NeutralOnly, "a mixture of experts"},
    {"first_k_dense_replace", KeyUse::NeutralOnly, "a mixture of experts"},
    {"norm_topk_prob", KeyUse::NeutralOnly, "a mixture of experts"},
    {"moe_", KeyUse::NeutralOnly, "a mixture of experts", /*prefix=*/true},
    {"quantization_config", KeyUse::NeutralOnly, "a quantized checkpoint"},
    {"use_bidirectional_attention", KeyUse::NeutralOnly, "bidirectional attention"},
    {"is_encoder_decoder", KeyUse::NeutralOnly, "an encoder-decoder model"},
    {"add_cross_attention", KeyUse::NeutralOnly, "cross-attention"},
    {"cross_attention_hidden_size", KeyUse::NeutralOnly, "cross-attention"},
    {"pruned_heads", KeyUse::NeutralOnly, "pruned attention heads"},
    {"attention_chunk_size", KeyUse::NeutralOnly, "chunked attention"},
    {"use_qk_norm", KeyUse::NeutralOnly, "an L2 QK-norm"},
    {"qk_layer_norms", KeyUse::NeutralOnly, "QK layer norms"},
};

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
                                 shortJson(value).c_str(), std::string(rule.what).c_str(), whyNot(rule).c_str());
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
inline llvm::Error checkRope(llvm::StringRef file, const llvm::json::Object &config, const rt::Family &family) {
  // Where the family's import reads a partial_rotary_factor inside the RoPE object (Family.h).
  const bool fractionRead = family.ropeObjectHoldsRotaryFraction;
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
                                            family.perLayerTypeRopeHoldsRotaryFraction))
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
  const rt::Family *ofConfig = rt::familyOfConfig(std::string_view(family.data(), family.size()));
  // Sorted, so that the errors come in the same order whatever the object's hash order.
  std::vector<llvm::StringRef> keys;
  for (const auto &entry : config)
    keys.push_back(entry.getFirst());
  llvm::sort(keys);
  llvm::Error errors = llvm::Error::success();
  for (llvm::StringRef key : keys) {
    const llvm::json::Value &value = *config.get(key);
    const KeyRule *rule = findRule(ofConfig, /*gguf=*/false, kSharedConfigKeys, key);
    if (!rule && llvm::is_contained(ignored, key))
      notes.push_back(("\"" + key + "\" (" + shortJson(value) + ") is ignored at the user's request").str());
    else if (!rule)
      errors = llvm::joinErrors(
          std::move(errors),
          llvm::createStringError("'%s': \"%s\" is not a key loom import knows for %s, so it cannot tell whether "
                                  "it changes the computation; if it does not, pass --ignore-key=%s",
                                  file.str().c_str(), key.str().c_str(), family.str().c_str(),
                                  key.str().c_str()));
    else if (rule->use == KeyUse::NeutralOnly && !isNeutral(value))
      errors = llvm::joinErrors(std::move(errors), notModelled(file, key, value, *rule));
  }
  if (ofConfig)
    errors = llvm::joinErrors(std::move(errors), checkRope(file, config, *ofConfig));
  if (!ofConfig || !ofConfig->readsLayerTypes)
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
    const KeyRule *rule = findRule(rt::familyOfConfig(std::string_view(wrapper.textModelType)), /*gguf=*/false,
                                   kSharedConfigKeys, key);
    if (rule && rule->use == KeyUse::Harmless)
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
/// Keys under "<arch>." (the architecture prefix removed) that every architecture shares; a family's own come first.
inline constexpr KeyRule kSharedGgufKeys[] = {
    // Read by importGguf for every architecture.
    {"block_count", KeyUse::Modelled},
    {"context_length", KeyUse::Modelled},
    {"embedding_length", KeyUse::Modelled},
    {"feed_forward_length", KeyUse::Modelled},
    {"vocab_size", KeyUse::Modelled},
    {"attention.head_count", KeyUse::Modelled},
    {"attention.head_count_kv", KeyUse::Modelled},
    {"attention.key_length", KeyUse::Modelled},
    {"attention.value_length", KeyUse::Modelled},
    {"attention.layer_norm_rms_epsilon", KeyUse::Modelled},
    {"rope.dimension_count", KeyUse::Modelled},
    {"rope.freq_base", KeyUse::Modelled},
    {"rope.scaling.type", KeyUse::Modelled}, // checkGgufRope
    // The parameters of the modelled scalings (RopeScalingImport.cpp reads them).
    {"rope.scaling.original_context_length", KeyUse::Modelled},
    {"rope.scaling.yarn_", KeyUse::Modelled, "", /*prefix=*/true},
    {"rope.scaling.attn_factor", KeyUse::Modelled},
    {"rope.scaling.finetuned", KeyUse::Harmless},
    // Without a type, llama.cpp applies a factor as linear scaling: 0 and 1 are off.
    {"rope.scaling.factor", KeyUse::Modelled}, // checkGgufRope
    {"rope.scale_linear", KeyUse::Modelled},   // checkGgufRope
    // Not modelled unless off.
    {"expert_", KeyUse::NeutralOnly, "a mixture of experts", /*prefix=*/true},
    {"experts_per_group", KeyUse::NeutralOnly, "a mixture of experts"},
    {"moe_", KeyUse::NeutralOnly, "a mixture of experts", /*prefix=*/true},
    {"leading_dense_block_count", KeyUse::NeutralOnly, "a mixture of experts"},
    {"interleave_moe_layer_step", KeyUse::NeutralOnly, "a mixture of experts"},
    {"attn_logit_softcapping", KeyUse::NeutralOnly, "attention-logit soft-capping"},
    {"final_logit_softcapping", KeyUse::NeutralOnly, "logit soft-capping"},
    {"router_logit_softcapping", KeyUse::NeutralOnly, "a mixture of experts"},
    {"attention.clamp_kqv", KeyUse::NeutralOnly, "clipping of Q, K and V"},
    {"attention.max_alibi_bias", KeyUse::NeutralOnly, "ALiBi"},
    {"attention.q_lora_rank", KeyUse::NeutralOnly, "multi-head latent attention"},
    {"attention.kv_lora_rank", KeyUse::NeutralOnly, "multi-head latent attention"},
    {"nextn_predict_layers", KeyUse::NeutralOnly, "multi-token prediction layers"},
    {"attention.sliding_window", KeyUse::NeutralOnly, "a sliding window", false,
     "loom import models in gemma3, gpt-oss and llama4 files only"},
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
  const rt::Family *ofFile = rt::familyOfGguf(std::string_view(arch.data(), arch.size()));
  std::string prefix = (arch + ".").str();
  llvm::Error errors = llvm::Error::success();
  for (const rt::GgufKeyValue &entry : file.metadata()) {
    llvm::StringRef key(entry.key.data(), entry.key.size());
    if (llvm::any_of(kGgufHarmlessPrefixes, [&](llvm::StringRef p) { return key.starts_with(p); }))
      continue;
    const KeyRule *rule =
        key.starts_with(prefix) ? findRule(ofFile, /*gguf=*/true, kSharedGgufKeys, key.drop_front(prefix.size()))
                                : nullptr;
    if (!rule && llvm::is_contained(ignored, key))
      notes.push_back(("'" + key + "' (" + ggufText(entry.value) + ") is ignored at the user's request").str());
    else if (!rule)
      errors = llvm::joinErrors(
          std::move(errors),
          llvm::createStringError("'%s': metadata key '%s' is not one loom import knows for %s, so it cannot tell "
                                  "whether it changes the computation; if it does not, pass --ignore-key=%s",
                                  file.path().c_str(), key.str().c_str(), arch.str().c_str(), key.str().c_str()));
    else if (rule->use == KeyUse::NeutralOnly && !ggufIsNeutral(entry.value))
      errors = llvm::joinErrors(
          std::move(errors),
          llvm::createStringError("'%s': metadata key '%s' is %s: %s, which %s", file.path().c_str(),
                                  key.str().c_str(), ggufText(entry.value).c_str(), std::string(rule->what).c_str(),
                                  whyNot(*rule).c_str()));
  }
  return llvm::joinErrors(std::move(errors), checkGgufRope(file, arch));
}

} // namespace loom::importkeys

#endif // LOOM_TOOLS_IMPORTKEYS_H
