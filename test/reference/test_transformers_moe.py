"""Mixtures of experts against transformers: each tiny configuration keeps its family's routing and layer
pattern; transformers writes config.json, the weights are random and saved under transformers' own names
(transformers 5 stores the experts fused, `mlp.experts.gate_up_proj` [E, 2I, d], and a second file stores
them per expert, as checkpoints on the Hub do (MiniMax-M2's under its released names, block_sparse_moe's w1, w3
and w2; MiMo-V2-Flash's with its sinks named attention_sink_bias, as released); gpt-oss's are stacked in x @ W form, [E, d, 2I] with gate and up
interleaved, and have no per-expert form, nor have Llama 4's, [E, d, 2I] with gate and up halves;
Qwen3-Next's q_proj holds each head's query rows, then its output-gate rows); `loom import config.json` writes the spec and
`loom logits` must give transformers' logits, with the experts run token by token
(`loom compile --moe-grouped-matmul=false`) and as grouped products (the default pipeline). DeepSeek's latent
attention runs absorbed for short chunks and decode steps (loom-absorb-mla) and expanded for long chunks;
`--absorb-mla=false` (always expanded) is compared too, for DeepSeek V3 and for Mistral Large 3's text model
(transformers' mistral4: DeepSeek V3's layers with softmax routing). gpt-oss's experts are grouped too, their clamped
SwiGLU as loom.swiglu_oai between the products.

Routers are random, so no two experts tie at the k-th place (ties would make transformers' choice
unspecified, docs/moe-mla-reference.md 1.3).

Tolerances (max-abs over every position's logits):
  1e-4  Loom vs transformers: both float32; summation orders differ.
  1e-5  incremental decode vs one batched pass; grouped vs token-by-token experts.
"""
import json
import subprocess

import pytest

VS_TRANSFORMERS = 1e-4
SAME_MODEL = 1e-5


def _common(**overrides):
    values = dict(vocab_size=300, hidden_size=64, intermediate_size=96, num_hidden_layers=3,
                  num_attention_heads=4, num_key_value_heads=2, head_dim=16, max_position_embeddings=256,
                  rms_norm_eps=1e-6, attention_dropout=0.0, bos_token_id=None, eos_token_id=None,
                  pad_token_id=None, rope_parameters={"rope_type": "default", "rope_theta": 1e6})
    values.update(overrides)
    return values


def qwen3_moe(t):
    # Qwen3-30B-A3B's structure: every layer sparse, top-k renormalised.
    return t.Qwen3MoeConfig(**_common(num_experts=8, num_experts_per_tok=2, moe_intermediate_size=48,
                                      norm_topk_prob=True, decoder_sparse_step=1, mlp_only_layers=[],
                                      tie_word_embeddings=False))


def qwen3_moe_mixed(t):
    # Sparse every second layer except layer 3, dense elsewhere; weights not renormalised; top-4 of 16.
    return t.Qwen3MoeConfig(**_common(num_hidden_layers=5, num_experts=16, num_experts_per_tok=4,
                                      moe_intermediate_size=32, norm_topk_prob=False, decoder_sparse_step=2,
                                      mlp_only_layers=[3], tie_word_embeddings=True))


def deepseek_v3(t):
    # DeepSeek V3's structure: MLA (compressed q and kv, a shared RoPE key rotating adjacent pairs, YaRN whose
    # mscale_all_dim scales the softmax), a dense first layer, then 8 experts in 4 groups of which 2 are kept,
    # top-2 by biased sigmoid scores, renormalised and scaled by 2.5, plus a shared expert. The original
    # context of 16 puts most of the 70 tokens past it.
    yarn = {"rope_type": "yarn", "rope_theta": 10000.0, "factor": 8.0, "original_max_position_embeddings": 16,
            "beta_fast": 32.0, "beta_slow": 1.0, "mscale": 1.0, "mscale_all_dim": 1.0}
    # (transformers sizes its RoPE tables by head_dim, which DeepSeek V3 sets to qk_rope_head_dim.)
    return t.DeepseekV3Config(**_common(head_dim=4, num_key_value_heads=4, moe_intermediate_size=16, n_shared_experts=1,
                                        n_routed_experts=8, routed_scaling_factor=2.5, kv_lora_rank=32,
                                        q_lora_rank=24, qk_rope_head_dim=4, v_head_dim=8, qk_nope_head_dim=8,
                                        n_group=4, topk_group=2, num_experts_per_tok=2, first_k_dense_replace=1,
                                        norm_topk_prob=True, max_position_embeddings=128, rope_parameters=yarn,
                                        tie_word_embeddings=False))


