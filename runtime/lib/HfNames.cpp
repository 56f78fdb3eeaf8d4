//===- HfNames.cpp - Hugging Face tensor names to Loom manifest names -----===//

#include "HfNames.h"
#include "LayerName.h"

using namespace loom::rt;

namespace {

struct NamePair {
  std::string_view hf;
  std::string_view loom;
};

constexpr NamePair kGlobalNames[] = {
    {"model.embed_tokens.weight", "embedding.weight"},
    {"model.norm.weight", "final_norm.weight"},
    {"lm_head.weight", "lm_head.weight"},
};

/// After "model.layers.<i>." and "layers.<i>." respectively; the norms are per naming below.
constexpr NamePair kLayerNames[] = {
    {"input_layernorm.weight", "attn_norm.weight"},
    {"self_attn.qkv_proj.weight", "attention.qkv_proj.weight"}, // fused (Phi-3): split by FusedWeights.h
    {"self_attn.qkv_proj.bias", "attention.qkv_proj.bias"},
    {"mlp.gate_up_proj.weight", "ffn.gate_up_proj.weight"},
    {"self_attn.q_proj.weight", "attention.q_proj.weight"},
    {"self_attn.q_proj.bias", "attention.q_proj.bias"},
    {"self_attn.k_proj.weight", "attention.k_proj.weight"},
    {"self_attn.k_proj.bias", "attention.k_proj.bias"},
    {"self_attn.v_proj.weight", "attention.v_proj.weight"},
    {"self_attn.v_proj.bias", "attention.v_proj.bias"},
    {"self_attn.o_proj.weight", "attention.o_proj.weight"},
    {"self_attn.o_proj.bias", "attention.o_proj.bias"},
    {"self_attn.q_norm.weight", "attention.q_norm.weight"},
    {"self_attn.k_norm.weight", "attention.k_norm.weight"},
    // A learned logit per head that joins the softmax (MiMo-V2-Flash; gpt-oss declares it with its own tensors).
    {"self_attn.sinks", "attention.sinks"},
    // Multi-head latent attention (DeepSeek V3): compressed query and key-value with their norms.
    {"self_attn.q_a_proj.weight", "attention.q_a_proj.weight"},
    {"self_attn.q_a_layernorm.weight", "attention.q_a_norm.weight"},
    {"self_attn.q_b_proj.weight", "attention.q_b_proj.weight"},
    {"self_attn.kv_a_proj_with_mqa.weight", "attention.kv_a_proj.weight"},
    {"self_attn.kv_a_layernorm.weight", "attention.kv_a_norm.weight"},
    {"self_attn.kv_b_proj.weight", "attention.kv_b_proj.weight"},
    {"mlp.gate_proj.weight", "ffn.gate_proj.weight"},
    {"mlp.gate_proj.bias", "ffn.gate_proj.bias"},
    {"mlp.up_proj.weight", "ffn.up_proj.weight"},
    {"mlp.up_proj.bias", "ffn.up_proj.bias"},
    {"mlp.down_proj.weight", "ffn.down_proj.weight"},
    {"mlp.down_proj.bias", "ffn.down_proj.bias"},
    // Mixture-of-experts layers (docs/moe-mla-reference.md): the router, DeepSeek's selection bias, the shared
    // expert (Qwen2-MoE and Qwen3-Next name it in the singular, DeepSeek in the plural; messages use the first).
    {"mlp.gate.weight", "ffn.router.weight"},
    {"mlp.gate.e_score_correction_bias", "ffn.router.selection_bias"},
    {"mlp.shared_expert.gate_proj.weight", "ffn.shared.gate_proj.weight"},
    {"mlp.shared_expert.up_proj.weight", "ffn.shared.up_proj.weight"},
    {"mlp.shared_expert.down_proj.weight", "ffn.shared.down_proj.weight"},
    {"mlp.shared_experts.gate_proj.weight", "ffn.shared.gate_proj.weight"},
    {"mlp.shared_experts.up_proj.weight", "ffn.shared.up_proj.weight"},
    {"mlp.shared_experts.down_proj.weight", "ffn.shared.down_proj.weight"},
    // transformers 5 keeps the experts stacked, gate and up fused (split by FusedWeights.h), with or without a
    // ".weight" suffix. Checkpoints on the Hub store one tensor per expert instead (below).
    {"mlp.experts.gate_up_proj", "ffn.experts.gate_up_proj.weight"},
    {"mlp.experts.gate_up_proj.weight", "ffn.experts.gate_up_proj.weight"},
    {"mlp.experts.down_proj", "ffn.experts.down_proj.weight"},
    {"mlp.experts.down_proj.weight", "ffn.experts.down_proj.weight"},
};

/// One expert's projection, after "mlp.experts.<e>." and "ffn.experts.<e>." (stacked at load,
/// StackedWeights.h).
constexpr std::string_view kExpertTensors[] = {
    "gate_proj.weight", "up_proj.weight", "down_proj.weight", "gate_proj.bias", "up_proj.bias", "down_proj.bias",
};

constexpr NamePair kPreFeedForwardNorms[] = {
    {"post_attention_layernorm.weight", "ffn_norm.weight"},
};

constexpr NamePair kPostNorms[] = {
    {"post_attention_layernorm.weight", "post_attn_norm.weight"},
    {"pre_feedforward_layernorm.weight", "ffn_norm.weight"},
    {"post_feedforward_layernorm.weight", "post_ffn_norm.weight"},
};

/// Splits "<experts><digits>.<tensor>" (an expert's tensor) into the digits and tensor. The digits are kept
/// as written, so that an index spelled twice ("3", "03") reaches the stacking as two tensors of one expert.
bool splitExpertName(std::string_view rest, std::string_view experts, std::string_view &index,
                     std::string_view &tensor) {
  if (rest.substr(0, experts.size()) != experts)
    return false;
  rest.remove_prefix(experts.size());
  size_t digits = 0;
  while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9')
    ++digits;
  if (digits == 0 || digits > 9 || digits >= rest.size() || rest[digits] != '.')
    return false;
  index = rest.substr(0, digits);
  tensor = rest.substr(digits + 1);
  for (std::string_view known : kExpertTensors)
    if (tensor == known)
      return true;
  return false;
}

template <size_t N>
const NamePair *lookup(const NamePair (&table)[N], std::string_view name, bool fromHf) {
  for (const NamePair &pair : table)
    if (name == (fromHf ? pair.hf : pair.loom))
      return &pair;
  return nullptr;
}

bool translate(std::string_view name, HfNormNaming naming, bool fromHf, std::string &out) {
  if (const NamePair *pair = lookup(kGlobalNames, name, fromHf)) {
    out = fromHf ? pair->loom : pair->hf;
    return true;
  }
  std::string_view index, rest;
  if (!splitLayerName(name, fromHf ? "model.layers." : "layers.", index, rest))
    return false;
  std::string_view expert, tensor;
  if (splitExpertName(rest, fromHf ? "mlp.experts." : "ffn.experts.", expert, tensor)) {
    out = fromHf ? "layers." : "model.layers.";
    out.append(index).append(fromHf ? ".ffn.experts." : ".mlp.experts.").append(expert).append(".").append(tensor);
    return true;
  }
  if (!fromHf) {
    // A stacked expert weight: Hub checkpoints store it per expert, which messages name with "<e>".
    for (std::string_view known : kExpertTensors)
      if (rest.substr(0, 12) == "ffn.experts." && rest.substr(12) == known) {
        out = "model.layers.";
        out.append(index).append(".mlp.experts.<e>.").append(known);
        return true;
      }
  }
  const NamePair *pair = lookup(kLayerNames, rest, fromHf);
  if (!pair)
    pair = naming == HfNormNaming::PostNorms ? lookup(kPostNorms, rest, fromHf)
                                            : lookup(kPreFeedForwardNorms, rest, fromHf);
  if (!pair)
    return false;
  out = fromHf ? "layers." : "model.layers.";
  out.append(index).append(".").append(fromHf ? pair->loom : pair->hf);
  return true;
}

} // namespace

