//===- HfNames.h - Hugging Face tensor names to Loom manifest names -*- C++ -*-===//
//
// transformers checkpoints name tensors by their module tree
// ("model.layers.3.self_attn.q_proj.weight"). Loom manifests name them by the
// spec's components ("layers.3.attention.q_proj.weight"); the table is for
// specs written with the component names `loom import` uses (attn_norm,
// attention, ffn_norm, ffn, final_norm, and the post_attn_norm and
// post_ffn_norm of Gemma's sandwich and of the post-norm blocks of OLMo 2/3
// and EXAONE 4). Both use PyTorch's [out, in] layout, so only names change.
// Mixture-of-experts layers add the router ("mlp.gate"), the shared expert
// and the experts, which Hub checkpoints store one tensor per expert
// ("model.layers.3.mlp.experts.7.up_proj.weight" is
// "layers.3.ffn.experts.7.up_proj.weight", one expert of the manifest's
// stacked "layers.3.ffn.experts.up_proj.weight"; StackedWeights.h).
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_HFNAMES_H
#define LOOM_RUNTIME_HFNAMES_H

#include <string>
#include <string_view>
#include <vector>

namespace loom::rt {

/// The two meanings of "post_attention_layernorm" in transformers.
enum class HfNormNaming {
  /// Llama, Mistral, Qwen: the norm before the feed-forward block.
  PreFeedForward,
  /// Models with a norm after each sub-layer: the norm after attention. Gemma 2/3 (sandwich) also have
  /// "pre_feedforward_layernorm" before the FFN; OLMo 2/3 and EXAONE 4 (post-norm only) have no pre-norms.
  PostNorms,
};

/// PostNorms when any name is a "pre_feedforward_layernorm" or "post_feedforward_layernorm", which only
/// such models have.
HfNormNaming detectHfNormNaming(const std::vector<std::string_view> &names);

/// Whether `name` follows the transformers convention (starts with "model." or is "lm_head.weight").
bool isHfName(std::string_view name);

/// Multimodal checkpoints (Llama 4, Gemma 3 from 4B, Mistral Small 3.1 as released) hold the text model under
/// "language_model." (as transformers saves them and the Hub has them) or "model.language_model." (transformers'
/// module names since 4.52), beside a vision encoder and its projector that a text prompt never reaches.
enum class HfPart {
  /// Not a multimodal checkpoint's name, or its text model's: `text` is the name a text-only checkpoint gives it.
  Text,
  /// The vision encoder's or the projector's.
  Vision,
};

/// Whether any of `names` is a multimodal checkpoint's text-model tensor.
bool isHfMultimodal(const std::vector<std::string_view> &names);
/// Which part of a multimodal checkpoint `name` belongs to, and for the text model its text-only name.
HfPart hfMultimodalPart(std::string_view name, std::string &text);

/// The manifest name of a transformers tensor; false for a name outside the table.
bool hfToLoomName(std::string_view hf, HfNormNaming naming, std::string &loom);
/// The inverse, for messages about missing tensors. A stacked expert weight
/// ("layers.3.ffn.experts.up_proj.weight") gives the per-expert name with
/// "<e>" for the expert ("model.layers.3.mlp.experts.<e>.up_proj.weight").
bool loomToHfName(std::string_view loom, HfNormNaming naming, std::string &hf);

} // namespace loom::rt

#endif // LOOM_RUNTIME_HFNAMES_H
