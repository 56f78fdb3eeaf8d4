"""Loom's logits against Hugging Face transformers, and Loom's KV-cache decode against its own batched pass.

Tiny random-weight Llama-3-style and Qwen3-style models (see conftest.py for how each is built); the
reference is the real `LlamaForCausalLM` / `Qwen3ForCausalLM` on CPU in float32 with eager attention.
One configuration stores its matrices as BF16 (the HF checkpoint holds the same values in float32).
Sequences of 20 tokens and of 80 tokens (more than one 64-token forward chunk) are checked at every position.
"""
import pytest

from conftest import ModelConfig

VS_TRANSFORMERS = 1e-4  # max-abs, Loom vs transformers
INCREMENTAL = 1e-5  # max-abs, Loom through the KV cache vs Loom in one batched pass

CONFIGS = [
    # Llama 3: GQA, RoPE theta 500000, no QK-norm, eps 1e-5.
    ModelConfig(name="llama3-l2-d64-tied", family="llama", n_layers=2, d_model=64, heads=4, kv_heads=2,
                head_dim=16, hidden=128, vocab=256, tied=True, theta="500000", eps="1e-5", seed=11),
    ModelConfig(name="llama3-l3-d128-untied", family="llama", n_layers=3, d_model=128, heads=8, kv_heads=2,
                head_dim=32, hidden=352, vocab=320, tied=False, theta="500000", eps="1e-5", seed=12),
    # Qwen3: per-head RMSNorm on q and k, RoPE theta 1e6, eps 1e-6; heads * head_dim != d_model.
    ModelConfig(name="qwen3-l2-d64-tied", family="qwen3", n_layers=2, d_model=64, heads=4, kv_heads=2,
                head_dim=32, hidden=128, vocab=256, tied=True, theta="1e6", eps="1e-6", seed=13),
    ModelConfig(name="qwen3-l4-d256-untied", family="qwen3", n_layers=4, d_model=256, heads=8, kv_heads=4,
                head_dim=32, hidden=768, vocab=1000, tied=False, theta="1e6", eps="1e-6", seed=14),
    # The same architecture with BF16 matrices in the safetensors file, run by Loom's BF16 kernels.
    ModelConfig(name="qwen3-l2-d128-bf16", family="qwen3", n_layers=2, d_model=128, heads=4, kv_heads=2,
                head_dim=32, hidden=256, vocab=512, tied=False, theta="1e6", eps="1e-6", seed=15,
                weight_dtype="BF16"),
]
CONFIG_IDS = [c.name for c in CONFIGS]
SEQ_LENS = [20, 80]


def max_abs(a, b):
    assert a.shape == b.shape, f"shapes differ: {a.shape} vs {b.shape}"
    return float(abs(a.astype("float64") - b.astype("float64")).max())


def worst_position(a, b):
    per_row = abs(a.astype("float64") - b.astype("float64")).max(axis=1)
    return int(per_row.argmax()), float(per_row.max())


@pytest.mark.parametrize("n_tokens", SEQ_LENS)
@pytest.mark.parametrize("cfg", CONFIGS, ids=CONFIG_IDS)
def test_batched_logits_match_transformers(cfg, n_tokens, reference_case, record_diff):
    case = reference_case(cfg)
    tokens = case.tokens(n_tokens)
    expected = case.hf_logits(tokens)
    got = case.loom_logits(tokens)
    diff = max_abs(got, expected)
    record_diff(f"{cfg.name} n={n_tokens} batched vs transformers", diff, VS_TRANSFORMERS)
    pos, _ = worst_position(got, expected)
    assert diff <= VS_TRANSFORMERS, (
        f"{cfg.name}, {n_tokens} tokens: Loom vs transformers max-abs {diff:.3e} > {VS_TRANSFORMERS:.0e} "
        f"(worst at position {pos}; logits range [{expected.min():.3f}, {expected.max():.3f}])")


