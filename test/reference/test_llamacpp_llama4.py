"""Llama 4 GGUF files (llama.cpp's `llama4`): Loom's logits against llama.cpp's on tiny random-weight files.

gguf_models.py writes each file as convert_hf_to_gguf.py's Llama4Model lays it out: the Q/K rows as transformers has
them (Llama 4 rotates adjacent pairs, as ggml's "normal" RoPE does, so the converter does not permute them), the
experts' gate_up_proj taken apart into ffn_gate_exps and ffn_up_exps, the shared expert as *_shexp, the router F32,
every interleave_moe_layer_step-th layer sparse and the others dense of feed_forward_length (the config's
intermediate_size_mlp), and Scout's llama3 RoPE scaling as a rope_freqs.weight table.

What llama.cpp fixes in its code rather than reading from the file, and where that differs from transformers:
  - chunked attention: chunks of 8192 tokens on three layers in four, whatever attention_chunk_size was (8192 in
    Scout's and Maverick's configs); the file has no key for it. `loom import` writes `mask = chunked, window =
    8192` on the RoPE layers when the file's context is longer than a chunk (these files' 256 are not: no chunk
    boundary is crossed, here or in llama.cpp).
  - NoPE layers: every fourth (n_no_rope_layer_step 4), as transformers' default no_rope_layer_interval.
  - temperature tuning on the NoPE layers: attn_scale 0.1, floor_scale 8192 (transformers reads both, and
    attn_temperature_tuning, from the config); the same formula, 1 + 0.1 ln(1 + floor((p + 1) / 8192)), which first
    departs from 1 at position 8191, so `loom import` writes it only for files whose context reaches it.
  - the weightless QK-norm after RoPE: llama.cpp applies it unless the model has 128 experts (Maverick, whose
    config says use_qk_norm false), not by use_qk_norm.
  - a file with llama4.attention.sliding_window (the converter writes 0 for MobileLLM-R1, whose layers all attend
    fully) switches the chunks off in llama.cpp and keeps RoPE off the last layer only; `loom import` refuses it.
Chunk boundaries and the temperature are thus not compared with llama.cpp here: that needs more than 8192 tokens
(about 90 s for both sides on 2 cores, too long for this suite). Done once by hand (a file like llama4-scout-f32
below but without RoPE scaling, of context 16384, 8250 tokens): max-abs 4.1e-6 over every position, 1.0e-6 at
positions 8190 to 8192, while the same spec without the chunks and the temperature departs by 1.1e-2 at position
8191 (temperature) and by 3.5 from 8192 on (chunks). The transformers comparison (test_transformers_moe.py) runs
both with small chunks and floors.

Routing: the top experts by sigmoid score (llama.cpp; transformers takes the top router logits, the same experts),
each one's score scaling its input; no renormalisation, plus the shared expert.

Tolerances against llama.cpp (max-abs over every position), as for the other MoE files, observed:
  F32   1e-4  float32 on both sides, summation orders differ (observed 9.5e-7 to 1.8e-6).
  Q8_0  1e-3  for 24 tokens: activations quantized as ggml quantizes them, products in ggml's order (observed 0.0).
Loom against itself (1e-5): incremental decode against one batched pass over 80 tokens (observed 1.7e-6).
"""
import dataclasses
import subprocess

import pytest

from gguf_models import GgufConfig, write_gguf
from test_llamacpp_logits import tokens_for
from test_llamacpp_moe import assert_matches_llamacpp, max_abs, moe_file, reference  # noqa: F401 (fixtures)

SAME_MODEL = 1e-5
VS_LLAMACPP = {"F32": 1e-4, "Q8_0": 1e-3}


def _llama4(name, dtype, seed, **overrides):
    values = dict(n_layers=4, heads=4, kv_heads=2, head_dim=16, hidden=80, experts=4, experts_used=1,
                  expert_hidden=48, moe_step=1, theta=5e5, eps=1e-5, tied=False,
                  llama3_scaling=(16.0, 1.0, 1.0, 64))
    values.update(overrides)
    return GgufConfig(name=name, arch="llama4", dtype=dtype, seed=seed, **values)


# Scout's structure (every layer sparse, llama3 scaling with its band factors of 1, QK-norm on the RoPE layers);
# Maverick's (128 experts: no QK-norm in llama.cpp, sparse layers every second one with dense ones between, plain
# RoPE), here with the top 2; Scout's in Q8_0 (rows of whole 32-value blocks).
CONFIGS = [
    (_llama4("llama4-scout-f32", "F32", 91), [24, 80]),
    (_llama4("llama4-maverick-f32", "F32", 92, experts=128, experts_used=2, expert_hidden=16, hidden=72, moe_step=2,
             llama3_scaling=None, tied=True), [24]),
    (_llama4("llama4-scout-q8_0", "Q8_0", 93, expert_hidden=64), [24]),
]
CASES = [(cfg, n) for cfg, lengths in CONFIGS for n in lengths]
BY_NAME = {cfg.name: cfg for cfg, _ in CONFIGS}

