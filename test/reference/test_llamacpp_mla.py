"""DeepSeek V3 GGUF files (llama.cpp's `deepseek2`): Loom's logits against llama.cpp's on tiny random-weight files.

gguf_models.py writes each file as convert_hf_to_gguf.py's DeepseekV2Model would: latent attention with kv_b split
into attn_k_b (each head's key half, transposed) and attn_v_b, the latent row's lengths in key_length /
value_length and the per-head ones in the _mla keys, head_count_kv 1, RoPE rows as transformers has them (llama.cpp
rotates adjacent pairs, the "normal" RoPE); one leading dense layer, then sigmoid-routed experts with a selection
bias (exp_probs_b), 4 groups of which 2 are kept, one shared expert, weights normalised and scaled by 2.5. One file
has the older single attn_kv_b, one YaRN with mscale_all_dim (the converter's yarn_log_multiplier, 0.1 times it).
Loom runs each file with no spec (`loom logits --weights FILE.gguf`): `loom import` reads the metadata, the loader
puts kv_b back together.

llama.cpp runs the absorbed form (q_nope times W_UK, attention over the latent rows, W_UV after; the non-absorbed
one for the attn_kv_b file), Loom the expanded one for prompts and the absorbed one for decode steps: the same
sums in other orders. Tolerances against llama.cpp (max-abs over every position, logits in about [-3, 3]):
  F32   1e-4  float32 on both sides (observed 1.0e-6 to 3.2e-6, YaRN and the attn_kv_b file included).
  F16   1e-2  ggml rounds activations to F16 before each F16 product (observed 1.9e-3 and 3.9e-3), as in the
              dense files.
  Q8_0 with F32 latent halves  1e-3 for 24 tokens: every other product quantizes its activations as ggml does
              (observed 0.0); 1e-1 for 80, where last-bit differences of the F32 attention sums now and then move
              an activation code of the next Q8_0 product and the cache keeps it (observed 5.5e-2), as in
              test_llamacpp_gpt_oss.py.
  Q8_0 as the converter writes it (attn_k_b and attn_v_b Q8_0)  1.5e-1, 24 tokens only: ggml quantizes q_nope
              and the attention output to Q8_0 before its two products with the halves; Loom reassembles kv_b as
              F32 (transposing k_b moves elements across quantization blocks) and multiplies them unquantized, a
              relative error of about 2^-8 in both, which reaches 4e-2 to 7e-2 of every logit (observed 6.9e-2).
              With 80 tokens it flips an expert choice (0.63 at one position), so that run is not compared. What
              Loom computes from such a file is checked exactly instead: the same model with the halves stored as
              F32 holding the Q8_0 values gives the same logits (observed 0.0).
Loom against itself (1e-5): incremental decode (the absorbed form) against one batched pass (the expanded one).
"""
import json
import subprocess

import pytest

from gguf_models import GgufConfig, write_gguf
from test_llamacpp_logits import tokens_for
from test_llamacpp_moe import max_abs, moe_file, reference, spec_body  # noqa: F401 (fixtures)

SAME_MODEL = 1e-5
VS_LLAMACPP = {("F32", 24): 1e-4, ("F32", 80): 1e-4, ("F16", 24): 1e-2, ("F16", 80): 1e-2, ("Q8_0", 24): 1e-3,
               ("Q8_0", 80): 1e-1}
# The converter's Q8_0 file: Loom multiplies the latent halves' activations unquantized (see above).
VS_LLAMACPP_BY_NAME = {"deepseek2-q8_0": 1.5e-1}
YARN = (("type", "yarn"), ("factor", 4.0), ("original_context_length", 32), ("yarn_beta_fast", 32.0),
        ("yarn_beta_slow", 1.0))


def _deepseek(name, dtype, seed, **overrides):
    values = dict(n_layers=3, experts=8, experts_used=2, expert_hidden=32, eps=1e-6, tied=False)
    values.update(overrides)
    return GgufConfig(name=name, arch="deepseek2", dtype=dtype, seed=seed, **values)