def deepseek_plain_q(t):
    # Kimi K2's routing (no group limit) and DeepSeek V2-Lite's plain query projection (q_lora_rank null),
    # RoPE unscaled, weights not renormalised, two shared experts.
    return t.DeepseekV3Config(**_common(head_dim=8, num_key_value_heads=4, moe_intermediate_size=16, n_shared_experts=2,
                                        n_routed_experts=8, routed_scaling_factor=1.5, kv_lora_rank=16,
                                        q_lora_rank=None, qk_rope_head_dim=8, v_head_dim=12, qk_nope_head_dim=8,
                                        n_group=1, topk_group=1, num_experts_per_tok=3, first_k_dense_replace=0,
                                        norm_topk_prob=False, tie_word_embeddings=False,
                                        rope_parameters={"rope_type": "default", "rope_theta": 50000.0}))


def gpt_oss(t):
    # gpt-oss's structure: sliding-window (8) and full layers alternating, q/k/v/o biases and a learned sink per
    # head, YaRN with its ramp not truncated over an original context of 16, and in every layer 8 experts of
    # which the 4 largest biased router logits are chosen and weighted by a softmax over them, each a clamped
    # SwiGLU with biases (transformers' defaults: alpha 1.702, limit 7).
    yarn = {"rope_type": "yarn", "rope_theta": 150000.0, "factor": 8.0, "original_max_position_embeddings": 16,
            "beta_fast": 32.0, "beta_slow": 1.0, "truncate": False}
    return t.GptOssConfig(**_common(num_hidden_layers=4, num_local_experts=8, num_experts_per_tok=4, sliding_window=8,
                                    max_position_embeddings=128, rms_norm_eps=1e-5, rope_parameters=yarn,
                                    tie_word_embeddings=False))


def gpt_oss_clamped(t):
    # A limit small enough that the clamps bite (gate above, up on both sides), another alpha, no attention
    # biases (the sinks stay), top-2 of 8, windows on the layers layer_types lists, plain RoPE.
    return t.GptOssConfig(**_common(num_local_experts=8, num_experts_per_tok=2, swiglu_limit=0.6, swiglu_alpha=1.2,
                                    attention_bias=False, sliding_window=8,
                                    layer_types=["full_attention", "sliding_attention", "sliding_attention"],
                                    rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
                                    tie_word_embeddings=False))


def qwen3_next(t):
    # Qwen3-Next's attention and MoE half. Its Gated DeltaNet layers are not run yet (loom import refuses them),
    # so every layer is full attention: the query projection doubled into each head's query and its output gate,
    # per-head QK-norm, RoPE on a quarter of each head (4 of 16 dims), all norms zero-centred (1 + w); 8 experts,
    # top-2 by softmax and renormalised, plus a shared expert scaled per token by sigmoid(shared_expert_gate x);
    # layer 1 dense.
    rope = {"rope_type": "default", "rope_theta": 1e6, "partial_rotary_factor": 0.25}
    return t.Qwen3NextConfig(**_common(layer_types=["full_attention"] * 3, num_experts=8, num_experts_per_tok=2,
                                       moe_intermediate_size=48, shared_expert_intermediate_size=40,
                                       norm_topk_prob=True, decoder_sparse_step=1, mlp_only_layers=[1],
                                       rope_parameters=rope, tie_word_embeddings=False))


def qwen3_next_hybrid(t):
    # The whole Qwen3-Next layer pattern: Gated DeltaNet in every layer but every second (the released model: every
    # fourth), its 2 key heads of 8 shared by 4 value heads of 12 (grouped like the released 16 and 32), a causal
    # convolution of 4 taps, the recurrent state carried across prefill chunks and decode steps.
    rope = {"rope_type": "default", "rope_theta": 1e6, "partial_rotary_factor": 0.25}
    return t.Qwen3NextConfig(**_common(num_hidden_layers=4, full_attention_interval=2, layer_types=None,
                                       linear_num_key_heads=2, linear_num_value_heads=4, linear_key_head_dim=8,
                                       linear_value_head_dim=12, linear_conv_kernel_dim=4, num_experts=8,
                                       num_experts_per_tok=2, moe_intermediate_size=48,
                                       shared_expert_intermediate_size=40, norm_topk_prob=True, decoder_sparse_step=1,
                                       mlp_only_layers=[2], rope_parameters=rope, tie_word_embeddings=False))


