//===- Qwen3.cpp - The Qwen3 family -------------------------------------===//
//
// Qwen3 (dense): Llama's block with a per-head RMSNorm of q and k before RoPE;
// llama.cpp keeps the rows (NeoX RoPE).
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

namespace loom::rt {

extern const Family kQwen3Family = {
    .configType = "qwen3",
    .ggufArch = "qwen3",
    .decoder = {.block = BlockStyle::PreNorm, .qkNorm = QkNorm::PerHead},
};

} // namespace loom::rt
