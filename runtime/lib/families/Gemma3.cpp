//===- Gemma3.cpp - The Gemma 3 family ----------------------------------===//
//
// Gemma 3 (transformers' Gemma3ForCausalLM, model_type gemma3_text; the
// multimodal gemma3's text_config): sandwich norms stored as w in (1 + w),
// per-head QK-norm, GeGLU, embeddings scaled by sqrt(d_model), sliding-window
// layers with a RoPE base of their own (layer_types or the 5:1 pattern), RoPE
// parameters per layer type, the LM head tied unless the config says not.
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

namespace loom::rt {

extern const Family kGemma3Family = {
    .configType = "gemma3_text",
    .ggufArch = "gemma3",
    .decoder = {.block = BlockStyle::Sandwich,
                .qkNorm = QkNorm::PerHead,
                .sliding = Sliding::LayerTypes,
                .gemma = true,
                .tiedByDefault = true,
                .globalEvery = 6,
                .ropePerLayerType = true},
};

} // namespace loom::rt
