//===- Olmo2.cpp - The OLMo 2 family ------------------------------------===//
//
// OLMo 2: norms after attention and feed-forward inside the residual
// (post-norm), a QK-norm over the whole q and k projections before the head
// split; llama.cpp keeps the rows (NeoX RoPE).
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

namespace loom::rt {
namespace {

/// The config.json keys the import reads beyond those every family shares (Family.h).
constexpr KeyRule kConfigKeys[] = {
    {"attention_bias", KeyUse::Modelled},
    {"hidden_act", KeyUse::Modelled},
    {"mlp_bias", KeyUse::NeutralOnly, "feed-forward biases", false, "transformers' model of this family does not have"},
};

constexpr std::span<const KeyRule> kConfigKeyTables[] = {kConfigKeys};

} // namespace

extern const Family kOlmo2Family = {
    .configType = "olmo2",
    .ggufArch = "olmo2",
    .decoder = {.block = BlockStyle::PostNorm, .qkNorm = QkNorm::AllHeads},
    .configKeys = kConfigKeyTables,
};

} // namespace loom::rt
