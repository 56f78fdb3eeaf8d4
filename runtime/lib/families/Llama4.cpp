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
#include "SharedKeys.h"

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

/// The config.json keys the import reads beyond those every family shares (Family.h).
constexpr KeyRule kConfigKeys[] = {
    // readLlama4: chunked attention, the weightless QK-norm and temperature tuning, NoPE layers, experts
    // (intermediate_size their width, intermediate_size_mlp the dense layers') and which layers have them.
    {"attention_bias", KeyUse::Modelled},
    {"hidden_act", KeyUse::Modelled},
    {"attention_chunk_size", KeyUse::Modelled},
    {"use_qk_norm", KeyUse::Modelled},
    {"attn_temperature_tuning", KeyUse::Modelled},
    {"floor_scale", KeyUse::Modelled},
    {"attn_scale", KeyUse::Modelled},
    {"no_rope_layers", KeyUse::Modelled},
    {"no_rope_layer_interval", KeyUse::Modelled},
    {"num_local_experts", KeyUse::Modelled},
    {"num_experts_per_tok", KeyUse::Modelled},
    {"intermediate_size_mlp", KeyUse::Modelled},
    {"interleave_moe_layer_step", KeyUse::Modelled},
    {"moe_layers", KeyUse::Modelled},
    // transformers' Llama 4 router adds no noise at inference (nor reads it at all); llm-compressor's own flag.
    {"router_jitter_noise", KeyUse::Harmless},
    {"for_llm_compressor", KeyUse::Harmless},
};

/// The GGUF metadata keys (after "<architecture>.") the import reads beyond the shared ones.
constexpr KeyRule kGgufKeys[] = {
    // Which layers are sparse; a sliding_window key (0: MobileLLM-R1's layers without chunks) is refused by
    // readLlama4Gguf, which knows what llama.cpp makes of it.
    {"interleave_moe_layer_step", KeyUse::Modelled},
    {"attention.sliding_window", KeyUse::Modelled},
};

constexpr std::span<const KeyRule> kConfigKeyTables[] = {kConfigKeys};

constexpr std::span<const KeyRule> kGgufKeyTables[] = {kGgufKeys, kGgufExpertKeys};

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
    .configKeys = kConfigKeyTables,
    .ggufKeys = kGgufKeyTables,
    .readsLayerTypes = true,
};

} // namespace loom::rt
