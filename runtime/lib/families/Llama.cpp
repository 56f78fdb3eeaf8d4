//===- Llama.cpp - The Llama family -------------------------------------===//
//
// Llama 2/3 (transformers' LlamaForCausalLM, llama.cpp's llama): the pre-norm
// decoder with SwiGLU. llama.cpp's converter permutes the Q/K rows so that
// adjacent pairs rotate together (ggml's "normal" RoPE).
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

namespace loom::rt {

extern const Family kLlamaFamily = {
    .configType = "llama",
    .ggufArch = "llama",
    .decoder = {.block = BlockStyle::PreNorm, .ggufInterleaved = true},
};

} // namespace loom::rt
