//===- GptOss.cpp - The gpt-oss family ----------------------------------===//
//
// gpt-oss (20b, 120b): pre-norm blocks alternating a sliding window (even
// layers) and full attention (layer_types), attention with biases and a
// learned sink logit per head, YaRN RoPE (its ramp not truncated), and in
// every layer a mixture of experts: the top k of a router with bias, a
// softmax over their logits, each expert a clamped SwiGLU with biases.
//
// transformers keeps the experts stacked in x @ W form: gate_up_proj
// [E, d, 2I] with gate and up interleaved in the last dimension (gate the
// even columns, up the odd ones), its bias [E, 2I] interleaved alike, and
// down_proj [E, I, d]. The loader transposes each expert and takes the
// alternate columns apart (Checkpoint.cpp), into the manifest's [out, in]
// gate_proj, up_proj and down_proj.
//
// llama.cpp's `gpt-oss` files split gate and up already (ffn_gate_exps and
// ffn_up_exps, [out, in] per expert, biases alike), call the sinks
// attn_sinks and the pre-FFN norm post_attention_norm (the name Gemma's norm
// after attention has). Its converter writes the experts in MXFP4, which
// Loom does not read: such a file is refused naming the tensor and the type
// (Gguf.cpp); files with F32, F16, BF16 or Q8_0 experts load.
//
//===----------------------------------------------------------------------===//

#include "../Family.h"
#include "SharedKeys.h"

namespace loom::rt {
namespace {

constexpr TensorTransform T = TensorTransform::Transpose;

/// What differs from the shared decoder layout; the attention projections, norms and embeddings follow it.
constexpr FamilyTensor kOwnLayerTensors[] = {
    {.loom = "attention.sinks", .hf = "self_attn.sinks", .gguf = "attn_sinks.weight"},
    // transformers' name is the shared layout's (post_attention_layernorm, the pre-FFN norm of Llama's block).
    {.loom = "ffn_norm.weight", .gguf = "post_attention_norm.weight"},
    {.loom = "ffn.router.weight", .hf = "mlp.router.weight"},
    {.loom = "ffn.router.bias", .hf = "mlp.router.bias"},
    {.loom = "ffn.experts.gate_up_proj.weight", .hf = "mlp.experts.gate_up_proj", .hfTransform = T,
     .hfInterleaved = true},
    {.loom = "ffn.experts.gate_up_proj.bias", .hf = "mlp.experts.gate_up_proj_bias", .hfInterleaved = true},
    {.loom = "ffn.experts.down_proj.weight", .hf = "mlp.experts.down_proj", .hfTransform = T},
    {.loom = "ffn.experts.down_proj.bias", .hf = "mlp.experts.down_proj_bias"},
};

/// The config.json keys the import reads beyond those every family shares (Family.h).
constexpr KeyRule kConfigKeys[] = {
    {"attention_bias", KeyUse::Modelled},
    {"sliding_window", KeyUse::Modelled},
    // The experts (every layer; intermediate_size is their width) and their clamped SwiGLU.
    {"num_local_experts", KeyUse::Modelled},
    {"num_experts_per_tok", KeyUse::Modelled},
    {"experts_per_token", KeyUse::Modelled}, // OpenAI's name in the released configs: must agree
    {"swiglu_alpha", KeyUse::Modelled},
    {"swiglu_limit", KeyUse::Modelled},
    // transformers' gpt-oss experts apply the clamped SwiGLU whatever hidden_act says ("silu" in the configs).
    {"hidden_act", KeyUse::Harmless},
    // OpenAI's name for YaRN's original context, which the released configs repeat; transformers reads the one
    // in rope_parameters (or rope_scaling).
    {"initial_context_length", KeyUse::Harmless},
};

/// The GGUF metadata keys (after "<architecture>.") the import reads beyond the shared ones.
constexpr KeyRule kGgufKeys[] = {
    // The window of its even layers (llama.cpp fixes the pattern at every other layer).
    {"attention.sliding_window", KeyUse::Modelled},
};

constexpr std::span<const KeyRule> kConfigKeyTables[] = {kConfigKeys};

constexpr std::span<const KeyRule> kGgufKeyTables[] = {kGgufKeys, kGgufExpertKeys};

} // namespace

extern const Family kGptOssFamily = {
    .configType = "gpt_oss",
    .ggufArch = "gpt-oss",
    .decoder = {.block = BlockStyle::PreNorm,
                .sliding = Sliding::LayerTypes,
                .attentionSinks = true,
                .globalEvery = 2,
                .experts = Experts::GptOss},
    .ownLayerTensors = kOwnLayerTensors,
    .configKeys = kConfigKeyTables,
    .ggufKeys = kGgufKeyTables,
    .readsLayerTypes = true,
};

} // namespace loom::rt
