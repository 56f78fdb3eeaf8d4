//===- HfNames.h - Hugging Face tensor names to Loom manifest names -*- C++ -*-===//
//
// transformers checkpoints name tensors by their module tree
// ("model.layers.3.self_attn.q_proj.weight"). Loom manifests name them by the
// spec's components ("layers.3.attention.q_proj.weight"); the table is for
// specs written with the component names `loom import` uses (attn_norm,
// attention, ffn_norm, ffn, final_norm, and Gemma's post_attn_norm and
// post_ffn_norm). Both use PyTorch's [out, in] layout, so only names change.
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
  /// Gemma 2/3: the norm after attention; "pre_feedforward_layernorm" is the one before the FFN.
  Sandwich,
};

/// Sandwich when any name is a Gemma-style "pre_feedforward_layernorm".
HfNormNaming detectHfNormNaming(const std::vector<std::string_view> &names);

/// Whether `name` follows the transformers convention (starts with "model." or is "lm_head.weight").
bool isHfName(std::string_view name);

/// The manifest name of a transformers tensor; false for a name outside the table.
bool hfToLoomName(std::string_view hf, HfNormNaming naming, std::string &loom);
/// The inverse, for messages about missing tensors.
bool loomToHfName(std::string_view loom, HfNormNaming naming, std::string &hf);

} // namespace loom::rt

#endif // LOOM_RUNTIME_HFNAMES_H
