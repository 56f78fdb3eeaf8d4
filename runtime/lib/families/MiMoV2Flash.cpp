//===- MiMoV2Flash.cpp - The MiMo-V2-Flash family -------------------------===//
//
// Xiaomi's MiMo-V2-Flash (309B, 15B active): pre-norm blocks, hybrid
// attention with the first layer and every sixth after it attending fully
// and the others through a window of 128 previous tokens plus the query
// (transformers' sliding_window 129). The sliding-window layers have twice
// the KV heads and a learned sink logit per head, and a RoPE base of their
// own (10000 against 5e6). Every layer's query and key heads are 192 wide
// with RoPE on the first 64 (int(192 * 0.334)), its value heads 128 wide
// and scaled by attention_value_scale (0.707) before they are cached. The
// first layer's feed-forward is dense, the others are DeepSeek V3's experts
// (sigmoid scores plus a selection bias, renormalised) without a shared one.
//
// transformers' checkpoints follow the shared decoder layout (HfNames.cpp),
// the sinks as self_attn.sinks; the released ones name them
// attention_sink_bias, which tells them apart. Their multi-token-prediction
// layers (model.mtp.*) are not part of the forward pass. No GGUF import yet.
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

namespace loom::rt {
namespace {

/// What differs from the shared decoder layout.
constexpr FamilyTensor kOwnLayerTensors[] = {
    {.loom = "attention.sinks", .hf = "self_attn.attention_sink_bias"},
};

} // namespace

extern const Family kMiMoV2FlashFamily = {
    .configType = "mimo_v2_flash",
    .decoder = {.block = BlockStyle::PreNorm,
                .sliding = Sliding::LayerTypes,
                .ropePerLayerType = true,
                .experts = Experts::DeepSeek,
                .defaultRopeFraction = 0.334,
                .defaultRopeTheta = 5e6,
                .attentionBiasWithoutOutput = true,
                .mimo = true},
    .ownLayerTensors = kOwnLayerTensors,
};

} // namespace loom::rt
