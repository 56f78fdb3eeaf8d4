"""gpt-oss GGUF files (llama.cpp's `gpt-oss`): Loom's logits against llama.cpp's on tiny random-weight files.

gguf_models.py writes each file as llama.cpp's gpt-oss converter lays it out: attention with biases and a sink
logit per head (attn_sinks), the pre-FFN norm named post_attention_norm, the router with its bias, and the experts
with gate and up already taken apart (ffn_gate_exps, ffn_up_exps, [out, in] per expert) and F32 biases. The
converter writes the experts in MXFP4, which Loom does not read: these files hold them in the file's type
(llama.cpp runs any), and one MXFP4 file checks the refusal. A sliding window of 8 on the even layers (llama.cpp's
fixed pattern), the clamped SwiGLU with llama.cpp's constants (alpha 1.702, limit 7; gate and up weights wide
enough that the clamp bites), top-4 of 8 experts weighted by a softmax over their logits.

Tolerances against llama.cpp (max-abs over every position, logits in about [-3.5, 3.5]), observed:
  F32   1e-4  float32 on both sides (observed 3.0e-6 to 7.6e-6, YaRN included).
  Q8_0  1e-3 for 24 tokens: activations quantized as ggml quantizes them, products in ggml's order (observed 0.0).
        1e-1 for 80: the attention sums (F32, other orders) differ in their last bits, which now and then move an
        activation code of the next Q8_0 product: at positions 14 and 16 (in the FFN, 2.1e-2) and at 30, where
        it enters a full-attention layer's cache and stays (observed 7.3e-2; every position before 14 is 0.0).
Loom against itself (2e-5): incremental decode against one batched pass (observed up to 1.1e-5, with YaRN). The
batched pass runs the experts as grouped products, a GEMM over each expert's rows, and a decode step one row per
expert, which sum in other orders; the gate and up weights wide enough for the clamp make those last bits larger
(8.5e-6 with the experts token by token, 3.6e-6 between the two forms of the batched pass).
"""
import json
import subprocess

import pytest

from gguf_models import GgufConfig, write_gguf
from test_llamacpp_logits import tokens_for
from test_llamacpp_moe import max_abs, moe_file, reference, spec_body  # noqa: F401 (fixtures)

SAME_MODEL = 2e-5
VS_LLAMACPP = {("F32", 24): 1e-4, ("F32", 80): 1e-4, ("Q8_0", 24): 1e-3, ("Q8_0", 80): 1e-1}
YARN = (("type", "yarn"), ("factor", 4.0), ("original_context_length", 32), ("yarn_beta_fast", 32.0),
        ("yarn_beta_slow", 1.0))


def _gpt_oss(name, dtype, seed, **overrides):
    values = dict(n_layers=3, heads=4, kv_heads=2, head_dim=16, experts=8, experts_used=4, expert_hidden=32,
                  hidden=32, theta=150000.0, eps=1e-5, tied=False, sliding_window=8)
    values.update(overrides)
    return GgufConfig(name=name, arch="gpt-oss", dtype=dtype, seed=seed, **values)


CONFIGS = [
    _gpt_oss("gpt-oss-f32", "F32", 71),
    # YaRN as the released models have it (factor 32 there), past its original context of 32 here.
    _gpt_oss("gpt-oss-f32-yarn", "F32", 72, rope_scaling_keys=YARN),
    _gpt_oss("gpt-oss-q8_0", "Q8_0", 73),
]
BY_NAME = {c.name: c for c in CONFIGS}
SEQ_LENS = [24, 80]


def _config_json(cfg):
    """The transformers config.json the file would have been converted from (no RoPE scaling)."""
    return {
        "model_type": "gpt_oss", "architectures": ["GptOssForCausalLM"], "vocab_size": cfg.vocab,
        "hidden_size": cfg.d_model, "intermediate_size": cfg.expert_hidden, "num_hidden_layers": cfg.n_layers,
        "num_attention_heads": cfg.heads, "num_key_value_heads": cfg.kv_heads, "head_dim": cfg.head_dim,
        "num_local_experts": cfg.experts, "num_experts_per_tok": cfg.experts_used,
        "experts_per_token": cfg.experts_used, "max_position_embeddings": cfg.context, "rms_norm_eps": cfg.eps,
        "rope_theta": cfg.theta, "sliding_window": cfg.sliding_window, "tie_word_embeddings": cfg.tied,
        "attention_bias": True, "swiglu_limit": 7.0, "hidden_act": "silu",
        "layer_types": ["sliding_attention" if i % 2 == 0 else "full_attention" for i in range(cfg.n_layers)],
    }


