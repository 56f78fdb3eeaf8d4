//===- Qwen2.cpp - The Qwen2 family -------------------------------------===//
//
// Qwen2 / Qwen2.5: Llama's block with Q, K and V biases whatever the config's
// attention_bias says; llama.cpp keeps the rows (NeoX RoPE).
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

namespace loom::rt {

extern const Family kQwen2Family = {
    .configType = "qwen2",
    .ggufArch = "qwen2",
    .decoder = {.block = BlockStyle::PreNorm, .qkvBiasAlways = true},
};

} // namespace loom::rt