CONFIGS = [
    _deepseek("deepseek2-f32", "F32", 61),
    # YaRN past its original context of 32 (80 tokens), with DeepSeek's mscale_all_dim in the softmax scale.
    _deepseek("deepseek2-f32-yarn", "F32", 62, rope_scaling_keys=YARN, mscale_all_dim=1.0),
    # The older layout: one attn_kv_b (llama.cpp then runs the non-absorbed form).
    _deepseek("deepseek2-f32-kv-b", "F32", 63, split_kv_b=False),
    _deepseek("deepseek2-f16", "F16", 64),
    # Every product but the latent halves' quantized, as in the converter's file below.
    _deepseek("deepseek2-q8_0-f32-latent", "Q8_0", 66, latent_dtype="F32"),
    _deepseek("deepseek2-q8_0", "Q8_0", 65),
]
# The converter's Q8_0 file, its latent halves widened to the F32 values of their Q8_0 blocks (same seed).
DEQUANTIZED_LATENT = _deepseek("deepseek2-q8_0-dequantized", "Q8_0", 65, latent_dtype="Q8_0>F32")
BY_NAME = {c.name: c for c in CONFIGS}
SEQ_LENS = [24, 80]  # 80: more than one of Loom's 64-token forward chunks
SELF_CHECKED = ["deepseek2-f32", "deepseek2-f32-yarn", "deepseek2-q8_0"]
# (config, tokens) runs not compared with llama.cpp: an expert choice flips (see above).
UNCOMPARED = {("deepseek2-q8_0", 80)}


def _config_json(cfg):
    """The transformers config.json the file would have been converted from."""
    config = {
        "model_type": "deepseek_v3", "architectures": ["DeepseekV3ForCausalLM"], "vocab_size": cfg.vocab,
        "hidden_size": cfg.d_model, "intermediate_size": cfg.hidden, "moe_intermediate_size": cfg.expert_hidden,
        "num_hidden_layers": cfg.n_layers, "num_attention_heads": cfg.heads, "num_key_value_heads": cfg.heads,
        "n_shared_experts": cfg.shared_experts, "n_routed_experts": cfg.experts,
        "routed_scaling_factor": cfg.routed_scale, "kv_lora_rank": cfg.kv_lora_rank,
        "q_lora_rank": cfg.q_lora_rank or None, "qk_rope_head_dim": cfg.rope_dim, "v_head_dim": cfg.value_dim,
        "qk_nope_head_dim": cfg.nope_dim, "n_group": cfg.expert_groups, "topk_group": cfg.expert_groups_used,
        "num_experts_per_tok": cfg.experts_used, "first_k_dense_replace": cfg.dense_layers, "norm_topk_prob": True,
        "hidden_act": "silu", "max_position_embeddings": cfg.context, "rms_norm_eps": cfg.eps,
        "tie_word_embeddings": cfg.tied, "rope_theta": cfg.theta, "rope_interleave": True,
        "attention_bias": False, "scoring_func": "sigmoid", "topk_method": "noaux_tc",
    }
    keys = dict(cfg.rope_scaling_keys)
    if keys:
        config["rope_scaling"] = {"type": "yarn", "factor": keys["factor"],
                                  "original_max_position_embeddings": keys["original_context_length"],
                                  "beta_fast": keys["yarn_beta_fast"], "beta_slow": keys["yarn_beta_slow"],
                                  "mscale": cfg.mscale_all_dim, "mscale_all_dim": cfg.mscale_all_dim}
    return config


@pytest.mark.parametrize("cfg", [BY_NAME["deepseek2-q8_0"], BY_NAME["deepseek2-f32-yarn"]],
                         ids=["deepseek2-q8_0", "deepseek2-f32-yarn"])
