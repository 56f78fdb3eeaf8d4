"""GLM-4.5 GGUF files (llama.cpp's `glm4moe`): Loom's logits against llama.cpp's on tiny random-weight files.

gguf_models.py writes each file as convert_hf_to_gguf.py's Glm4MoeModel lays it out: q, k and v with F32 biases
(none on the output projection), a per-head QK-norm (GLM-4.5; the Air has none), RoPE on the first half of each head
(rope.dimension_count = head_dim / 2) with the rows as transformers has them (llama.cpp's NeoX RoPE over the first
n_rot values pairs i with i + n_rot / 2, transformers' rotate_half on the rotary part: the same pairing, nothing to
reconcile), the pre-FFN norm named post_attention_norm, leading dense layers, then DeepSeek V3's routing (sigmoid
scores plus the exp_probs_b selection bias choose, the chosen scores renormalised when expert_weights_norm and
scaled by expert_weights_scale) and always-on shared experts. Each file ends with a multi-token-prediction layer
(nextn_predict_layers 1, counted in block_count, with its nextn.* tensors), which llama.cpp loads and skips: `loom
import` writes one layer fewer and the loader ignores that layer's tensors. Routers are spread wide (stddev 0.5),
so that no two experts come near a tie at the k-th place.

Where llama.cpp and transformers differ: llama.cpp's glm4moe reads no expert groups (n_group / topk_group; GLM-4.5
and the Air have one group, and the converter writes none), so a file's routing is never group-limited, and llama.cpp
decides the QK-norm by the presence of attn_q_norm rather than by use_qk_norm. Otherwise the spec `loom import`
writes from such a file is the one it writes from the config.json it was converted from (checked below).

Tolerances against llama.cpp (max-abs over every position), as for the other MoE files, observed:
  F32   1e-4  float32 on both sides, summation orders differ (observed 8.9e-7 to 1.2e-6).
  Q8_0  1e-3  for 24 tokens: activations quantized as ggml quantizes them, products in ggml's order (observed 0.0).
Loom against itself (1e-5): incremental decode against one batched pass over 80 tokens (observed 7.7e-7).
"""
import dataclasses
import json
import subprocess

import pytest

from gguf_models import GgufConfig, write_gguf
from test_llamacpp_logits import tokens_for
from test_llamacpp_moe import max_abs, moe_file, reference, spec_body  # noqa: F401 (fixtures)

SAME_MODEL = 1e-5
VS_LLAMACPP = {"F32": 1e-4, "Q8_0": 1e-3}


def _glm(name, dtype, seed, **overrides):
    values = dict(n_layers=3, nextn_layers=1, heads=4, kv_heads=2, head_dim=16, hidden=128, experts=8,
                  experts_used=2, expert_hidden=32, dense_layers=1, shared_experts=1, routed_scale=2.5,
                  qk_norm=True, rope_fraction=0.5, theta=1e6, eps=1e-5, tied=False)
    values.update(overrides)
    return GgufConfig(name=name, arch="glm4moe", dtype=dtype, seed=seed, **values)


# GLM-4.5's structure; the Air's (no QK-norm, no scaling), here also unnormalised weights, top-3, two dense layers
# and two shared experts; and GLM-4.5's in Q8_0.
CONFIGS = [
    (_glm("glm4moe-f32", "F32", 81), [24, 80]),
    (_glm("glm4moe-air-f32", "F32", 82, n_layers=4, qk_norm=False, routed_scale=1.0, expert_weights_norm=False,
          experts_used=3, expert_hidden=24, dense_layers=2, shared_experts=2, tied=True), [24]),
    (_glm("glm4moe-q8_0", "Q8_0", 83), [24]),
]
CASES = [(cfg, n) for cfg, lengths in CONFIGS for n in lengths]
BY_NAME = {cfg.name: cfg for cfg, _ in CONFIGS}


def _config_json(cfg):
    """The transformers config.json the file would have been converted from."""
    return {
        "model_type": "glm4_moe", "architectures": ["Glm4MoeForCausalLM"], "vocab_size": cfg.vocab,
        "hidden_size": cfg.d_model, "intermediate_size": cfg.hidden, "num_hidden_layers": cfg.n_layers,
        "num_attention_heads": cfg.heads, "num_key_value_heads": cfg.kv_heads, "head_dim": cfg.head_dim,
        "n_routed_experts": cfg.experts, "num_experts_per_tok": cfg.experts_used,
        "moe_intermediate_size": cfg.expert_hidden, "n_shared_experts": cfg.shared_experts,
        "routed_scaling_factor": cfg.routed_scale, "first_k_dense_replace": cfg.dense_layers,
        "norm_topk_prob": cfg.expert_weights_norm, "use_qk_norm": cfg.qk_norm, "attention_bias": True,
        "partial_rotary_factor": cfg.rope_fraction, "max_position_embeddings": cfg.context, "rms_norm_eps": cfg.eps,
        "rope_theta": cfg.theta, "tie_word_embeddings": cfg.tied, "num_nextn_predict_layers": cfg.nextn_layers,
        "n_group": 1, "topk_group": 1, "hidden_act": "silu",
    }


