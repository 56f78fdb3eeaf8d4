//===- Gpt2.cpp - The GPT-2 family --------------------------------------===//
//
// GPT-2 (transformers' GPT2LMHeadModel, llama.cpp's gpt2): pre-norm blocks of
// LayerNorm with bias, multi-head attention without RoPE but with biases, a
// GELU (tanh) MLP with biases, learned absolute positions, the LM head tied
// to the embedding.
//
// transformers stores its projections as Conv1D weights, [in, out]: they are
// transposed at load time, and c_attn's q | k | v are column runs. llama.cpp's
// converter has already transposed them, so attn_qkv is q | k | v rows.
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

namespace loom::rt {
namespace {

constexpr TensorTransform T = TensorTransform::Transpose;

constexpr FamilyTensor kGlobals[] = {
    {"embedding.weight", "transformer.wte.weight", "token_embd.weight"},
    {"position_embedding.weight", "transformer.wpe.weight", "position_embd.weight"},
    {"final_norm.weight", "transformer.ln_f.weight", "output_norm.weight"},
    {"final_norm.bias", "transformer.ln_f.bias", "output_norm.bias"},
    {"lm_head.weight", "lm_head.weight", "output.weight"},
};

constexpr FamilyTensor kLayers[] = {
    {"attn_norm.weight", "ln_1.weight", "attn_norm.weight"},
    {"attn_norm.bias", "ln_1.bias", "attn_norm.bias"},
    // Fused q | k | v: split into the manifest's q_proj, k_proj and v_proj by FusedWeights.h.
    {"attention.qkv_proj.weight", "attn.c_attn.weight", "attn_qkv.weight", T},
    {"attention.qkv_proj.bias", "attn.c_attn.bias", "attn_qkv.bias"},
    {"attention.o_proj.weight", "attn.c_proj.weight", "attn_output.weight", T},
    {"attention.o_proj.bias", "attn.c_proj.bias", "attn_output.bias"},
    {"ffn_norm.weight", "ln_2.weight", "ffn_norm.weight"},
    {"ffn_norm.bias", "ln_2.bias", "ffn_norm.bias"},
    {"ffn.up_proj.weight", "mlp.c_fc.weight", "ffn_up.weight", T},
    {"ffn.up_proj.bias", "mlp.c_fc.bias", "ffn_up.bias"},
    {"ffn.down_proj.weight", "mlp.c_proj.weight", "ffn_down.weight", T},
    {"ffn.down_proj.bias", "mlp.c_proj.bias", "ffn_down.bias"},
};

/// The causal mask and the masked-score constant older checkpoints saved with the weights.
constexpr std::string_view kBuffers[] = {"attn.bias", "attn.masked_bias"};

constexpr FamilyKey kKeys[] = {
    {"vocab", "vocab_size", "", KeyKind::Integer},
    {"d_model", "n_embd", "embedding_length", KeyKind::Integer},
    {"n_layers", "n_layer", "block_count", KeyKind::Integer},
    {"max_context", "n_positions", "context_length", KeyKind::Integer},
    {"n_head", "n_head", "attention.head_count", KeyKind::Integer},
    // transformers' GPT-2 has no grouped K/V heads; llama.cpp's reads a count of its own.
    {"n_kv_head", "", "attention.head_count_kv", KeyKind::Integer, "n_head"},
    {"hidden", "n_inner", "feed_forward_length", KeyKind::Integer, "4 * d_model"},
    {"eps", "layer_norm_epsilon", "attention.layer_norm_epsilon", KeyKind::Real, "1e-5"},
    {"tie_embeddings", "tie_word_embeddings", "", KeyKind::Boolean, "true"},
};

constexpr FamilyFixedKey kFixedKeys[] = {
    // gelu_new, gelu_pytorch_tanh and gelu_fast are the tanh approximation GeluMLP computes.
    {"activation_function", R"("gelu_new" "gelu_pytorch_tanh" "gelu_fast")",
     "an activation other than GELU's tanh approximation"},
    {"scale_attn_weights", "true", "attention scores without the 1/sqrt(head_dim) scale"},
    {"scale_attn_by_inverse_layer_idx", "false", "attention scores scaled by 1/(layer + 1)"},
    {"add_cross_attention", "false", "cross-attention to an encoder"},
};

constexpr std::string_view kHarmless[] = {
    // Dropouts: off at inference.
    "attn_pdrop", "embd_pdrop", "resid_pdrop",
    // GPT2DoubleHeadsModel's classification head; the LM head is the tied embedding.
    "summary_type", "summary_use_proj", "summary_activation", "summary_proj_to_labels", "summary_first_dropout",
    // Old configs' copy of n_positions, which transformers no longer reads.
    "n_ctx",
    // Scales before the product and computes the scores in float32: in float32 the same scores.
    "reorder_and_upcast_attn",
    // Training only.
    "gradient_checkpointing",
};

constexpr std::string_view kSpec = R"(architecture {name} {
  vocab = {vocab}
  d_model = {d_model}
  n_layers = {n_layers}
  max_context = {max_context}
  tie_embeddings = {tie_embeddings}
  positions = learned
  n_head = {n_head}
  n_kv_head = {n_kv_head}
  eps = {eps}
  attn_norm = LayerNorm(eps = eps)
  ffn_norm = LayerNorm(eps = eps)
  attention = GQA(heads = n_head, kv_heads = n_kv_head, head_dim = d_model / n_head, rope = none,
                  qkv_bias = true, out_bias = true)
  ffn = GeluMLP(hidden = {hidden})
  final_norm = LayerNorm(eps = eps)
  block {
    x = x + attention(attn_norm(x))
    x = x + ffn(ffn_norm(x))
  }
}
)";

} // namespace

extern const Family kGpt2Family = {
    .configType = "gpt2",
    .ggufArch = "gpt2",
    .hfRoot = "transformer.",
    .hfLayers = "h.",
    .globals = kGlobals,
    .layers = kLayers,
    .hfBuffers = kBuffers,
    .keys = kKeys,
    .fixedKeys = kFixedKeys,
    .hfHarmless = kHarmless,
    .specTemplate = kSpec,
};

} // namespace loom::rt