SPEC_HAS = {
    "llama4-scout-f32": ["qk_norm = RMSNorm(eps = eps, weight = false), qk_norm_after_rope = true,\n",
                         "style = interleaved, scaling = llama3(factor = 16, low_freq_factor = 1, "
                         "high_freq_factor = 1",
                         "nope_attention = GQA(heads = 4, kv_heads = 2, head_dim = 16,\n",
                         "ffn = MoE(experts = 4, top_k = 1, hidden = 48,\n",
                         "routing = topk_sigmoid, normalize = false, shared_hidden = 48, weight_input = true)",
                         "layers 3 { attention = nope_attention }"],
    "llama4-maverick-f32": ["rope = RoPE(theta = 500000, style = interleaved))",
                            "ffn = MoE(experts = 128, top_k = 2, hidden = 16,\n",
                            "shared_hidden = 16, weight_input = true)", "dense_ffn = SwiGLU(hidden = 72)",
                            "layers 3 { attention = nope_attention }",
                            "layers where (i + 1) % 2 != 0 { ffn = dense_ffn }"],
}


@pytest.mark.parametrize("name", list(SPEC_HAS))
def test_file_and_imported_spec(name, moe_file, reference):
    """The file holds the converter's names, and `loom import` writes what llama.cpp's loader makes of it."""
    np, gguf, _ = reference
    cfg = BY_NAME[name]
    case = moe_file(cfg)
    tensors = {t.name: t for t in gguf.GGUFReader(str(case.path)).tensors}
    d, e, h, sparse = cfg.d_model, cfg.experts, cfg.expert_hidden, cfg.moe_step - 1
    expected = {f"blk.{sparse}.ffn_gate_inp.weight": ("F32", [d, e]),
                f"blk.{sparse}.ffn_gate_exps.weight": (cfg.dtype, [d, h, e]),
                f"blk.{sparse}.ffn_down_shexp.weight": (cfg.dtype, [h, d])}
    for tensor, (dtype, shape) in expected.items():
        t = tensors[tensor]
        assert (t.tensor_type.name, [int(n) for n in t.shape]) == (dtype, shape), tensor
    text = case.spec.read_text()
    for needle in SPEC_HAS[name]:
        assert needle in text, f"the imported spec lacks '{needle}':\n{text}"
    # No chunks and no temperature tuning within a context of 256; no QK-norm with 128 experts.
    for absent in ["chunked", "temperature"] + (["qk_norm"] if e == 128 else []):
        assert absent not in text, f"the imported spec has '{absent}':\n{text}"


def test_long_context_spec(reference, loom, tmp_path):
    """A context past 8192 tokens gets llama.cpp's chunks and temperature tuning."""
    np, gguf, _ = reference
    cfg = dataclasses.replace(BY_NAME["llama4-maverick-f32"], name="llama4-long", context=16384)
    path = tmp_path / "long.gguf"
    write_gguf(cfg, path, np, gguf)
    result = subprocess.run([str(loom.binary), "import", str(path), "-o", "-"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for needle in ["mask = chunked, window = 8192,\n", "temperature_scale = 0.1, temperature_floor = 8192,\n"]:
        assert needle in result.stdout, f"the imported spec lacks '{needle}':\n{result.stdout}"


def test_missing_key_is_named(reference, loom, tmp_path):
    np, gguf, _ = reference
    cfg = dataclasses.replace(BY_NAME["llama4-maverick-f32"], name="llama4-bad",
                              drop=("llama4.interleave_moe_layer_step",))
    path = tmp_path / "bad.gguf"
    write_gguf(cfg, path, np, gguf)
    result = loom.run(None, path, [1, 2, 3], tmp_path / "x.f32")
    assert result.returncode != 0
    assert "metadata key 'llama4.interleave_moe_layer_step' is missing" in result.stderr, result.stderr


@pytest.mark.parametrize("cfg, n_tokens", CASES, ids=[f"{c.name}-{n}" for c, n in CASES])
def test_logits_match_llamacpp(cfg, n_tokens, moe_file, reference, record_diff):
    np = reference[0]
    case = moe_file(cfg)
    tokens = tokens_for(cfg, n_tokens, np)
    expected = case.llama.logits(tokens)
    got = case.loom_logits(tokens, f"logits-{n_tokens}.f32")
    tolerance = VS_LLAMACPP[cfg.dtype]
    record_diff(f"{cfg.name} n={n_tokens} vs llama.cpp", max_abs(np, got, expected), tolerance)
    assert_matches_llamacpp(np, got, expected, cfg, f"{n_tokens} tokens", tolerance)


def test_incremental_decode_matches_batched(moe_file, reference, record_diff):
    np = reference[0]
    cfg = BY_NAME["llama4-scout-f32"]
    case = moe_file(cfg)
    tokens = tokens_for(cfg, 80, np)
    batched = case.loom_logits(tokens, "batched.f32")
    incremental = case.loom_logits(tokens, "incremental.f32", decode_from=7)
    diff = max_abs(np, incremental, batched)
    record_diff(f"{cfg.name} n=80 decode-from 7 vs batched", diff, SAME_MODEL)
    assert diff <= SAME_MODEL, f"{cfg.name}: incremental vs batched max-abs {diff:.3e}"
