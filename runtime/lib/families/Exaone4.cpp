//===- Exaone4.cpp - The EXAONE 4.0 family ------------------------------===//
//
// EXAONE 4.0: post-norm, per-head QK-norm, sliding-window layers with RoPE
// and global layers without (3:1 from layer_types or sliding_window_pattern).
// No GGUF import yet.
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

namespace loom::rt {

extern const Family kExaone4Family = {
    .configType = "exaone4",
    .decoder = {.block = BlockStyle::PostNorm,
                .qkNorm = QkNorm::PerHead,
                .nope = NoPE::GlobalLayers,
                .sliding = Sliding::LayerTypes},
};

} // namespace loom::rt
