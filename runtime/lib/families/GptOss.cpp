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
};

} // namespace loom::rt
