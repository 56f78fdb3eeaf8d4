"""Loom's logits against llama.cpp on tiny random-weight GGUF files the test writes itself.

Each file is run by llama.cpp (llama-cpp-python, F32 KV cache) and by `loom logits --weights FILE.gguf
--numerics ggml` with no spec, so Loom's architecture comes from `loom import` and its weights from the GGUF
loader: names, ggml dimension order, the llama arch's interleaved RoPE, and quantized matrices kept quantized.
The ggml numerics profile is the one whose results are llama.cpp's; the default (fast) profile differs only in
GELU so far, checked on gemma3-f32 below.

Tolerances (max-abs over every position; the logits spread over about [-4, 4]):
  F32   1e-4  both sides compute in float32; only the summation order differs.
  F16   1e-2  ggml rounds the activations to F16 before an F16 matrix product (Loom keeps them F32):
              a relative error of 2^-11 per product, through 2 layers (observed 3e-3).
  BF16  5e-2  the same with BF16 activations (2^-8 relative; observed 2e-2).
  Q8_0, Q4_0, Q4_1  1e-3  Loom quantizes the activations to Q8_0/Q8_1 as ggml does and sums the integer
              block products in ggml's float order (lanes, then its horizontal sum, then Q4_1's m * s
              terms), so the products are ggml's bit for bit (observed 0 to 4e-7). 1e-3 still catches a
              single activation code landing one step apart (about 2e-2 here).
  Q4_K, Q6_K  1e-1  Loom quantizes x as ggml's Q8_K (the same codes) and its products agree with ggml's
              vec_dot to 1e-7 of their terms (test_ggml_products.py), but llama.cpp runs repacked Q4_K
              (and, for prompts, Q6_K) kernels that sum in other orders: last-bit differences that move an
              activation code of the next product now and then, 2e-2 to 7e-2 of a logit each time here.
              Without a moved code the difference is about 1e-6.
  gemma3-f32  2e-3  GELU as ggml's CPU backend computes it (the ggml profile): a table of F16 results indexed
              by the input rounded to F16. An input that differs from llama.cpp's in its last bits (F32 products
              summed in another order than tinyBLAS's) now and then rounds to the neighbouring half, a jump of
              2^-11 relative: the "moved code" of the quantized formats. Observed 4.8e-4 to 1.5e-3.
  gemma3-f32 in the fast profile  5e-3  its GELU is the float32 tanh form (transformers'), off the table's
              results at every activation: observed 1.6e-3 to 2.9e-3 max-abs, and a mean-abs error 9 times the
              ggml profile's.
              Q4_0 matrices that only products read (not a tied LM head, which is the embedding table) are
              repacked at load (rows interleaved by 16), as llama.cpp repacks them on x86, and each row's block
              terms are summed in one float chain, as llama.cpp's repacked kernels do (its untied Q4_0 model's
              logits are Loom's bit for bit).
The top-1 token must agree at every position where llama.cpp's lead over its second token exceeds twice the
tolerance (closer tokens may swap within it).
"""
import subprocess

import pytest

from gguf_models import GgufConfig, write_gguf
from llamacpp import LlamaCpp, import_reference

TOLERANCE_BY_NAME = {"gemma3-f32": 2e-3}
FAST_GELU_VS_LLAMACPP = 5e-3
# The fast profile's packed Q8_0 and Q4_1 products sum each row's blocks in one chain, not vec_dot's eight lanes
# (llama.cpp keeps both as the file has them): last-bit differences that move an activation code of the next
# product now and then, as for the k-quants (Q8_0: 2.5e-2 once in 80 tokens).
FAST_PACKED_TOLERANCE = {"Q8_0": 1e-1, "Q4_1": 1e-1}
TOLERANCE = {"F32": 1e-4, "F16": 1e-2, "BF16": 5e-2, "Q8_0": 1e-3, "Q4_0": 1e-3, "Q4_1": 1e-3, "Q4_K": 1e-1,
             "Q6_K": 1e-1}

