//===- UnmodelledSettings.cpp - Keys that read like settings --------------===//
#include "UnmodelledSettings.h"

#include "llvm/ADT/StringExtras.h"

using namespace llvm;

namespace loom::frontend {
namespace {

enum class Match { Exact, Prefix, Contains };

struct Setting {
  Match match;
  StringRef pattern;
  /// What the setting does. With `spelling` empty, Loom does not model it.
  StringRef what;
  /// Where the DSL takes it, if it does.
  StringRef spelling;
};

constexpr StringRef kFeedForwardKind = "the feed-forward kind (SwiGLU, GeGLU, GeluMLP)";

// Names as Hugging Face configs, GGUF metadata and papers spell them. Matching
// is on the lower-cased name. Only names that cannot plausibly be a plain
// helper constant are listed: `window` or `heads` defined and not used stay
// warnings, `sliding_window_size` and `num_key_value_heads` do not.
constexpr Setting kSettings[] = {
    // Modelled, but written elsewhere (listed first: the broader patterns below would match them).
    {Match::Exact, "router_logit_softcapping", "soft-capped router logits", "MoE(router_softcap = ...)"},
    {Match::Exact, "final_logit_softcapping", "soft-capped logits", "logit_softcap = ..."},
    {Match::Exact, "output_multiplier_scale", "scaled logits", "logit_scale = ..."},
    {Match::Exact, "logits_scaling", "scaled logits", "logit_scale = 1 / ..."},
    // Not modelled.
    {Match::Contains, "softcap", "logit soft-capping", ""},
    {Match::Contains, "soft_cap", "logit soft-capping", ""},
    {Match::Contains, "expert", "a mixture of experts", ""},
    {Match::Prefix, "moe", "a mixture of experts", ""},
    {Match::Prefix, "router_", "a mixture of experts", ""},
    {Match::Exact, "decoder_sparse_step", "a mixture of experts", ""},
    {Match::Contains, "rope_scal", "RoPE scaling", ""},
    {Match::Exact, "rope_type", "RoPE scaling", ""},
    {Match::Exact, "rope_factor", "RoPE scaling", ""},
    {Match::Prefix, "yarn", "RoPE scaling", ""},
    {Match::Exact, "original_max_position_embeddings", "RoPE scaling", ""},
    {Match::Exact, "residual_scale", "a scaled residual stream", ""},
    {Match::Exact, "residual_multiplier", "a scaled residual stream", ""},
    {Match::Exact, "embedding_multiplier", "scaled embeddings", "embedding_scale = ..."},
    {Match::Exact, "attention_multiplier", "the attention scale", "GQA(scale = ...)"},
    {Match::Contains, "bidirectional", "bidirectional attention", ""},
    {Match::Exact, "clip_qkv", "clipping of Q, K and V", ""},
    {Match::Exact, "clamp_kqv", "clipping of Q, K and V", ""},
    // Modelled, but written elsewhere: a key by this name sets nothing.
    {Match::Prefix, "sliding_window", "a sliding-window mask", "GQA(mask = sliding_window, window = N)"},
    {Match::Exact, "use_sliding_window", "a sliding-window mask", "GQA(mask = sliding_window, window = N)"},
    {Match::Exact, "window_size", "a sliding-window mask", "GQA(mask = sliding_window, window = N)"},
    {Match::Exact, "attention_window", "a sliding-window mask", "GQA(mask = sliding_window, window = N)"},
    {Match::Prefix, "rope_theta", "the RoPE base", "RoPE(theta = ...)"},
    {Match::Exact, "rope_base", "the RoPE base", "RoPE(theta = ...)"},
    {Match::Exact, "rope_freq_base", "the RoPE base", "RoPE(theta = ...)"},
    {Match::Exact, "rope_local_base_freq", "the RoPE base", "RoPE(theta = ...)"},
    {Match::Exact, "partial_rotary_factor", "partial RoPE", "RoPE(fraction = ...)"},
    {Match::Exact, "rotary_pct", "partial RoPE", "RoPE(fraction = ...)"},
    {Match::Exact, "rms_norm_eps", "a norm's epsilon", "RMSNorm(eps = ...)"},
    {Match::Exact, "layer_norm_eps", "a norm's epsilon", "LayerNorm(eps = ...)"},
    {Match::Exact, "layer_norm_epsilon", "a norm's epsilon", "LayerNorm(eps = ...)"},
    {Match::Exact, "tie_word_embeddings", "tied embeddings", "tie_embeddings = ..."},
    {Match::Exact, "hidden_act", "the feed-forward activation", kFeedForwardKind},
    {Match::Exact, "hidden_activation", "the feed-forward activation", kFeedForwardKind},
    {Match::Exact, "query_pre_attn_scalar", "the attention scale", "GQA(scale = ...)"},
    {Match::Exact, "attention_value_scale", "scaled attention values", "GQA(value_scale = ...)"},
    {Match::Exact, "mup_enabled", "scaled embeddings", "embedding_scale = sqrt(d_model)"},
    {Match::Exact, "attention_bias", "attention biases", "GQA(qkv_bias = ..., out_bias = ...)"},
    {Match::Exact, "mlp_bias", "feed-forward biases", "SwiGLU(bias = ...)"},
    {Match::Exact, "num_attention_heads", "the head count", "GQA(heads = ...)"},
    {Match::Exact, "num_key_value_heads", "the KV head count", "GQA(kv_heads = ...)"},
    {Match::Exact, "intermediate_size", "the feed-forward width", "SwiGLU(hidden = ...)"},
    {Match::Exact, "hidden_size", "the model width", "d_model = ..."},
    {Match::Exact, "num_hidden_layers", "the layer count", "n_layers = ..."},
    {Match::Exact, "vocab_size", "the vocabulary size", "vocab = ..."},
    {Match::Exact, "max_position_embeddings", "the context length", "max_context = ..."},
};

bool matches(const Setting &setting, StringRef name) {
  switch (setting.match) {
  case Match::Exact:
    return name == setting.pattern;
  case Match::Prefix:
    return name.starts_with(setting.pattern);
  case Match::Contains:
    return name.contains(setting.pattern);
  }
  return false;
}

} // namespace

std::optional<std::string> unusedSettingProblem(StringRef name) {
  std::string lower = name.lower();
  for (const Setting &setting : kSettings) {
    if (!matches(setting, lower))
      continue;
    if (setting.spelling.empty())
      return ("'" + name + "' is a setting for " + setting.what +
              ", which Loom does not model: nothing in the spec uses it, so the model would be compiled without it")
          .str();
    return ("'" + name + "' reads like " + setting.what +
            ", but a key by this name sets nothing and nothing uses it; write it as " + setting.spelling)
        .str();
  }
  return std::nullopt;
}

} // namespace loom::frontend
