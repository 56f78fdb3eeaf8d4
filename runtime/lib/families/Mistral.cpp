//===- Mistral.cpp - The Mistral family ---------------------------------===//
//
// Mistral (transformers' MistralForCausalLM; Mistral Small 3.1's text model):
// Llama's block, with a sliding window on every layer when the config sets one.
// llama.cpp converts these files as llama, so there is no GGUF entry.
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

namespace loom::rt {
namespace {

/// The config.json keys the import reads beyond those every family shares (Family.h).
constexpr KeyRule kConfigKeys[] = {
    {"hidden_act", KeyUse::Modelled},
    {"sliding_window", KeyUse::Modelled},
    {"use_sliding_window", KeyUse::NeutralOnly, "a sliding window on some layers"},
    {"attention_bias", KeyUse::NeutralOnly, "attention biases", false, "transformers' mistral does not have"},
    {"mlp_bias", KeyUse::NeutralOnly, "feed-forward biases", false, "transformers' model of this family does not have"},
};

constexpr std::span<const KeyRule> kConfigKeyTables[] = {kConfigKeys};

} // namespace

extern const Family kMistralFamily = {
    .configType = "mistral",
    .decoder = {.block = BlockStyle::PreNorm, .sliding = Sliding::AllLayers},
    .configKeys = kConfigKeyTables,
};

} // namespace loom::rt