@pytest.mark.parametrize("n_tokens,decode_from", [(20, 0), (20, 5), (80, 5), (80, 70)])
@pytest.mark.parametrize("cfg", CONFIGS, ids=CONFIG_IDS)
def test_incremental_decode_matches_batched(cfg, n_tokens, decode_from, reference_case, record_diff):
    case = reference_case(cfg)
    tokens = case.tokens(n_tokens)
    batched = case.loom_logits(tokens)
    incremental = case.loom_logits(tokens, decode_from=decode_from)
    diff = max_abs(incremental, batched)
    record_diff(f"{cfg.name} n={n_tokens} decode-from {decode_from} vs batched", diff, INCREMENTAL)
    pos, _ = worst_position(incremental, batched)
    assert diff <= INCREMENTAL, (
        f"{cfg.name}, {n_tokens} tokens, --decode-from {decode_from}: incremental vs batched max-abs "
        f"{diff:.3e} > {INCREMENTAL:.0e} (worst at position {pos})")
    # Both paths are also held to the reference.
    vs_hf = max_abs(incremental, case.hf_logits(tokens))
    record_diff(f"{cfg.name} n={n_tokens} decode-from {decode_from} vs transformers", vs_hf, VS_TRANSFORMERS)
    assert vs_hf <= VS_TRANSFORMERS, (
        f"{cfg.name}, {n_tokens} tokens, --decode-from {decode_from}: Loom vs transformers max-abs "
        f"{vs_hf:.3e} > {VS_TRANSFORMERS:.0e}")


@pytest.mark.parametrize("cfg", CONFIGS, ids=CONFIG_IDS)
def test_transformers_checkpoint_loads_as_saved(cfg, reference_case, loom, tmp_path, record_diff):
    """The model.safetensors that transformers itself loads, with its own tensor names, runs unchanged."""
    case = reference_case(cfg)
    tokens = case.tokens(20)
    got = loom.logits(case.spec, case.hf_dir / "model.safetensors", tokens, tmp_path / "hf.f32", cfg.vocab)
    diff = max_abs(got, case.hf_logits(tokens))
    record_diff(f"{cfg.name} n=20 transformers-named checkpoint vs transformers", diff, VS_TRANSFORMERS)
    assert diff <= VS_TRANSFORMERS, f"{cfg.name}: Loom on the HF checkpoint vs transformers max-abs {diff:.3e}"


def test_fused_qkv_and_gate_up_checkpoint(reference_case, loom, tmp_path, record_diff):
    """A transformers checkpoint with Q/K/V fused into qkv_proj and gate/up into gate_up_proj (Phi-3's layout)
    loads into the split manifest: each part is a run of the fused rows."""
    cfg = CONFIGS[1]
    case = reference_case(cfg)
    torch = case.ref.torch
    tensors = {}
    for name, value in case.tensors.items():
        if ".self_attn.k_proj." in name or ".self_attn.v_proj." in name or ".mlp.up_proj." in name:
            continue
        if ".self_attn.q_proj." in name:
            parts = [case.tensors[name.replace("q_proj", p)] for p in ("q_proj", "k_proj", "v_proj")]
            tensors[name.replace("q_proj", "qkv_proj")] = torch.cat(parts).contiguous()
        elif ".mlp.gate_proj." in name:
            parts = [case.tensors[name.replace("gate_proj", p)] for p in ("gate_proj", "up_proj")]
            tensors[name.replace("gate_proj", "gate_up_proj")] = torch.cat(parts).contiguous()
        else:
            tensors[name] = value
    tokens = case.tokens(20)
    got = loom.logits(case.spec, _write_weights(case, tmp_path, tensors), tokens, tmp_path / "fused.f32", cfg.vocab)
    diff = max_abs(got, case.hf_logits(tokens))
    record_diff(f"{cfg.name} n=20 fused qkv/gate_up checkpoint vs transformers", diff, VS_TRANSFORMERS)
    assert diff <= VS_TRANSFORMERS