CONFIGS = [
    GgufConfig(name="llama-f32", arch="llama", dtype="F32", seed=21),
    GgufConfig(name="llama-f32-untied", arch="llama", dtype="F32", tied=False, seed=22, n_layers=3),
    GgufConfig(name="qwen3-f32", arch="qwen3", dtype="F32", head_dim=32, theta=1e6, eps=1e-6, seed=23),
    # Gemma 3: norms stored as 1 + w, sandwich norms, GeGLU, sqrt(d) embedding scale, five sliding-window
    # layers (window 8, RoPE base 10000) per global one (base 1e6); 7 layers = both kinds, and a local after.
    GgufConfig(name="gemma3-f32", arch="gemma3", dtype="F32", n_layers=7, theta=1e6, eps=1e-6, seed=29),
    # OLMo 2: no pre-norms, a norm after attention and after the FFN, QK-norm over all heads' q (and k) at
    # once; NeoX RoPE (rows kept). llama.cpp wants its own LM head.
    GgufConfig(name="olmo2-f32", arch="olmo2", dtype="F32", n_layers=3, theta=5e5, eps=1e-6, tied=False, seed=34),
    # SmolLM3: the llama block with every fourth layer NoPE (llama.cpp hard-codes the step); 5 layers so a
    # RoPE layer follows the NoPE one.
    GgufConfig(name="smollm3-f32", arch="smollm3", dtype="F32", n_layers=5, theta=5e6, eps=1e-6, seed=35),
    GgufConfig(name="llama-f16", arch="llama", dtype="F16", seed=24),
    GgufConfig(name="llama-bf16", arch="llama", dtype="BF16", seed=25),
    GgufConfig(name="llama-q8_0", arch="llama", dtype="Q8_0", seed=26),
    GgufConfig(name="llama-q4_0", arch="llama", dtype="Q4_0", seed=27),
    # Its own LM head: llama.cpp repacks that matrix too, and Loom's packed product equals its result.
    GgufConfig(name="llama-q4_0-untied", arch="llama", dtype="Q4_0", seed=36, tied=False),
    GgufConfig(name="llama-q4_1", arch="llama", dtype="Q4_1", seed=28, tied=False),
    # The k-quants need rows of whole 256-element super-blocks.
    GgufConfig(name="llama-q4_k", arch="llama", dtype="Q4_K", seed=32, d_model=256, head_dim=64, hidden=512),
    GgufConfig(name="llama-q6_k", arch="llama", dtype="Q6_K", seed=33, d_model=256, head_dim=64, hidden=512),
    # Llama 3.1 RoPE scaling as llama.cpp's converter writes it (rope_freqs.weight): theta 1e4 over 16 pairs and
    # an original context of 64 put pairs 0-1 below the bands, 2-4 in the blend, 5-15 above; 80 tokens run past
    # the original context.
    GgufConfig(name="llama-f32-llama3", arch="llama", dtype="F32", seed=34, head_dim=32,
               llama3_scaling=(8.0, 1.0, 4.0, 64)),
]
BY_NAME = {c.name: c for c in CONFIGS}
SEQ_LENS = [24, 80]  # 80: more than one of Loom's 64-token forward chunks


@pytest.fixture(scope="module")
def reference():
    return import_reference()


@pytest.fixture(scope="module")
def gguf_case(reference, tmp_path_factory):
    np, gguf, llama_cpp = reference
    cases = {}

    def get(cfg):
        if cfg.name not in cases:
            path = tmp_path_factory.mktemp(cfg.name) / f"{cfg.name}.gguf"
            write_gguf(cfg, path, np, gguf)
            cases[cfg.name] = (path, LlamaCpp(llama_cpp, np, path, n_ctx=cfg.context))
        return cases[cfg.name]

    return get