def mistral4(t):
    # Mistral Large 3's text model (transformers' mistral4): DeepSeek V3's latent attention (YaRN, its mscale on
    # the softmax scale, a dense first layer) with softmax routing, top-2 of 8 renormalised, and a shared expert.
    # Llama 4's query temperature starts at position 128 (original_max_position_embeddings), which Loom does not
    # model: the config's context ends there, as loom import would end it (test/e2e/import_config.test).
    yarn = {"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0, "original_max_position_embeddings": 128,
            "beta_fast": 32.0, "beta_slow": 1.0, "mscale": 1.0, "mscale_all_dim": 1.0, "llama_4_scaling_beta": 0.1,
            "partial_rotary_factor": 0.25}
    return t.Mistral4Config(**_common(num_key_value_heads=4, moe_intermediate_size=16, n_shared_experts=1,
                                      n_routed_experts=8, routed_scaling_factor=1.0, kv_lora_rank=32, q_lora_rank=24,
                                      qk_rope_head_dim=4, v_head_dim=8, qk_nope_head_dim=12, n_group=1, topk_group=1,
                                      num_experts_per_tok=2, first_k_dense_replace=1, norm_topk_prob=True,
                                      max_position_embeddings=128, rope_parameters=yarn, tie_word_embeddings=False))


def glm4_moe(t):
    # GLM-4.5's structure: q/k/v biases (none on o_proj), a per-head QK-norm, RoPE on the first half of each head
    # (8 of 16 values, half-split pairs), a dense first layer, then 8 experts in 2 groups of which 1 is kept, top-2
    # by biased sigmoid scores, renormalised and scaled by 2.5, plus a shared expert.
    rope = {"rope_type": "default", "rope_theta": 1e6, "partial_rotary_factor": 0.5}
    return t.Glm4MoeConfig(**_common(attention_bias=True, use_qk_norm=True, n_routed_experts=8, num_experts_per_tok=2,
                                     moe_intermediate_size=32, n_shared_experts=1, routed_scaling_factor=2.5,
                                     n_group=2, topk_group=1, first_k_dense_replace=1, norm_topk_prob=True,
                                     rope_parameters=rope, tie_word_embeddings=False))


def glm4_moe_air(t):
    # GLM-4.5-Air's: no QK-norm, no group limit, no scaling, the rotary fraction the config class's default (0.5);
    # here also weights not renormalised, top-3, two dense layers and two shared experts.
    return t.Glm4MoeConfig(**_common(num_hidden_layers=4, attention_bias=True, use_qk_norm=False, n_routed_experts=8,
                                     num_experts_per_tok=3, moe_intermediate_size=24, n_shared_experts=2,
                                     routed_scaling_factor=1.0, n_group=1, topk_group=1, first_k_dense_replace=2,
                                     norm_topk_prob=False, tie_word_embeddings=False))


def minimax_m2(t):
    # MiniMax-M2's structure: the QK-norm over all heads (q 64 wide, k 32) before the heads are split, RoPE on the
    # first 8 of each head's 16 values (rotary_dim, as the released config gives it), and in every layer 8
    # experts of width intermediate_size, top-2 by biased sigmoid scores, renormalised; no shared expert.
    return t.MiniMaxM2Config(**_common(num_local_experts=8, num_experts_per_tok=2, intermediate_size=32,
                                       rotary_dim=8, tie_word_embeddings=False))


def llama4(t):
    # Llama 4 Scout's structure: layers 0-2 rotate adjacent pairs with Scout's llama3 scaling (factor 16, low and
    # high band factors both 1: no blend), attend in chunks of 16 and norm q and k after RoPE without a weight;
    # layer 3 goes without RoPE, attends globally and tunes its queries' temperature (a floor of 8 positions,
    # so that it bites within 70 tokens); in every layer a shared expert and 4 routed ones, the top-1 router
    # logit's sigmoid scaling the chosen expert's input.
    rope = {"rope_type": "llama3", "rope_theta": 5e5, "factor": 16.0, "low_freq_factor": 1.0,
            "high_freq_factor": 1.0, "original_max_position_embeddings": 64}
    return t.Llama4TextConfig(**_common(num_hidden_layers=4, num_local_experts=4, num_experts_per_tok=1,
                                        intermediate_size=48, intermediate_size_mlp=80, attention_chunk_size=16,
                                        use_qk_norm=True, attn_temperature_tuning=True, floor_scale=8,
                                        attn_scale=0.1, rope_parameters=rope, rms_norm_eps=1e-5,
                                        tie_word_embeddings=False))


