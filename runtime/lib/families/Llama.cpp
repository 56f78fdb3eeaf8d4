//===- Llama.cpp - The Llama family -------------------------------------===//
//
// Llama 2/3 (transformers' LlamaForCausalLM, llama.cpp's llama): the pre-norm
// decoder with SwiGLU. llama.cpp's converter permutes the Q/K rows so that
// adjacent pairs rotate together (ggml's "normal" RoPE).
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

namespace loom::rt {
namespace {

/// The config.json keys the import reads beyond those every family shares (Family.h).
constexpr KeyRule kConfigKeys[] = {
    {"attention_bias", KeyUse::Modelled},
    {"mlp_bias", KeyUse::Modelled},
    {"hidden_act", KeyUse::Modelled},
    // Splits the projections for tensor-parallel pretraining: the same products.
    {"pretraining_tp", KeyUse::Harmless},
    // nanotron's marker in SmolLM configs.
    {"is_llama_config", KeyUse::Harmless},
    {"sliding_window", KeyUse::NeutralOnly, "a sliding window for llama"},
    {"use_sliding_window", KeyUse::NeutralOnly, "a sliding window on some layers"},
    // nanotron writes rope_interleaved; transformers ignores it, so a true value means weights in a layout the
    // Hugging Face model does not read.
    {"rope_interleaved", KeyUse::NeutralOnly, "interleaved RoPE", false, "transformers' llama ignores"},
};

constexpr std::span<const KeyRule> kConfigKeyTables[] = {kConfigKeys};

} // namespace

extern const Family kLlamaFamily = {
    .configType = "llama",
    .ggufArch = "llama",
    .decoder = {.block = BlockStyle::PreNorm, .ggufInterleaved = true},
    .configKeys = kConfigKeyTables,
};

} // namespace loom::rt
