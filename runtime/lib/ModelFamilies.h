//===- ModelFamilies.h - What Loom knows about each model family -*- C++ -*-===//
//
// One row per family: the names it goes by (a config.json's model_type, a
// GGUF file's general.architecture), and the structural facts that neither
// file states but that decide the spec and the loading: where the norms sit,
// what the QK-norm normalizes over, which layers go without RoPE, and how
// llama.cpp's converter laid out the Q/K rows. `loom import` (tools/loom/
// Importer.cpp) reads the numbers from the file and the shape from this
// table, and the GGUF loader (Checkpoint.cpp) the row layout, so adding a
// family that reuses known parts is one row here, plus its tensor names if
// new (HfNames.cpp, GgufNames.cpp) and any config keys of its own in the
// importer. Header-only and free of LLVM, so that the runtime can use it.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_MODELFAMILIES_H
#define LOOM_RUNTIME_MODELFAMILIES_H

#include <string>
#include <string_view>

namespace loom::family {

/// Where a layer's norms sit; the spec's component names follow (docs/runtime.md, tensor names).
enum class BlockStyle {
  /// x += attention(attn_norm(x)); x += ffn(ffn_norm(x)): Llama, Qwen, Mistral, SmolLM3.
  PreNorm,
  /// x += post_attn_norm(attention(x)); x += post_ffn_norm(ffn(x)): OLMo 2/3, EXAONE 4.
  PostNorm,
  /// Both: Gemma 2/3.
  Sandwich,
};

enum class QkNorm {
  None,
  /// One RMSNorm per head over head_dim (Qwen3, Gemma 3, EXAONE 4).
  PerHead,
  /// One RMSNorm over the whole q (and k) projection, before the head split (OLMo 2/3).
  AllHeads,
};

/// Which layers attend without RoPE.
enum class NoPE {
  None,
  /// SmolLM3: the config's no_rope_layers (1 = RoPE), else every no_rope_layer_interval-th layer (4).
  EveryNth,
  /// EXAONE 4: the global (full-attention) layers, when the model has sliding-window layers at all.
  GlobalLayers,
};

/// Which layers use a sliding window.
enum class Sliding {
  None,
  /// Mistral: every layer, when sliding_window is set.
  AllLayers,
  /// Per layer from layer_types (or the family's pattern key): Gemma 3, Olmo 3, EXAONE 4, SmolLM3.
  LayerTypes,
};

struct Family {
  std::string_view configType = {}; ///< transformers model_type; empty if no config.json import.
  std::string_view ggufArch = {};   ///< llama.cpp general.architecture; empty if no GGUF import.
  BlockStyle block = BlockStyle::PreNorm;
  QkNorm qkNorm = QkNorm::None;
  NoPE nope = NoPE::None;
  Sliding sliding = Sliding::None;
  /// llama.cpp's converter permutes Q/K rows for ggml's adjacent-pair RoPE (its "normal" rope type).
  bool ggufInterleaved = false;
  /// Gemma: GeGLU, embeddings scaled by sqrt(d_model), transformers' RMSNorm scales stored as w in (1 + w),
  /// query_pre_attn_scalar, a RoPE base of its own for the sliding-window layers.
  bool gemma = false;
  /// Whether the checkpoint ties the LM head to the embedding when the config does not say.
  bool tiedByDefault = false;
  /// Q and K biases (Qwen2 has them whatever attention_bias says).
  bool qkvBiasAlways = false;
  /// RoPE parameters per layer type (transformers' rope_parameters["full_attention"] and
  /// ["sliding_attention"]): a config's plain rope_scaling stretches the full-attention layers only.
  bool ropePerLayerType = false;
};

namespace detail {
// Sources: transformers' modeling_<family>.py (the block, the QK-norm's shape, which layers skip RoPE) and
// llama.cpp's convert_hf_to_gguf.py and llama-model.cpp (row permutation, rope type, fixed patterns).
inline constexpr Family kFamilies[] = {
    {.configType = "llama", .ggufArch = "llama", .block = BlockStyle::PreNorm, .qkNorm = QkNorm::None,
     .nope = NoPE::None, .sliding = Sliding::None, .ggufInterleaved = true},
    {.configType = "mistral", .block = BlockStyle::PreNorm, .qkNorm = QkNorm::None, .nope = NoPE::None,
     .sliding = Sliding::AllLayers},
    {.configType = "qwen2", .ggufArch = "qwen2", .block = BlockStyle::PreNorm, .qkNorm = QkNorm::None,
     .nope = NoPE::None, .sliding = Sliding::None, .qkvBiasAlways = true},
    {.configType = "qwen3", .ggufArch = "qwen3", .block = BlockStyle::PreNorm, .qkNorm = QkNorm::PerHead,
     .nope = NoPE::None, .sliding = Sliding::None},
    {.configType = "gemma3_text", .ggufArch = "gemma3", .block = BlockStyle::Sandwich, .qkNorm = QkNorm::PerHead,
     .nope = NoPE::None, .sliding = Sliding::LayerTypes, .gemma = true, .tiedByDefault = true,
     .ropePerLayerType = true},
    // OLMo 2: post-norm, QK-norm over the flattened projections; llama.cpp keeps the rows (NeoX rope).
    {.configType = "olmo2", .ggufArch = "olmo2", .block = BlockStyle::PostNorm, .qkNorm = QkNorm::AllHeads,
     .nope = NoPE::None, .sliding = Sliding::None},
    // Olmo 3: OLMo 2's block, 3 sliding-window layers to 1 full one, YaRN on the full ones only.
    {.configType = "olmo3", .block = BlockStyle::PostNorm, .qkNorm = QkNorm::AllHeads, .nope = NoPE::None,
     .sliding = Sliding::LayerTypes, .ropePerLayerType = true},
    // SmolLM3: the Llama block with every fourth layer NoPE; llama.cpp converts it as llama (rows permuted)
    // and hard-codes the step of 4.
    {.configType = "smollm3", .ggufArch = "smollm3", .block = BlockStyle::PreNorm, .qkNorm = QkNorm::None,
     .nope = NoPE::EveryNth, .sliding = Sliding::LayerTypes, .ggufInterleaved = true, .tiedByDefault = true},
    // EXAONE 4: post-norm, per-head QK-norm, sliding-window layers with RoPE and global layers without.
    {.configType = "exaone4", .block = BlockStyle::PostNorm, .qkNorm = QkNorm::PerHead,
     .nope = NoPE::GlobalLayers, .sliding = Sliding::LayerTypes},
};

} // namespace detail

/// The row of a config.json model_type; null if Loom does not know it.
inline const Family *ofConfig(std::string_view modelType) {
  for (const Family &family : detail::kFamilies)
    if (!family.configType.empty() && family.configType == modelType)
      return &family;
  return nullptr;
}

/// The row of a GGUF general.architecture; null if Loom does not know it.
inline const Family *ofGguf(std::string_view arch) {
  for (const Family &family : detail::kFamilies)
    if (!family.ggufArch.empty() && family.ggufArch == arch)
      return &family;
  return nullptr;
}

/// "a, b and c": the model_types (or, with `gguf`, the GGUF architectures) Loom knows, for messages.
inline std::string supportedNames(bool gguf) {
  std::string text;
  size_t count = 0, total = 0;
  for (const Family &family : detail::kFamilies)
    total += !(gguf ? family.ggufArch : family.configType).empty();
  for (const Family &family : detail::kFamilies) {
    std::string_view name = gguf ? family.ggufArch : family.configType;
    if (name.empty())
      continue;
    if (count > 0)
      text += ++count == total ? " and " : ", ";
    else
      ++count;
    text += name;
  }
  return text;
}

} // namespace loom::family

#endif // LOOM_RUNTIME_MODELFAMILIES_H