def llama4_interleaved(t):
    # Llama 4 Maverick's: MoE every second layer (dense SwiGLUs of intermediate_size_mlp between), no QK-norm,
    # plain RoPE; here also NoPE every second layer, chunks of 8, q/k/v/o biases and the top 2 of 8 experts.
    return t.Llama4TextConfig(**_common(num_hidden_layers=4, num_local_experts=8, num_experts_per_tok=2,
                                        intermediate_size=40, intermediate_size_mlp=72, interleave_moe_layer_step=2,
                                        no_rope_layer_interval=2, attention_chunk_size=8, use_qk_norm=False,
                                        floor_scale=16, attention_bias=True,
                                        rope_parameters={"rope_type": "default", "rope_theta": 5e5},
                                        tie_word_embeddings=False))


def afmoe(t):
    # Arcee Trinity's structure: sandwich norms, a per-head QK-norm, the attention output gated by
    # sigmoid(gate_proj x), sliding-window (8) layers with RoPE and every second layer global without RoPE,
    # muP's embedding scale sqrt(64); a dense first layer, then 8 experts of which the top 2 by sigmoid scores
    # plus expert_bias, renormalised and scaled by route_scale 2.5, and two shared experts (one SwiGLU of 64).
    rope = {"rope_type": "default", "rope_theta": 10000.0}
    return t.AfmoeConfig(**_common(num_hidden_layers=4, num_experts=8, num_experts_per_tok=2, moe_intermediate_size=32,
                                   num_dense_layers=1, num_shared_experts=2, route_scale=2.5,
                                   global_attn_every_n_layers=2, sliding_window=8, mup_enabled=True,
                                   rope_parameters=rope, tie_word_embeddings=False))


def mimo_v2_flash(t):
    # MiMo-V2-Flash's structure: layers 0 and 5 attend fully (1 KV head, no sink), the others through a window
    # of 8 with twice the KV heads and a sink per head; RoPE (base 5e6 on full layers, 1e4 on windowed ones) on
    # int(24 * 0.334) = 8 of each 24-wide query and key head; value heads 16 wide, scaled by 0.707 before the
    # cache; a dense first layer, then 8 experts, top-2 by biased sigmoid scores, renormalised, scaled by 1.5.
    rope = {layer: {"rope_type": "default", "rope_theta": theta, "partial_rotary_factor": 0.334}
            for layer, theta in (("full_attention", 5e6), ("sliding_attention", 10000.0))}
    return t.MiMoV2FlashConfig(**_common(num_hidden_layers=7, num_key_value_heads=1, head_dim=24, v_head_dim=16,
                                         n_routed_experts=8, num_experts_per_tok=2, moe_intermediate_size=32,
                                         routed_scaling_factor=1.5, n_group=1, topk_group=1, norm_topk_prob=True,
                                         sliding_window=8, attention_value_scale=0.707, rope_parameters=rope,
                                         tie_word_embeddings=False))


# MiMo-V2-Flash's config.json as Xiaomi released it: its own spelling of the layer kinds (hybrid_layer_pattern,
# moe_layer_freq), of the window (sliding_window_size counts the previous tokens, transformers' sliding_window
# the query too: 8), of the sliding-window layers' heads and RoPE base, and layernorm_epsilon. transformers 5
# reads it with its own defaults, which the values here agree with; loom import reads the released keys. Here
# with 8 experts in 2 groups of which one is kept and routed_scaling_factor null (1).
MIMO_RELEASED = {
    "architectures": ["MiMoV2FlashForCausalLM"], "model_type": "mimo_v2_flash", "vocab_size": 300, "hidden_size": 64,
    "intermediate_size": 96, "num_hidden_layers": 7, "num_attention_heads": 4, "num_key_value_heads": 1,
    "head_dim": 24, "v_head_dim": 16, "swa_num_attention_heads": 4, "swa_num_key_value_heads": 2,
    "swa_head_dim": 24, "swa_v_head_dim": 16, "partial_rotary_factor": 0.334, "rope_theta": 5000000,
    "swa_rope_theta": 10000, "sliding_window": 7, "sliding_window_size": 7,
    "hybrid_layer_pattern": [0, 1, 1, 1, 1, 0, 1], "moe_layer_freq": [0, 1, 1, 1, 1, 1, 1],
    "add_swa_attention_sink_bias": True, "add_full_attention_sink_bias": False, "n_routed_experts": 8,
    "num_experts_per_tok": 2, "moe_intermediate_size": 32, "routed_scaling_factor": None, "scoring_func": "sigmoid",
    "topk_method": "noaux_tc", "n_group": 2, "topk_group": 1, "norm_topk_prob": True, "n_shared_experts": None,
    "layernorm_epsilon": 1e-5, "attention_value_scale": 0.707, "max_position_embeddings": 256,
    "tie_word_embeddings": False, "hidden_act": "silu", "attention_chunk_size": 128, "num_nextn_predict_layers": 1}


