//===- Qwen3Moe.cpp - The Qwen3-MoE family ------------------------------===//
//
// Qwen3-MoE (30B-A3B, 235B-A22B): Qwen3's attention (per-head QK-norm, NeoX
// RoPE, rows kept by llama.cpp) with a softmax-routed mixture of SwiGLU
// experts in the feed-forward of its sparse layers, no shared expert.
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

namespace loom::rt {

extern const Family kQwen3MoeFamily = {
    .configType = "qwen3_moe",
    .ggufArch = "qwen3moe",
    .decoder = {.block = BlockStyle::PreNorm, .qkNorm = QkNorm::PerHead, .experts = Experts::Qwen},
};

} // namespace loom::rt