def tokens_for(cfg, n, np):
    rng = np.random.default_rng(cfg.seed * 100 + n)
    ids = rng.integers(0, cfg.vocab, size=n)
    ids[n // 2] = cfg.vocab - 1
    return [int(i) for i in ids]


@pytest.mark.parametrize("n_tokens", SEQ_LENS)
@pytest.mark.parametrize("cfg", CONFIGS, ids=[c.name for c in CONFIGS])
def test_logits_match_llamacpp(cfg, n_tokens, gguf_case, loom, reference, tmp_path, record_diff):
    np = reference[0]
    path, llama = gguf_case(cfg)
    tokens = tokens_for(cfg, n_tokens, np)
    expected = llama.logits(tokens)
    got = loom.logits(None, path, tokens, tmp_path / "logits.f32", cfg.vocab, numerics="ggml")
    tolerance = TOLERANCE_BY_NAME.get(cfg.name, TOLERANCE[cfg.dtype])
    check_against_llamacpp(np, f"{cfg.name} n={n_tokens}", got, expected, tolerance, record_diff)


@pytest.mark.parametrize("n_tokens", SEQ_LENS)
@pytest.mark.parametrize("name", ["llama-q4_0-untied", "llama-q4_1", "llama-q8_0", "llama-q4_k", "llama-q6_k"])
def test_fast_profile_packed_products_match_llamacpp(name, n_tokens, gguf_case, loom, reference, tmp_path,
                                                     record_diff):
    """The default (fast) profile runs its Q4_0 products on the same repacked weights as the ggml profile, and
    packs Q4_1, Q8_0, Q4_K and Q6_K too (the GEMV below 5 tokens of a chunk, the GEMM above: 80 tokens take both); its
    attention splits the keys. Within the ggml profile's tolerances, but for Q8_0 and Q4_1
    (FAST_PACKED_TOLERANCE)."""
    np = reference[0]
    cfg = BY_NAME[name]
    path, llama = gguf_case(cfg)
    tokens = tokens_for(cfg, n_tokens, np)
    got = loom.logits(None, path, tokens, tmp_path / "logits.f32", cfg.vocab)
    check_against_llamacpp(np, f"{cfg.name} n={n_tokens} fast profile", got, llama.logits(tokens),
                           FAST_PACKED_TOLERANCE.get(cfg.dtype, TOLERANCE[cfg.dtype]), record_diff)


def check_against_llamacpp(np, what, got, expected, tolerance, record_diff):
    diff = float(np.abs(got.astype(np.float64) - expected).max())
    record_diff(f"{what} vs llama.cpp", diff, tolerance)
    assert diff <= tolerance, (f"{what}: Loom vs llama.cpp max-abs {diff:.3e} > "
                               f"{tolerance:.0e} (logits range [{expected.min():.2f}, {expected.max():.2f}])")
    # Logits within the tolerance can swap two tokens whose llama.cpp logits are closer than twice it; the
    # top-1 must agree everywhere else.
    top2 = np.sort(expected, axis=1)[:, -2:]
    decisive = top2[:, 1] - top2[:, 0] > 2 * tolerance
    agree = (got.argmax(axis=1) == expected.argmax(axis=1))
    assert agree[decisive].all(), (f"{what}: top-1 differs at positions "
                                   f"{np.flatnonzero(decisive & ~agree).tolist()}, where llama.cpp's lead "
                                   f"exceeds twice the tolerance")


def test_fast_profile_gelu_differs_from_llamacpp_only_by_the_table(gguf_case, loom, reference, tmp_path, record_diff):
    """The default (fast) profile computes GELU in float32 as transformers does: within the F16 table's error of
    llama.cpp, and not equal to it (else the ggml profile's table would be untested)."""
    np = reference[0]
    cfg = BY_NAME["gemma3-f32"]
    path, llama = gguf_case(cfg)
    tokens = tokens_for(cfg, 20, np)
    expected = llama.logits(tokens)
    got = loom.logits(None, path, tokens, tmp_path / "logits.f32", cfg.vocab)
    diff = float(np.abs(got.astype(np.float64) - expected).max())
    ggml = loom.logits(None, path, tokens, tmp_path / "ggml.f32", cfg.vocab, numerics="ggml")
    record_diff(f"{cfg.name} n=20 fast profile vs llama.cpp", diff, FAST_GELU_VS_LLAMACPP)
    assert TOLERANCE["F32"] < diff <= FAST_GELU_VS_LLAMACPP, f"fast profile vs llama.cpp max-abs {diff:.3e}"
    # Every activation of the fast profile is off by the table's rounding, only a few of the ggml profile's
    # (observed mean-abs 2.7e-4 against 3.0e-5).
    fast_mean = float(np.abs(got.astype(np.float64) - expected).mean())
    ggml_mean = float(np.abs(ggml.astype(np.float64) - expected).mean())
    assert ggml_mean * 4 < fast_mean, f"mean-abs vs llama.cpp: ggml profile {ggml_mean:.3e}, fast {fast_mean:.3e}"


INCREMENTAL = ("llama-f32", "llama-q8_0", "llama-q4_0", "llama-q4_k", "llama-q6_k", "olmo2-f32", "smollm3-f32")


@pytest.mark.parametrize("cfg", [BY_NAME[n] for n in INCREMENTAL], ids=INCREMENTAL)
def test_incremental_decode_matches_batched(cfg, gguf_case, loom, reference, tmp_path, record_diff):
    np = reference[0]
    path, _ = gguf_case(cfg)
    tokens = tokens_for(cfg, 40, np)
    batched = loom.logits(None, path, tokens, tmp_path / "batched.f32", cfg.vocab)
    incremental = loom.logits(None, path, tokens, tmp_path / "incremental.f32", cfg.vocab, decode_from=7)
    diff = float(np.abs(incremental.astype(np.float64) - batched).max())
    record_diff(f"{cfg.name} decode-from 7 vs batched", diff, 1e-5)
    assert diff <= 1e-5, f"{cfg.name}: incremental vs batched max-abs {diff:.3e}"


@pytest.mark.parametrize("cfg", [BY_NAME["llama-f32"], BY_NAME["llama-q4_0"]], ids=["llama-f32", "llama-q4_0"])
def test_half_paired_spec_runs_a_llama_gguf(cfg, gguf_case, loom, reference, tmp_path, record_diff):
    """A spec written for transformers checkpoints (RoPE style = half) runs a llama GGUF file, whose Q/K rows
    llama.cpp's converter reordered for interleaved RoPE: the loader reorders them back."""
    np = reference[0]
    path, llama = gguf_case(cfg)
    imported = tmp_path / "imported.loom"
    result = subprocess.run([str(loom.binary), "import", str(path), "-o", str(imported)], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    text = imported.read_text()
    assert "style = interleaved" in text
    half = tmp_path / "half.loom"
    half.write_text(text.replace("style = interleaved", "style = half"))
    tokens = tokens_for(cfg, 24, np)
    expected = llama.logits(tokens)
    got = loom.logits(half, path, tokens, tmp_path / "logits.f32", cfg.vocab)
    diff = float(np.abs(got.astype(np.float64) - expected).max())
    tolerance = TOLERANCE[cfg.dtype]
    record_diff(f"{cfg.name} with a half-paired spec vs llama.cpp", diff, tolerance)
    assert diff <= tolerance, f"{cfg.name}: half-paired spec on a llama GGUF, max-abs {diff:.3e}"


def test_interleaved_spec_runs_an_olmo2_gguf(gguf_case, loom, reference, tmp_path, record_diff):
    """OLMo 2's QK-norm weights span all heads, so they follow the Q/K rows when the loader reorders those
    for a spec of the other RoPE pairing."""
    np = reference[0]
    cfg = BY_NAME["olmo2-f32"]
    path, llama = gguf_case(cfg)
    imported = tmp_path / "imported.loom"
    result = subprocess.run([str(loom.binary), "import", str(path), "-o", str(imported)], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    text = imported.read_text()
    assert "style = half" in text and "over = all_heads" in text, text
    interleaved = tmp_path / "interleaved.loom"
    interleaved.write_text(text.replace("style = half", "style = interleaved"))
    tokens = tokens_for(cfg, 24, np)
    expected = llama.logits(tokens)
    got = loom.logits(interleaved, path, tokens, tmp_path / "logits.f32", cfg.vocab)
    diff = float(np.abs(got.astype(np.float64) - expected).max())
    record_diff(f"{cfg.name} with an interleaved spec vs llama.cpp", diff, TOLERANCE["F32"])
    assert diff <= TOLERANCE["F32"], f"{cfg.name}: interleaved spec on an olmo2 GGUF, max-abs {diff:.3e}"


@pytest.mark.parametrize("dtype", ["F32", "Q8_0"])
def test_fused_qkv_gguf_equals_split(dtype, reference, loom, tmp_path):
    """attn_qkv (one matrix, rows q then k then v) loads as the three projections, in place: bit-identical
    logits to the same model with split tensors (which the tests above hold to llama.cpp)."""
    np, gguf, _ = reference
    split_cfg = GgufConfig(name=f"split-{dtype}", arch="llama", dtype=dtype, seed=41)
    fused_cfg = GgufConfig(name=f"fused-{dtype}", arch="llama", dtype=dtype, seed=41, fused_qkv=True)
    tokens = tokens_for(split_cfg, 24, np)
    logits = []
    for cfg in (split_cfg, fused_cfg):
        path = tmp_path / f"{cfg.name}.gguf"
        write_gguf(cfg, path, np, gguf)
        logits.append(loom.logits(None, path, tokens, tmp_path / f"{cfg.name}.f32", cfg.vocab))
    assert np.array_equal(logits[0], logits[1]), f"fused vs split max-abs {np.abs(logits[0] - logits[1]).max()}"
