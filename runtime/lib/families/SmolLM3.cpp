//===- SmolLM3.cpp - The SmolLM3 family ---------------------------------===//
//
// SmolLM3: Llama's block with every fourth layer NoPE (no_rope_layers, or
// no_rope_layer_interval); llama.cpp converts it like llama (Q/K rows
// permuted) and hard-codes the step of 4. The LM head is tied unless the
// config says not.
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

namespace loom::rt {

extern const Family kSmolLM3Family = {
    .configType = "smollm3",
    .ggufArch = "smollm3",
    .decoder = {.block = BlockStyle::PreNorm,
                .nope = NoPE::EveryNth,
                .sliding = Sliding::LayerTypes,
                .ggufInterleaved = true,
                .tiedByDefault = true},
};

} // namespace loom::rt
