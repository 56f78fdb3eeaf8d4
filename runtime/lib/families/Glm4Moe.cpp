//===- Glm4Moe.cpp - The GLM-4.5 family (glm4_moe) -----------------------===//
//
// GLM-4.5 and GLM-4.5-Air: pre-norm blocks with grouped-query attention that
// has q, k and v biases but none on o_proj, an optional per-head QK-norm
// before RoPE (use_qk_norm: GLM-4.5 has it, the Air not), and RoPE on the
// first half of each head (partial_rotary_factor, 0.5 unless the config says
// otherwise) in transformers' half-split pairing within that part; the rest
// of the head passes through. After first_k_dense_replace dense layers come
// DeepSeek V3's experts: sigmoid scores with a selection bias, group limit,
// renormalised and scaled weights, and always-on shared experts.
//
// Its transformers checkpoints follow the shared decoder layout (HfNames.cpp)
// throughout, the router and its selection bias under mlp.gate. They also
// hold the multi-token-prediction layer as model.layers.<n_layers>.*, which
// transformers ignores (and Loom does not run).
//
// llama.cpp's `glm4moe` files keep the Q/K rows as transformers has them
// (NeoX RoPE on the first rope.dimension_count values of each head: the same
// half-split pairing), name the pre-FFN norm post_attention_norm (the name
// Gemma's norm after attention has), and count the multi-token-prediction
// layers (nextn_predict_layers, blk.<n_layers>.* with nextn.* tensors of its
// own) in block_count; llama.cpp loads and skips them, and so do `loom
// import` (Importer.cpp) and the loader (Checkpoint.cpp). Its routing is
// DeepSeek V3's without the group limit, which llama.cpp's glm4moe does not
// read (GLM-4.5 and the Air have one group).
//
//===----------------------------------------------------------------------===//

#include "../Family.h"
#include "SharedKeys.h"

namespace loom::rt {
namespace {

/// What llama.cpp's files name otherwise than GgufNames.cpp's table; transformers' names are the shared layout's.
constexpr FamilyTensor kOwnLayerTensors[] = {
    {.loom = "ffn_norm.weight", .gguf = "post_attention_norm.weight"},
};

/// The config.json keys the import reads beyond those every family shares (Family.h).
constexpr KeyRule kConfigKeys[] = {
    {"attention_bias", KeyUse::Modelled},
    {"use_qk_norm", KeyUse::Modelled},
    {"hidden_act", KeyUse::Modelled},
    // The multi-token-prediction layer (transformers 5 also calls the count num_mtp_layers).
    {"num_nextn_predict_layers", KeyUse::Harmless},
    {"num_mtp_layers", KeyUse::Harmless},
};

/// The GGUF metadata keys (after "<architecture>.") the import reads beyond the shared ones.
constexpr KeyRule kGgufKeys[] = {
    // The multi-token-prediction layers after the model's, in block_count, which llama.cpp skips (so does Loom:
    // readGlm4MoeGguf, and the loader ignores their tensors).
    {"nextn_predict_layers", KeyUse::Modelled},
};

constexpr std::span<const KeyRule> kConfigKeyTables[] = {kConfigKeys, kDeepSeekExpertConfigKeys};

constexpr std::span<const KeyRule> kGgufKeyTables[] = {kGgufKeys, kGgufExpertKeys, kGgufDeepSeekExpertKeys};

} // namespace

extern const Family kGlm4MoeFamily = {
    .configType = "glm4_moe",
    .ggufArch = "glm4moe",
    .decoder = {.block = BlockStyle::PreNorm,
                .qkNorm = QkNorm::PerHead,
                .experts = Experts::DeepSeek,
                .defaultRopeFraction = 0.5,
                .qkNormSwitched = true,
                .attentionBiasWithoutOutput = true},
    .ownLayerTensors = kOwnLayerTensors,
    .configKeys = kConfigKeyTables,
    .ggufKeys = kGgufKeyTables,
    .ropeObjectHoldsRotaryFraction = true,
};

} // namespace loom::rt