def test_file_and_imported_spec(moe_file, reference, loom, tmp_path):
    """The file holds the converter's names, and `loom import` of it writes the spec `loom import` writes from the
    config.json (up to the name)."""
    np, gguf, _ = reference
    cfg = BY_NAME["gpt-oss-q8_0"]
    case = moe_file(cfg)
    tensors = {t.name: t for t in gguf.GGUFReader(str(case.path)).tensors}
    d, e, h = cfg.d_model, cfg.experts, cfg.expert_hidden
    expected = {"attn_sinks.weight": ("F32", [cfg.heads]), "post_attention_norm.weight": ("F32", [d]),
                "ffn_gate_inp.bias": ("F32", [e]), "ffn_gate_exps.weight": (cfg.dtype, [d, h, e]),
                "ffn_gate_exps.bias": ("F32", [h, e]), "ffn_down_exps.weight": (cfg.dtype, [h, d, e])}
    for role, (dtype, shape) in expected.items():
        t = tensors[f"blk.0.{role}"]
        assert (t.tensor_type.name, [int(n) for n in t.shape]) == (dtype, shape), role
    config = tmp_path / "config.json"
    config.write_text(json.dumps(_config_json(cfg)))
    from_config = tmp_path / "from-config.loom"
    result = subprocess.run([str(loom.binary), "import", str(config), "-o", str(from_config)], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert spec_body(case.spec.read_text()) == spec_body(from_config.read_text())


def test_mxfp4_experts_are_refused(reference, loom, tmp_path):
    """llama.cpp's converter writes the experts in MXFP4: both import and loading name the tensor and the type."""
    np, gguf, _ = reference
    cfg = _gpt_oss("gpt-oss-mxfp4", "Q8_0", 74, expert_dtype="MXFP4")
    path = tmp_path / "gpt-oss-mxfp4.gguf"
    write_gguf(cfg, path, np, gguf)
    imported = subprocess.run([str(loom.binary), "import", str(path), "-o", str(tmp_path / "x.loom")],
                              capture_output=True, text=True)
    logits = loom.run(None, path, [1, 2, 3], tmp_path / "x.f32")
    for result in (imported, logits):
        assert result.returncode != 0
        assert "'blk.0.ffn_gate_exps.weight' has type MXFP4" in result.stderr, result.stderr


@pytest.mark.parametrize("n_tokens", SEQ_LENS)
@pytest.mark.parametrize("cfg", CONFIGS, ids=[c.name for c in CONFIGS])
def test_logits_match_llamacpp(cfg, n_tokens, moe_file, reference, record_diff):
    np = reference[0]
    case = moe_file(cfg)
    tokens = tokens_for(cfg, n_tokens, np)
    expected = case.llama.logits(tokens)
    got = case.loom_logits(tokens, f"logits-{n_tokens}.f32")
    diff = max_abs(np, got, expected)
    tolerance = VS_LLAMACPP[(cfg.dtype, n_tokens)]
    record_diff(f"{cfg.name} n={n_tokens} vs llama.cpp", diff, tolerance)
    assert diff <= tolerance, (f"{cfg.name}, {n_tokens} tokens: Loom vs llama.cpp max-abs {diff:.3e} > "
                               f"{tolerance:.0e} (logits range [{expected.min():.2f}, {expected.max():.2f}])")
    top2 = np.sort(expected, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > tolerance
    differs = (got.argmax(axis=1) != expected.argmax(axis=1)) & clear
    assert not differs.any(), f"{cfg.name}: top-1 differs at positions {np.flatnonzero(differs).tolist()}"


@pytest.mark.parametrize("cfg", CONFIGS, ids=[c.name for c in CONFIGS])
def test_incremental_decode_matches_batched(cfg, moe_file, reference, record_diff):
    np = reference[0]
    case = moe_file(cfg)
    tokens = tokens_for(cfg, 80, np)
    batched = case.loom_logits(tokens, "batched.f32")
    incremental = case.loom_logits(tokens, "incremental.f32", decode_from=7)
    diff = max_abs(np, incremental, batched)
    record_diff(f"{cfg.name} n=80 decode-from 7 vs batched", diff, SAME_MODEL)
    assert diff <= SAME_MODEL, f"{cfg.name}: incremental vs batched max-abs {diff:.3e}"
