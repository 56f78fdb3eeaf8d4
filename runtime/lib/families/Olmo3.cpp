//===- Olmo3.cpp - The Olmo 3 family ------------------------------------===//
//
// Olmo 3: OLMo 2's block with 3 sliding-window layers to 1 full one
// (layer_types), YaRN on the full-attention layers only (RoPE parameters per
// layer type). No GGUF import yet.
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

namespace loom::rt {

extern const Family kOlmo3Family = {
    .configType = "olmo3",
    .decoder = {.block = BlockStyle::PostNorm,
                .qkNorm = QkNorm::AllHeads,
                .sliding = Sliding::LayerTypes,
                .ropePerLayerType = true},
};

} // namespace loom::rt