def mimo_v2_flash_released(t):
    return t.MiMoV2FlashConfig(**MIMO_RELEASED)


# Cases whose config.json is the publisher's rather than what transformers writes.
RELEASED_CONFIG = {"mimo-v2-flash-released": MIMO_RELEASED}


CONFIGS = {"qwen3-moe": qwen3_moe, "qwen3-moe-mixed": qwen3_moe_mixed, "deepseek-v3": deepseek_v3,
           "deepseek-plain-q": deepseek_plain_q, "gpt_oss": gpt_oss, "gpt_oss_clamped": gpt_oss_clamped,
           "qwen3-next": qwen3_next, "qwen3-next-hybrid": qwen3_next_hybrid, "mistral4": mistral4, "glm4-moe": glm4_moe, "glm4-moe-air": glm4_moe_air,
           "minimax-m2": minimax_m2, "llama4": llama4, "llama4-interleaved": llama4_interleaved,
           "afmoe": afmoe, "mimo-v2-flash": mimo_v2_flash, "mimo-v2-flash-released": mimo_v2_flash_released}
CAUSAL_LM = {"mistral4": "Mistral4ForCausalLM"}
ZERO_CENTRED_NORMS = {"qwen3-next", "qwen3-next-hybrid"}
# gpt-oss's experts were always stacked: there is no per-expert checkpoint of it.
# Nor of Llama 4's (stacked in x @ W form, gate and up halves).
PER_EXPERT = [name for name in CONFIGS if not name.startswith(("gpt_oss", "llama4"))]
SPEC_MUST_HAVE = {
    "afmoe": ["embedding_scale = sqrt(d_model)", "post_attn_norm = RMSNorm(eps = eps)", "qk_norm = RMSNorm(eps = eps)",
              "output_gate = true", "local_attention = attention(mask = sliding_window, window = 8)",
              "nope_attention = attention(rope = none)",
              "routing = sigmoid_topk, normalize = true, selection_bias = true, scale = 2.5, shared_hidden = 64",
              "layers 0 { ffn = dense_ffn }"],
    "mimo-v2-flash-released": ["mask = sliding_window, window = 8, kv_heads = 2, sinks = true",
                               "groups = 2, group_top_k = 1", "layers 1..4 { attention = local_attention }"],
    "mimo-v2-flash": ["kv_heads = 1, head_dim = 24", "value_dim = 16,", "value_scale = 0.707,",
                      "theta = 5000000, style = half, fraction = 0.3333333333333333",
                      "mask = sliding_window, window = 8, kv_heads = 2, sinks = true",
                      "routing = sigmoid_topk, normalize = true, selection_bias = true, scale = 1.5",
                      "layers 0 { ffn = dense_ffn }"],
    "qwen3-moe": ["ffn = MoE(experts = 8, top_k = 2, hidden = 48", "normalize = true"],
    "qwen3-moe-mixed": ["ffn = MoE(experts = 16, top_k = 4, hidden = 32", "normalize = false",
                        "dense_ffn = SwiGLU(hidden = 96)", "{ ffn = dense_ffn }"],
    "deepseek-v3": ["attention = MLA(heads = 4, q_lora_rank = 24, kv_lora_rank = 32", "style = interleaved",
                    "routing = sigmoid_topk", "groups = 4, group_top_k = 2, scale = 2.5, shared_hidden = 16",
                    "layers 0 { ffn = dense_ffn }"],
    "deepseek-plain-q": ["MLA(heads = 4, kv_lora_rank = 16", "scale = 1.5, shared_hidden = 32"],
    "gpt_oss": ["qkv_bias = true, out_bias = true, sinks = true", "truncate = false",
                "local_attention = attention(mask = sliding_window, window = 8)",
                "layers where (i + 1) % 2 != 0 { attention = local_attention }",
                "ffn = MoE(experts = 8, top_k = 4, hidden = 96", "routing = topk_softmax",
                "router_bias = true, bias = true", "activation = swiglu_oai, alpha = 1.702, limit = 7)"],
    "gpt_oss_clamped": ["head_dim = 16,\n                  sinks = true,", "top_k = 2",
                        "activation = swiglu_oai, alpha = 1.2, limit = 0.6)", "layers 1..2 { attention = local_attention }"],
    "qwen3-next": ["RMSNorm(eps = eps, unit_offset = true)", "qk_norm = RMSNorm(eps = eps, unit_offset = true)",
                   "output_gate = true", "fraction = 0.25", "normalize = true, shared_hidden = 40, shared_gate = true",
                   "layers 1 { ffn = dense_ffn }"],
    "qwen3-next-hybrid": ["linear_attention = GatedDeltaNet(k_heads = 2, v_heads = 4, k_head_dim = 8,",
                          "v_head_dim = 12, conv = 4, norm = RMSNorm(eps = eps))",
                          "layers where (i + 1) % 2 != 0 { attention = linear_attention }",
                          "layers 2 { ffn = dense_ffn }"],
    "mistral4": ["attention = MLA(heads = 4, q_lora_rank = 24, kv_lora_rank = 32", "style = interleaved",
                 "routing = softmax_topk, normalize = true, shared_hidden = 16", "layers 0 { ffn = dense_ffn }"],
    "glm4-moe": ["head_dim = 16,\n                  qk_norm = RMSNorm(eps = eps),\n                  qkv_bias = true,\n",
                 "style = half, fraction = 0.5", "routing = sigmoid_topk, normalize = true, selection_bias = true",
                 "groups = 2, group_top_k = 1, scale = 2.5, shared_hidden = 32)", "layers 0 { ffn = dense_ffn }"],
    "glm4-moe-air": ["head_dim = 16,\n                  qkv_bias = true,\n", "style = half, fraction = 0.5",
                     "normalize = false, selection_bias = true, shared_hidden = 48)", "layers 0..1 { ffn = dense_ffn }"],
    "minimax-m2": ["qk_norm = RMSNorm(eps = eps, over = all_heads)", "style = half, fraction = 0.5",
                   "ffn = MoE(experts = 8, top_k = 2, hidden = 32",
                   "routing = sigmoid_topk, normalize = true, selection_bias = true)"],
    "llama4": ["qk_norm = RMSNorm(eps = eps, weight = false), qk_norm_after_rope = true,\n",
               "mask = chunked, window = 16,\n", "style = interleaved, scaling = llama3(factor = 16, "
               "low_freq_factor = 1, high_freq_factor = 1, original_context = 64)",
               "nope_attention = GQA(heads = 4, kv_heads = 2, head_dim = 16,\n",
               "temperature_scale = 0.1, temperature_floor = 8,\n", "ffn = MoE(experts = 4, top_k = 1, hidden = 48",
               "routing = topk_sigmoid, normalize = false, shared_hidden = 48, weight_input = true)",
               "layers 3 { attention = nope_attention }"],
    "llama4-interleaved": ["qkv_bias = true, out_bias = true,\n", "mask = chunked, window = 8,\n",
                           "temperature_scale = 0.1, temperature_floor = 16,\n", "top_k = 2, hidden = 40",
                           "dense_ffn = SwiGLU(hidden = 72)", "layers where (i + 1) % 2 == 0 { attention = nope_attention }",
                           "layers where (i + 1) % 2 != 0 { ffn = dense_ffn }"],
}


