//===- Glm4Moe.cpp - The GLM-4.5 family (glm4_moe) -----------------------===//
//
// GLM-4.5 and GLM-4.5-Air: pre-norm blocks with grouped-query attention that
// has q, k and v biases but none on o_proj, an optional per-head QK-norm
// before RoPE (use_qk_norm: GLM-4.5 has it, the Air not), and RoPE on the
// first half of each head (partial_rotary_factor, 0.5 unless the config says
// otherwise) in transformers' half-split pairing within that part; the rest
// of the head passes through. After first_k_dense_replace dense layers come
// DeepSeek V3's experts: sigmoid scores with a selection bias, group limit,
// renormalised and scaled weights, and always-on shared experts.
//
// Its transformers checkpoints follow the shared decoder layout (HfNames.cpp)
// throughout, the router and its selection bias under mlp.gate. They also
// hold the multi-token-prediction layer as model.layers.<n_layers>.*, which
// transformers ignores (and Loom does not run). No GGUF import yet.
//
//===----------------------------------------------------------------------===//

#include "../Family.h"

namespace loom::rt {

extern const Family kGlm4MoeFamily = {
    .configType = "glm4_moe",
    .decoder = {.block = BlockStyle::PreNorm,
                .qkNorm = QkNorm::PerHead,
                .experts = Experts::DeepSeek,
                .defaultRopeFraction = 0.5,
                .qkNormSwitched = true,
                .attentionBiasWithoutOutput = true},
};

} // namespace loom::rt
