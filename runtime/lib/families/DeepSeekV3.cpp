//===- DeepSeekV3.cpp - The DeepSeek V3 family (and Kimi K2) -------------===//
//
// DeepSeek V3 / R1 and Kimi K2 (config model_type kimi_k2, DeepSeek V3's
// code): multi-head latent attention with YaRN on its decoupled RoPE key
// (adjacent pairs: transformers' rope_interleave), sigmoid-routed experts with
// a selection bias and group limit, one shared expert, dense first layers.
//
// llama.cpp calls both `deepseek2` (its converter writes DeepSeek V2, V3 and
// Kimi K2 alike). Its files keep the RoPE rows as they are (adjacent pairs,
// ggml's "normal" RoPE) and split kv_b_proj into attn_k_b (each head's key
// half, transposed) and attn_v_b for its absorbed attention; the loader
// puts them back together (LatentWeights.h). The spec `loom import` writes
// from such a file is the deepseek_v3 one (Importer.cpp).
//
//===----------------------------------------------------------------------===//

#include "../Family.h"
#include "SharedKeys.h"

namespace loom::rt {
namespace {

constexpr std::span<const KeyRule> kConfigKeyTables[] = {kDeepSeekConfigKeys, kDeepSeekExpertConfigKeys};

constexpr std::span<const KeyRule> kGgufKeyTables[] = {kGgufDeepSeekKeys, kGgufExpertKeys, kGgufDeepSeekExpertKeys};

} // namespace

extern const Family kDeepSeekV3Family = {
    .configType = "deepseek_v3",
    .ggufArch = "deepseek2",
    .decoder = {.block = BlockStyle::PreNorm, .experts = Experts::DeepSeek, .latentAttention = true},
    .configKeys = kConfigKeyTables,
    .ggufKeys = kGgufKeyTables,
    .ropeObjectHoldsRotaryFraction = true,
};

extern const Family kKimiK2Family = {
    .configType = "kimi_k2",
    .decoder = {.block = BlockStyle::PreNorm, .experts = Experts::DeepSeek, .latentAttention = true},
    .configKeys = kConfigKeyTables,
    .ggufKeys = kGgufKeyTables,
    .ropeObjectHoldsRotaryFraction = true,
};

} // namespace loom::rt