def per_expert(tensors, torch):
    """transformers 5's fused experts written back one tensor per expert, as Hub checkpoints hold them."""
    out = {}
    for key, value in tensors.items():
        if key.endswith("mlp.experts.gate_up_proj"):
            prefix = key[: -len("gate_up_proj")]
            half = value.shape[1] // 2
            for e in range(value.shape[0]):
                out[f"{prefix}{e}.gate_proj.weight"] = value[e, :half].contiguous()
                out[f"{prefix}{e}.up_proj.weight"] = value[e, half:].contiguous()
        elif key.endswith("mlp.experts.down_proj"):
            prefix = key[: -len("down_proj")]
            for e in range(value.shape[0]):
                out[f"{prefix}{e}.down_proj.weight"] = value[e].contiguous()
        else:
            out[key] = value
    return out


def released_minimax(tensors):
    """MiniMax-M2's per-expert tensors as its released checkpoints name them: the block block_sparse_moe, each
    expert's gate, up and down projections w1, w3 and w2."""
    out = {}
    for key, value in tensors.items():
        key = key.replace(".mlp.", ".block_sparse_moe.")
        for ours, theirs in (("gate_proj", "w1"), ("up_proj", "w3"), ("down_proj", "w2")):
            if ".experts." in key:
                key = key.replace(f".{ours}.weight", f".{theirs}.weight")
        out[key] = value
    return out