@pytest.mark.parametrize("name", ["glm4moe-f32", "glm4moe-air-f32"])
def test_file_and_imported_spec(name, moe_file, reference, loom, tmp_path):
    """The file holds the converter's names (the multi-token-prediction layer included), and `loom import` of it
    writes the spec `loom import` writes from the config.json (up to the name)."""
    np, gguf, _ = reference
    cfg = BY_NAME[name]
    case = moe_file(cfg)
    tensors = {t.name: t for t in gguf.GGUFReader(str(case.path)).tensors}
    d, e, last = cfg.d_model, cfg.experts, cfg.n_layers
    sparse = cfg.dense_layers
    expected = {"blk.0.post_attention_norm.weight": ("F32", [d]),
                "blk.0.attn_q.bias": ("F32", [cfg.heads * cfg.head_dim]),
                f"blk.{sparse}.exp_probs_b.bias": ("F32", [e]), f"blk.{sparse}.ffn_gate_inp.weight": ("F32", [d, e]),
                f"blk.{sparse}.ffn_down_exps.weight": (cfg.dtype, [cfg.expert_hidden, d, e]),
                f"blk.{last}.nextn.eh_proj.weight": (cfg.dtype, [2 * d, d])}
    for tensor, (dtype, shape) in expected.items():
        t = tensors[tensor]
        assert (t.tensor_type.name, [int(n) for n in t.shape]) == (dtype, shape), tensor
    assert ("blk.0.attn_q_norm.weight" in tensors) == cfg.qk_norm
    config = tmp_path / "config.json"
    config.write_text(json.dumps(_config_json(cfg)))
    from_config = tmp_path / "from-config.loom"
    result = subprocess.run([str(loom.binary), "import", str(config), "-o", str(from_config)], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    text = case.spec.read_text()
    assert f"n_layers = {cfg.n_layers}\n" in text, text
    assert spec_body(text) == spec_body(from_config.read_text())


@pytest.mark.parametrize("drop, message", [
    ("glm4moe.expert_feed_forward_length", "metadata key 'glm4moe.expert_feed_forward_length' is missing"),
    ("blk.2.exp_probs_b.bias", "missing tensor 'layers.2.ffn.router.selection_bias' (GGUF 'blk.2.exp_probs_b.bias'"),
])
def test_missing_key_or_tensor_is_named(drop, message, reference, loom, tmp_path):
    np, gguf, _ = reference
    cfg = dataclasses.replace(BY_NAME["glm4moe-f32"], name="glm4moe-bad", drop=(drop,))
    path = tmp_path / "bad.gguf"
    write_gguf(cfg, path, np, gguf)
    result = loom.run(None, path, [1, 2, 3], tmp_path / "x.f32")
    assert result.returncode != 0
    assert message in result.stderr, result.stderr


@pytest.mark.parametrize("cfg, n_tokens", CASES, ids=[f"{c.name}-{n}" for c, n in CASES])
def test_logits_match_llamacpp(cfg, n_tokens, moe_file, reference, record_diff):
    np = reference[0]
    case = moe_file(cfg)
    tokens = tokens_for(cfg, n_tokens, np)
    expected = case.llama.logits(tokens)
    got = case.loom_logits(tokens, f"logits-{n_tokens}.f32")
    diff = max_abs(np, got, expected)
    tolerance = VS_LLAMACPP[cfg.dtype]
    record_diff(f"{cfg.name} n={n_tokens} vs llama.cpp", diff, tolerance)
    assert diff <= tolerance, (f"{cfg.name}, {n_tokens} tokens: Loom vs llama.cpp max-abs {diff:.3e} > "
                               f"{tolerance:.0e} (logits range [{expected.min():.2f}, {expected.max():.2f}])")
    top2 = np.sort(expected, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > tolerance
    differs = (got.argmax(axis=1) != expected.argmax(axis=1)) & clear
    assert not differs.any(), f"{cfg.name}: top-1 differs at positions {np.flatnonzero(differs).tolist()}"


def test_incremental_decode_matches_batched(moe_file, reference, record_diff):
    np = reference[0]
    cfg = BY_NAME["glm4moe-f32"]
    case = moe_file(cfg)
    tokens = tokens_for(cfg, 80, np)
    batched = case.loom_logits(tokens, "batched.f32")
    incremental = case.loom_logits(tokens, "incremental.f32", decode_from=7)
    diff = max_abs(np, incremental, batched)
    record_diff(f"{cfg.name} n=80 decode-from 7 vs batched", diff, SAME_MODEL)
    assert diff <= SAME_MODEL, f"{cfg.name}: incremental vs batched max-abs {diff:.3e}"