def test_file_and_imported_spec(cfg, moe_file, reference, loom, tmp_path):
    """The file holds the converter's layout, and `loom import` of it writes the spec `loom import` writes from
    the config.json it came from (up to the name: GGUF's general.name, the config's architectures)."""
    np, gguf, _ = reference
    case = moe_file(cfg)
    tensors = {t.name: t for t in gguf.GGUFReader(str(case.path)).tensors}
    h, rank, nope, value = cfg.heads, cfg.kv_lora_rank, cfg.nope_dim, cfg.value_dim
    expected = {"blk.0.attn_k_b.weight": (cfg.dtype, [nope, rank, h]),
                "blk.0.attn_v_b.weight": (cfg.dtype, [rank, value, h]),
                "blk.0.attn_kv_a_mqa.weight": (cfg.dtype, [cfg.d_model, rank + cfg.rope_dim]),
                "blk.1.ffn_gate_inp.weight": ("F32", [cfg.d_model, cfg.experts]),
                "blk.1.exp_probs_b.bias": ("F32", [cfg.experts])}
    for name, (dtype, shape) in expected.items():
        t = tensors[name]
        assert (t.tensor_type.name, [int(n) for n in t.shape]) == (dtype, shape), name
    config = tmp_path / "config.json"
    config.write_text(json.dumps(_config_json(cfg)))
    from_config = tmp_path / "from-config.loom"
    result = subprocess.run([str(loom.binary), "import", str(config), "-o", str(from_config)], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert spec_body(case.spec.read_text()) == spec_body(from_config.read_text())


def test_old_kv_b_layout_imports_alike(moe_file, tmp_path):
    """An attn_kv_b file (per-head widths in key_length / value_length) gives the spec of a split one."""
    split, whole = moe_file(BY_NAME["deepseek2-f32"]), moe_file(BY_NAME["deepseek2-f32-kv-b"])
    assert spec_body(split.spec.read_text()) == spec_body(whole.spec.read_text())


@pytest.mark.parametrize("n_tokens", SEQ_LENS)
@pytest.mark.parametrize("cfg", CONFIGS, ids=[c.name for c in CONFIGS])
def test_logits_match_llamacpp(cfg, n_tokens, moe_file, reference, record_diff):
    if (cfg.name, n_tokens) in UNCOMPARED:
        pytest.skip("an expert choice flips between Loom's unquantized and ggml's Q8_0 latent products")
    np = reference[0]
    case = moe_file(cfg)
    tokens = tokens_for(cfg, n_tokens, np)
    expected = case.llama.logits(tokens)
    got = case.loom_logits(tokens, f"logits-{n_tokens}.f32")
    diff = max_abs(np, got, expected)
    tolerance = VS_LLAMACPP_BY_NAME.get(cfg.name, VS_LLAMACPP[(cfg.dtype, n_tokens)])
    record_diff(f"{cfg.name} n={n_tokens} vs llama.cpp", diff, tolerance)
    assert diff <= tolerance, (f"{cfg.name}, {n_tokens} tokens: Loom vs llama.cpp max-abs {diff:.3e} > "
                               f"{tolerance:.0e} (logits range [{expected.min():.2f}, {expected.max():.2f}])")
    top2 = np.sort(expected, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > tolerance
    differs = (got.argmax(axis=1) != expected.argmax(axis=1)) & clear
    assert not differs.any(), f"{cfg.name}: top-1 differs at positions {np.flatnonzero(differs).tolist()}"


@pytest.mark.parametrize("cfg", [BY_NAME[n] for n in SELF_CHECKED], ids=SELF_CHECKED)
def test_incremental_decode_matches_batched(cfg, moe_file, reference, record_diff):
    np = reference[0]
    case = moe_file(cfg)
    tokens = tokens_for(cfg, 80, np)
    batched = case.loom_logits(tokens, "batched.f32")
    incremental = case.loom_logits(tokens, "incremental.f32", decode_from=7)
    diff = max_abs(np, incremental, batched)
    record_diff(f"{cfg.name} n=80 decode-from 7 vs batched", diff, SAME_MODEL)
    assert diff <= SAME_MODEL, f"{cfg.name}: incremental vs batched max-abs {diff:.3e}"


def test_q8_0_latent_halves_load_as_their_values(moe_file, reference, record_diff):
    """The Q8_0 halves reassemble into exactly the F32 kv_b their blocks hold: the converter's file and the same
    model with the halves widened give the same logits."""
    np = reference[0]
    quantized, widened = moe_file(BY_NAME["deepseek2-q8_0"]), moe_file(DEQUANTIZED_LATENT)
    tokens = tokens_for(quantized.cfg, 80, np)
    diff = max_abs(np, quantized.loom_logits(tokens, "q8_0.f32"), widened.loom_logits(tokens, "widened.f32"))
    record_diff("deepseek2-q8_0 n=80 vs its latent halves widened to F32", diff, SAME_MODEL)
    assert diff <= SAME_MODEL, f"Q8_0 latent halves vs their F32 values: max-abs {diff:.3e}"
