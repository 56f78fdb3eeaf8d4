//===- Mistral.cpp - The Mistral family ---------------------------------===//
//
// Mistral (transformers' MistralForCausalLM; Mistral Small 3.1's text model):
// Llama's block, with a sliding window on every layer when the config sets one.
// llama.cpp converts these files as llama, so there is no GGUF entry.
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

namespace loom::rt {

extern const Family kMistralFamily = {
    .configType = "mistral",
    .decoder = {.block = BlockStyle::PreNorm, .sliding = Sliding::AllLayers},
};

} // namespace loom::rt