class MoeCase:
    def __init__(self, name, ref, loom, workdir):
        torch, t = ref.torch, ref.transformers
        self.ref, self.loom, self.dir = ref, loom, workdir
        config = CONFIGS[name](t)
        config.save_pretrained(workdir)
        if name in RELEASED_CONFIG:
            (workdir / "config.json").write_text(json.dumps(RELEASED_CONFIG[name]))
        # transformers' auto classes know mistral4 only as Mistral 3's text model.
        model_class = getattr(t, CAUSAL_LM[name]) if name in CAUSAL_LM else t.AutoModelForCausalLM
        zero_centred = name in ZERO_CENTRED_NORMS
        self.vocab = config.vocab_size
        with torch.device("meta"):
            skeleton = model_class(config) if name in CAUSAL_LM else model_class.from_config(config)
        gen = torch.Generator().manual_seed(sum(map(ord, name)))
        tensors = {}
        for key, value in skeleton.state_dict().items():
            if "rotary_emb" in key or (config.tie_word_embeddings and key == "lm_head.weight"):
                continue
            shape = tuple(value.shape)
            if key.endswith("linear_attn.norm.weight"):
                # The gated output norm scales by w itself (not 1 + w).
                w = 0.5 + torch.rand(shape, generator=gen)
            elif key.endswith(("linear_attn.A_log", "linear_attn.dt_bias", "linear_attn.conv1d.weight")):
                # Decays from fast to slow, and a convolution that mixes visibly.
                w = 0.7 * torch.randn(shape, generator=gen)
            elif key.endswith("norm.weight"):
                # Zero-centred norms (Qwen3-Next) scale by 1 + w: the same range of scales as the others' w.
                w = (-0.5 if zero_centred else 0.5) + torch.rand(shape, generator=gen)
            elif key.endswith("embed_tokens.weight") or key == "lm_head.weight":
                w = (0.8 / config.hidden_size ** 0.5) * torch.randn(shape, generator=gen)
            elif key.endswith(("mlp.gate.weight", "mlp.router.weight", "mlp.router.gate.weight", "mlp.shared_expert_gate.weight",
                               "feed_forward.router.weight")):
                # routers spread wide, so that the top-k is never a near-tie
                w = 0.5 * torch.randn(shape, generator=gen)
            elif key.endswith("self_attn.sinks"):  # sinks of the scores' size, so that they take a visible share
                w = torch.randn(shape, generator=gen)
            else:
                w = 0.08 * torch.randn(shape, generator=gen)
            tensors[key] = w.contiguous()
        self.weights = workdir / "model.safetensors"
        ref.safetensors_torch.save_file(tensors, str(self.weights), metadata={"format": "pt"})
        self.per_expert_weights = workdir / "per-expert.safetensors"
        if name in PER_EXPERT:
            split = per_expert(tensors, torch)
            if name.startswith("minimax"):
                split = released_minimax(split)
            if name.startswith("mimo"):  # the released checkpoints' name of the sinks
                split = {k.replace("self_attn.sinks", "self_attn.attention_sink_bias"): v for k, v in split.items()}
            ref.safetensors_torch.save_file(split, str(self.per_expert_weights), metadata={"format": "pt"})
        self.model = model_class.from_pretrained(workdir, dtype=torch.float32,
                                                            attn_implementation="eager")
        self.model.eval()

        self.spec = workdir / "imported.loom"
        result = subprocess.run([str(loom.binary), "import", str(workdir / "config.json"), "-o", str(self.spec)],
                                capture_output=True, text=True)
        assert result.returncode == 0, f"loom import failed:\n{result.stderr}"
        assert "warning" not in result.stderr, result.stderr
        # The same spec with the experts run token by token, and with latent attention never absorbed.
        self.ungrouped = workdir / "ungrouped.so"
        self.expanded = workdir / "expanded.so"
        for lib, flag in ((self.ungrouped, "--moe-grouped-matmul=false"), (self.expanded, "--absorb-mla=false")):
            result = subprocess.run([str(loom.binary), "compile", str(self.spec), flag, "-o", str(lib)],
                                    capture_output=True, text=True)
            assert result.returncode == 0, f"loom compile {flag} failed:\n{result.stderr}"
        self._loom = {}

    def tokens(self, n):
        return [int(i) for i in self.ref.np.random.default_rng(n).integers(0, self.vocab, size=n)]

    def hf_logits(self, tokens):
        torch = self.ref.torch
        with torch.no_grad():
            return self.model(input_ids=torch.tensor([tokens]), use_cache=False).logits[0].numpy()

    def loom_logits(self, tokens, decode_from=None, grouped=True, weights=None, absorbed=True):
        weights = weights or self.weights
        key = (len(tokens), decode_from, grouped, str(weights), absorbed)
        if key not in self._loom:
            out = self.dir / f"logits-{len(self._loom)}.f32"
            target = self.spec if grouped and absorbed else self.ungrouped if absorbed else self.expanded
            self._loom[key] = self.loom.logits(target, weights, tokens, out, self.vocab, decode_from)
        return self._loom[key]