HfNormNaming loom::rt::detectHfNormNaming(const std::vector<std::string_view> &names) {
  for (std::string_view marker : {".pre_feedforward_layernorm.weight", ".post_feedforward_layernorm.weight"})
    for (std::string_view name : names)
      if (name.size() >= marker.size() && name.substr(name.size() - marker.size()) == marker)
        return HfNormNaming::PostNorms;
  return HfNormNaming::PreFeedForward;
}

namespace {
constexpr std::string_view kTextRoots[] = {"language_model.", "model.language_model."};
constexpr std::string_view kVisionRoots[] = {"vision_tower.",       "vision_model.",       "multi_modal_projector.",
                                             "model.vision_tower.", "model.vision_model.", "model.multi_modal_projector."};

bool startsWith(std::string_view name, std::string_view prefix) { return name.substr(0, prefix.size()) == prefix; }
} // namespace

bool loom::rt::isHfMultimodal(const std::vector<std::string_view> &names) {
  for (std::string_view name : names)
    for (std::string_view root : kTextRoots)
      if (startsWith(name, root))
        return true;
  return false;
}

HfPart loom::rt::hfMultimodalPart(std::string_view name, std::string &text) {
  for (std::string_view root : kVisionRoots)
    if (startsWith(name, root))
      return HfPart::Vision;
  text = std::string(name);
  if (startsWith(name, "model.language_model.")) // the text model's own "model." stays
    text = "model." + std::string(name.substr(std::string_view("model.language_model.").size()));
  else if (startsWith(name, "language_model."))
    text = std::string(name.substr(std::string_view("language_model.").size()));
  return HfPart::Text;
}

bool loom::rt::isHfName(std::string_view name) { return name.substr(0, 6) == "model." || name == "lm_head.weight"; }

bool loom::rt::hfToLoomName(std::string_view hf, HfNormNaming naming, std::string &loom) {
  return translate(hf, naming, true, loom);
}

bool loom::rt::loomToHfName(std::string_view loom, HfNormNaming naming, std::string &hf) {
  return translate(loom, naming, false, hf);
}
