//===- Llama4.cpp - The Llama 4 family (Scout, Maverick) ------------------===//
//
// Llama 4's text model (transformers' llama4_text, the text_config of the
// multimodal llama4): pre-norm blocks whose attention is of two kinds. Three
// layers in four rotate q and k (adjacent pairs: transformers multiplies
// complex numbers), attend within chunks of attention_chunk_size tokens and,
// with use_qk_norm (Scout), normalise q and k after RoPE by a weightless
// RMSNorm (transformers' L2Norm); every fourth layer goes without RoPE
// (no_rope_layers, 1 marking a layer WITH RoPE), attends to the whole
// context and scales its queries by attention-temperature tuning. Feed-
// forwards are dense SwiGLUs of intermediate_size_mlp or, in the moe_layers
// (every interleave_moe_layer_step-th), a shared SwiGLU expert plus routed
// ones of intermediate_size: the largest router logit chooses, and its
// sigmoid scales the expert's INPUT rather than its output.
//
// transformers keeps the experts stacked in x @ W form: gate_up_proj
// [E, d, 2I] with the gate the first I columns and up the last I (not
// interleaved as gpt-oss's are), down_proj [E, I, d]. The loader transposes
// each expert and splits the columns (Checkpoint.cpp, FusedWeights.h). Its
// Q/K rows are as the checkpoint rotates them (adjacent pairs), so they load
// as they are for the spec's `style = interleaved` (hfInterleavedRope).
//
// llama.cpp's `llama4` files keep those rows too (its converter does not
// permute them: ggml's adjacent-pair RoPE, ggufInterleaved), split gate_up_proj
// into ffn_gate_exps and ffn_up_exps and name the shared expert *_shexp, all
// in GgufNames.cpp's table. Its loader fixes what the file does not say
// (Importer.cpp, readLlama4Gguf): chunks of 8192 on three layers in four,
// every fourth layer without RoPE, temperature tuning 0.1 with a floor of
// 8192, and the QK-norm unless the model has 128 experts (Maverick).
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

namespace loom::rt {
namespace {

constexpr TensorTransform T = TensorTransform::Transpose;

/// The feed-forward, which transformers calls feed_forward rather than the shared layout's mlp; a name no other
/// family has, so it tells a Llama 4 checkpoint apart. Attention and norms follow the shared layout.
constexpr FamilyTensor kOwnLayerTensors[] = {
    {.loom = "ffn.router.weight", .hf = "feed_forward.router.weight"},
    {.loom = "ffn.experts.gate_up_proj.weight", .hf = "feed_forward.experts.gate_up_proj", .hfTransform = T},
    {.loom = "ffn.experts.down_proj.weight", .hf = "feed_forward.experts.down_proj", .hfTransform = T},
    {.loom = "ffn.shared.gate_proj.weight", .hf = "feed_forward.shared_expert.gate_proj.weight"},
    {.loom = "ffn.shared.up_proj.weight", .hf = "feed_forward.shared_expert.up_proj.weight"},
    {.loom = "ffn.shared.down_proj.weight", .hf = "feed_forward.shared_expert.down_proj.weight"},
    // The dense layers' SwiGLU.
    {.loom = "ffn.gate_proj.weight", .hf = "feed_forward.gate_proj.weight"},
    {.loom = "ffn.up_proj.weight", .hf = "feed_forward.up_proj.weight"},
    {.loom = "ffn.down_proj.weight", .hf = "feed_forward.down_proj.weight"},
};

} // namespace

extern const Family kLlama4Family = {
    .configType = "llama4_text",
    .ggufArch = "llama4",
    .decoder = {.block = BlockStyle::PreNorm,
                .nope = NoPE::EveryNth,
                .ggufInterleaved = true,
                .experts = Experts::Llama4,
                .hfInterleavedRope = true,
                .defaultRopeTheta = 500000},
    .ownLayerTensors = kOwnLayerTensors,
};

} // namespace loom::rt
