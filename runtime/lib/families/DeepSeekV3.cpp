//===- DeepSeekV3.cpp - The DeepSeek V3 family (and Kimi K2) -------------===//
//
// DeepSeek V3 / R1 and Kimi K2 (config model_type kimi_k2, DeepSeek V3's
// code): multi-head latent attention with YaRN on its decoupled RoPE key
// (adjacent pairs: transformers' rope_interleave), sigmoid-routed experts with
// a selection bias and group limit, one shared expert, dense first layers.
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

namespace loom::rt {

extern const Family kDeepSeekV3Family = {
    .configType = "deepseek_v3",
    .decoder = {.block = BlockStyle::PreNorm, .experts = Experts::DeepSeek, .latentAttention = true},
};

extern const Family kKimiK2Family = {
    .configType = "kimi_k2",
    .decoder = {.block = BlockStyle::PreNorm, .experts = Experts::DeepSeek, .latentAttention = true},
};

} // namespace loom::rt