def test_fused_checkpoint_with_wrong_rows_is_an_error(reference_case, loom, tmp_path):
    case = reference_case(CONFIGS[1])
    tensors = {k: v for k, v in case.tensors.items() if ".self_attn.k_proj." not in k and ".self_attn.v_proj." not in k
               and ".self_attn.q_proj." not in k}
    for i in range(CONFIGS[1].n_layers):
        tensors[f"model.layers.{i}.self_attn.qkv_proj.weight"] = case.tensors[f"model.layers.{i}.self_attn.q_proj.weight"]
    result = loom.run(case.spec, _write_weights(case, tmp_path, tensors), [1, 2, 3], tmp_path / "out.f32")
    assert result.returncode != 0
    assert "fused tensor 'layers.0.attention.qkv_proj.weight' has 256 rows, but its parts q, k and v need 384" in \
        result.stderr, result.stderr


def test_tied_checkpoint_with_a_different_lm_head_is_an_error(reference_case, loom, tmp_path):
    case = reference_case(CONFIGS[0])  # tied
    tensors = dict(case.tensors)
    tensors["lm_head.weight"] = tensors["model.embed_tokens.weight"] * 2
    result = loom.run(case.spec, _write_weights(case, tmp_path, tensors), [1, 2, 3], tmp_path / "out.f32")
    assert result.returncode != 0, "loom accepted an untied lm_head.weight for a tied model"
    assert "lm_head.weight" in result.stderr and "ties" in result.stderr, result.stderr


# --- errors --------------------------------------------------------------------------------------


def _write_weights(case, tmp_path, tensors):
    path = tmp_path / "weights.safetensors"
    case.ref.safetensors_torch.save_file(tensors, str(path))
    return path


def test_missing_tensor_is_an_error(reference_case, loom, tmp_path):
    case = reference_case(CONFIGS[0])
    missing = "layers.1.ffn.up_proj.weight"
    tensors = {k: v for k, v in case.loom_tensors.items() if k != missing}
    result = loom.run(case.spec, _write_weights(case, tmp_path, tensors), [1, 2, 3], tmp_path / "out.f32")
    assert result.returncode != 0, "loom logits accepted a weights file without " + missing
    assert missing in result.stderr, f"stderr does not name the missing tensor '{missing}':\n{result.stderr}"


def test_extra_tensor_is_an_error(reference_case, loom, tmp_path):
    case = reference_case(CONFIGS[0])  # tied: the spec has no lm_head.weight
    tensors = dict(case.loom_tensors)
    tensors["lm_head.weight"] = tensors["embedding.weight"].clone()
    result = loom.run(case.spec, _write_weights(case, tmp_path, tensors), [1, 2, 3], tmp_path / "out.f32")
    assert result.returncode != 0, "loom logits accepted an lm_head.weight the tied spec does not have"
    assert "lm_head.weight" in result.stderr, f"stderr does not name the extra tensor:\n{result.stderr}"


@pytest.mark.parametrize("bad", [4242, 256])
def test_token_out_of_range_is_an_error(bad, reference_case, loom, tmp_path):
    case = reference_case(CONFIGS[0])
    assert bad >= CONFIGS[0].vocab
    result = loom.run(case.spec, case.weights, [1, bad, 2], tmp_path / "out.f32")
    assert result.returncode != 0, f"loom logits accepted token id {bad} with vocab {CONFIGS[0].vocab}"
    assert str(bad) in result.stderr, f"stderr does not name the token id {bad}:\n{result.stderr}"


def test_context_overflow_is_an_error(reference_case, loom, tmp_path):
    cfg = CONFIGS[0]
    case = reference_case(cfg)
    result = loom.run(case.spec, case.weights, [1] * (cfg.max_context + 1), tmp_path / "out.f32")
    assert result.returncode != 0, f"loom logits ran {cfg.max_context + 1} tokens with max_context {cfg.max_context}"
    assert result.stderr.strip(), "loom logits failed without a message"