@pytest.fixture(scope="module")
def moe_case(ref, loom, tmp_path_factory):
    cases = {}

    def get(name):
        if name not in cases:
            cases[name] = MoeCase(name, ref, loom, tmp_path_factory.mktemp(name))
        return cases[name]

    return get


def max_abs(a, b):
    assert a.shape == b.shape, f"shapes differ: {a.shape} vs {b.shape}"
    return float(abs(a.astype("float64") - b.astype("float64")).max())


@pytest.mark.parametrize("name", list(CONFIGS))
def test_imported_spec_states_the_experts(name, moe_case):
    text = moe_case(name).spec.read_text()
    for needle in SPEC_MUST_HAVE[name]:
        assert needle in text, f"{name}: the imported spec lacks '{needle}':\n{text}"


@pytest.mark.parametrize("grouped", [True, False], ids=["grouped", "token-by-token"])
@pytest.mark.parametrize("n_tokens", [7, 70])
@pytest.mark.parametrize("name", list(CONFIGS))
def test_logits_match_transformers(name, n_tokens, grouped, moe_case, record_diff):
    case = moe_case(name)
    tokens = case.tokens(n_tokens)
    expected = case.hf_logits(tokens)
    got = case.loom_logits(tokens, grouped=grouped)
    diff = max_abs(got, expected)
    how = "grouped" if grouped else "token-by-token"
    record_diff(f"{name} n={n_tokens} {how} experts vs transformers", diff, VS_TRANSFORMERS)
    assert diff <= VS_TRANSFORMERS, f"{name}, {n_tokens} tokens, {how}: max-abs {diff:.3e}\n{case.spec.read_text()}"


@pytest.mark.parametrize("name", PER_EXPERT)
def test_per_expert_checkpoint_loads_the_same_model(name, moe_case):
    case = moe_case(name)
    tokens = case.tokens(7)
    assert max_abs(case.loom_logits(tokens, weights=case.per_expert_weights), case.loom_logits(tokens)) == 0.0


@pytest.mark.parametrize("name", list(CONFIGS))
def test_grouped_matches_token_by_token(name, moe_case, record_diff):
    case = moe_case(name)
    tokens = case.tokens(70)
    diff = max_abs(case.loom_logits(tokens), case.loom_logits(tokens, grouped=False))
    record_diff(f"{name} n=70 grouped vs token-by-token experts", diff, SAME_MODEL)
    assert diff <= SAME_MODEL


@pytest.mark.parametrize("grouped", [True, False], ids=["grouped", "token-by-token"])
@pytest.mark.parametrize("name", list(CONFIGS))
def test_incremental_decode_matches_batched(name, grouped, moe_case, record_diff):
    case = moe_case(name)
    tokens = case.tokens(70)
    batched = case.loom_logits(tokens, grouped=grouped)
    incremental = case.loom_logits(tokens, decode_from=5, grouped=grouped)
    diff = max_abs(incremental, batched)
    how = "grouped" if grouped else "token-by-token"
    record_diff(f"{name} n=70 decode-from 5 vs batched ({how})", diff, SAME_MODEL)
    assert diff <= SAME_MODEL


@pytest.mark.parametrize("name", [n for n in CONFIGS if n.startswith(("deepseek", "mistral4"))])
def test_absorbed_matches_expanded(name, moe_case, record_diff):
    case = moe_case(name)
    tokens = case.tokens(70)
    for decode_from in (None, 5):
        diff = max_abs(case.loom_logits(tokens, decode_from=decode_from),
                       case.loom_logits(tokens, decode_from=decode_from, absorbed=False))
        record_diff(f"{name} n=70 decode-from {decode_from} absorbed vs expanded latent attention", diff, SAME_MODEL)
        assert diff <= SAME_MODEL
