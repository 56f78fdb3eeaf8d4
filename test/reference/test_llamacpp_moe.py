"""Qwen3-MoE GGUF files: Loom's logits against llama.cpp's on tiny random-weight files the test writes itself.

gguf_models.py writes each file as llama.cpp's converter (and, for the quantized types, its quantizer) would:
arch `qwen3moe`, the router `ffn_gate_inp` kept F32 whatever the file's type, the experts stacked
(`ffn_{gate,up}_exps` ggml {d, I, E}, `ffn_down_exps` {I, d, E}) in the file's type. Loom runs the file with no
spec (`loom logits --weights FILE.gguf`), so the mixture of experts also goes through `loom import`. Routers are
spread wide (stddev 0.5), so that no two experts come near a tie at the k-th place, where a last-bit
difference would pick another expert (both sides break exact ties differently, docs/moe-mla-reference.md 1.3).

Tolerances against llama.cpp are the dense files' (test_llamacpp_logits.py, same reasons), observed here:
  F32   1e-4  float32 on both sides, summation orders differ (observed 1.5e-6).
  F16   1e-2  ggml rounds activations to F16 before every F16 product, mul_mat_id included (observed 3.0e-3).
  Q8_0, Q4_1  1e-3  activations quantized as ggml quantizes them, products in ggml's order (observed 0.0; with
              llama.cpp built for an AMD Zen 5, one moved code from which on later positions differ up to
              MOVED_CODE: assert_matches_llamacpp).
  Q4_0, Q4_K, Q6_K  1e-1  llama.cpp repacks Q4_0 and Q4_K (q4_0_8x8, q4_K_8x8; Q6_K too, for prompts) and
              sums their products in other orders: last-bit differences (2e-7 here, as in the dense Q4_0
              file) that now and then move an activation code of the next product, 1e-2 to 5e-2 of a logit
              each time (observed with 80 tokens: 1.4e-2 for Q4_0, 5.4e-2 for Q4_K, 4.5e-2 for Q6_K; with 24,
              2.4e-7, 3.8e-3 and 1.2e-6). The dense file holds Q4_0 to 1e-3 because no code moves there; the
              experts quantize the down projection's input once per token and chosen expert, and with 80
              tokens one moved (position 1; every other position within 2.4e-7).
BF16 is not compared: ggml's BF16 activations (2^-8 relative) move the router's logits by roughly 1e-2, and 160
routing choices (80 tokens, two layers) easily include one whose k-th and (k+1)-th logits are closer than
that: of two seeds tried, one had a gap of 4.4e-3, llama.cpp picked the other expert there (0.26 in the
logits), while Loom (F32 activations) matched a float64 evaluation of the same file to 1.5e-6.
The top-1 token must agree wherever llama.cpp's leads the runner-up by more than the tolerance (closer, the
tolerance allows either: the F16 file has a lead of 1.4e-5).

Loom against itself (1e-5, with at most MAX_MOVED_POSITIONS moved codes in quantized files: decode and batched
attention sum in different orders): incremental decode against one batched pass, and the imported spec compiled with
`--moe-grouped-matmul=false` (every token's experts one by one) against the default grouped products.
"""
import subprocess

import pytest

from gguf_models import GgufConfig, write_gguf
from llamacpp import LlamaCpp, import_reference
from test_llamacpp_logits import TOLERANCE, tokens_for

SAME_MODEL = 1e-5
# A decode step and a batched pass sum attention in different orders (docs/numerics.md), so their activations
# may differ in the last bit; where activations are quantized, such a bit now and then moves one code of a
# product's input, and that position's logits by up to the quantized formats' bound against llama.cpp.
MOVED_CODE = 1e-1
MAX_MOVED_POSITIONS = 2


def assert_same_model(np, got, expected, cfg, what):
    """Logits of two Loom paths over one file: within SAME_MODEL at every position but at most
    MAX_MOVED_POSITIONS with a moved code (quantized files only, each within MOVED_CODE)."""
    per_position = np.abs(got - expected).max(axis=1)
    moved = np.flatnonzero(per_position > SAME_MODEL)
    detail = ", ".join(f"{p}: {per_position[p]:.2e}" for p in moved)
    if cfg.dtype in ("F32", "F16"):
        assert not len(moved), f"{cfg.name}, {what}: positions beyond {SAME_MODEL:.0e}: {detail}"
        return
    assert len(moved) <= MAX_MOVED_POSITIONS and per_position.max() <= MOVED_CODE, (
        f"{cfg.name}, {what}: positions beyond {SAME_MODEL:.0e}: {detail}")


def assert_matches_llamacpp(np, got, expected, cfg, what, tolerance):
    """Loom's logits against llama.cpp's: within `tolerance` at every position, except that a quantized file may
    have a moved activation code: llama.cpp's build for the CPU at hand may sum some MoE product in another
    order than the one Loom reproduces (on an AMD Zen 5, the Q4_1 file moved one code at position 12 and Llama
    4's Q8_0 file one at position 17, every position before it equal to the last bit). A moved code changes
    that position's keys and values and so every later position: from the first position beyond `tolerance`
    on, the bound is MOVED_CODE. The top-1 token must agree wherever llama.cpp's lead exceeds twice the
    position's bound."""
    per_position = np.abs(got - expected).max(axis=1)
    beyond = np.flatnonzero(per_position > tolerance)
    quantized = cfg.dtype not in ("F32", "F16", "BF16")
    bound = np.full(per_position.shape, tolerance)
    if quantized and len(beyond):
        bound[beyond[0]:] = MOVED_CODE
    over = np.flatnonzero(per_position > bound)
    detail = ", ".join(f"{p}: {per_position[p]:.2e}" for p in beyond)
    assert not len(over), (f"{cfg.name}, {what}: positions beyond {tolerance:.0e} of llama.cpp: {detail} "
                           f"(logits range [{expected.min():.2f}, {expected.max():.2f}])")
    top2 = np.sort(expected, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 2 * bound
    differs = (got.argmax(axis=1) != expected.argmax(axis=1)) & clear
    assert not differs.any(), f"{cfg.name}: top-1 differs at positions {np.flatnonzero(differs).tolist()}"
VS_LLAMACPP = {**TOLERANCE, "Q4_0": TOLERANCE["Q4_K"]}


def _moe(name, dtype, seed, **overrides):
    values = dict(head_dim=32, theta=1e6, eps=1e-6)
    values.update(overrides)
    return GgufConfig(name=name, arch="qwen3moe", dtype=dtype, seed=seed, **values)


CONFIGS = [
    _moe("qwen3moe-f32", "F32", 51),
    # More experts and more of them per token, an expert width that is no power of two, its own LM head.
    _moe("qwen3moe-f32-top4", "F32", 52, n_layers=3, experts=16, experts_used=4, expert_hidden=48, tied=False),
    _moe("qwen3moe-f16", "F16", 53),
    _moe("qwen3moe-q8_0", "Q8_0", 55),
    _moe("qwen3moe-q4_0", "Q4_0", 56),
    _moe("qwen3moe-q4_1", "Q4_1", 58),
    # The k-quants need rows of whole 256-element super-blocks (the down projection's rows are the expert width).
    _moe("qwen3moe-q4_k", "Q4_K", 57, d_model=256, head_dim=64, hidden=512, expert_hidden=256),
    _moe("qwen3moe-q6_k", "Q6_K", 59, d_model=256, head_dim=64, hidden=512, expert_hidden=256),
]
BY_NAME = {c.name: c for c in CONFIGS}
SEQ_LENS = [24, 80]  # 80: more than one of Loom's 64-token forward chunks
SELF_CHECKED = ["qwen3moe-f32", "qwen3moe-f32-top4", "qwen3moe-q8_0", "qwen3moe-q4_k"]


class MoeFile:
    """One GGUF file, llama.cpp on it, its imported spec, and that spec compiled with the experts ungrouped."""

    def __init__(self, cfg, workdir, reference, loom):
        np, gguf, llama_cpp = reference
        self.cfg, self.dir, self.loom = cfg, workdir, loom
        self.path = workdir / f"{cfg.name}.gguf"
        write_gguf(cfg, self.path, np, gguf)
        self.llama = LlamaCpp(llama_cpp, np, self.path, n_ctx=cfg.context)
        self._spec = self._ungrouped = None

    @property
    def spec(self):
        if self._spec is None:
            self._spec = self.dir / "imported.loom"
            result = subprocess.run([str(self.loom.binary), "import", str(self.path), "-o", str(self._spec)],
                                    capture_output=True, text=True)
            assert result.returncode == 0, f"loom import failed:\n{result.stderr}"
            assert "warning" not in result.stderr, result.stderr
        return self._spec

    @property
    def ungrouped(self):
        if self._ungrouped is None:
            lib = self.dir / "ungrouped.so"
            result = subprocess.run([str(self.loom.binary), "compile", str(self.spec), "--moe-grouped-matmul=false",
                                     "-o", str(lib)], capture_output=True, text=True)
            assert result.returncode == 0, f"loom compile --moe-grouped-matmul=false failed:\n{result.stderr}"
            self._ungrouped = lib
        return self._ungrouped

    def loom_logits(self, tokens, out, target=None, decode_from=None):
        return self.loom.logits(target, self.path, tokens, self.dir / out, self.cfg.vocab, decode_from)


@pytest.fixture(scope="module")
def reference():
    return import_reference()


@pytest.fixture(scope="module")
def moe_file(reference, loom, tmp_path_factory):
    files = {}

    def get(cfg):
        if cfg.name not in files:
            files[cfg.name] = MoeFile(cfg, tmp_path_factory.mktemp(cfg.name), reference, loom)
        return files[cfg.name]

    return get


def spec_body(spec_text):
    """A spec without its provenance comment and architecture name, which differ between two imports of one
    model (a GGUF file and the config.json it was converted from)."""
    lines = [line for line in spec_text.splitlines() if not line.startswith("//")]
    assert lines[0].startswith("architecture "), spec_text
    return "\n".join(lines[1:])


def max_abs(np, a, b):
    assert a.shape == b.shape, f"shapes differ: {a.shape} vs {b.shape}"
    return float(np.abs(a.astype(np.float64) - b).max())


@pytest.mark.parametrize("cfg", [BY_NAME["qwen3moe-q8_0"], BY_NAME["qwen3moe-f32-top4"]],
                         ids=["qwen3moe-q8_0", "qwen3moe-f32-top4"])
def test_file_and_imported_spec(cfg, moe_file, reference):
    """The file holds what llama.cpp's tools write (an F32 router, stacked experts in the file's type), and
    `loom import` reads its experts, with the weights renormalised as llama.cpp's qwen3moe always does."""
    np, gguf, _ = reference
    case = moe_file(cfg)
    tensors = {t.name: t for t in gguf.GGUFReader(str(case.path)).tensors}
    d, e, h = cfg.d_model, cfg.experts, cfg.expert_hidden
    expected = {"ffn_gate_inp": ("F32", [d, e]), "ffn_gate_exps": (cfg.dtype, [d, h, e]),
                "ffn_up_exps": (cfg.dtype, [d, h, e]), "ffn_down_exps": (cfg.dtype, [h, d, e])}
    for role, (dtype, shape) in expected.items():
        t = tensors[f"blk.0.{role}.weight"]
        assert (t.tensor_type.name, [int(n) for n in t.shape]) == (dtype, shape), role
    text = case.spec.read_text()
    for needle in (f"ffn = MoE(experts = {e}, top_k = {cfg.experts_used}, hidden = {h}",
                   "routing = softmax_topk", "normalize = true"):
        assert needle in text, f"the imported spec lacks '{needle}':\n{text}"


@pytest.mark.parametrize("n_tokens", SEQ_LENS)
@pytest.mark.parametrize("cfg", CONFIGS, ids=[c.name for c in CONFIGS])
def test_logits_match_llamacpp(cfg, n_tokens, moe_file, reference, record_diff):
    np = reference[0]
    case = moe_file(cfg)
    tokens = tokens_for(cfg, n_tokens, np)
    expected = case.llama.logits(tokens)
    got = case.loom_logits(tokens, f"logits-{n_tokens}.f32")
    tolerance = VS_LLAMACPP[cfg.dtype]
    record_diff(f"{cfg.name} n={n_tokens} vs llama.cpp", max_abs(np, got, expected), tolerance)
    assert_matches_llamacpp(np, got, expected, cfg, f"{n_tokens} tokens", tolerance)


@pytest.mark.parametrize("cfg", [BY_NAME[n] for n in SELF_CHECKED], ids=SELF_CHECKED)
def test_incremental_decode_matches_batched(cfg, moe_file, reference, record_diff):
    np = reference[0]
    case = moe_file(cfg)
    tokens = tokens_for(cfg, 80, np)
    batched = case.loom_logits(tokens, "batched.f32")
    incremental = case.loom_logits(tokens, "incremental.f32", decode_from=7)
    diff = max_abs(np, incremental, batched)
    record_diff(f"{cfg.name} n=80 decode-from 7 vs batched", diff, SAME_MODEL)
    assert_same_model(np, incremental, batched, cfg, "incremental vs batched")


@pytest.mark.parametrize("cfg", [BY_NAME[n] for n in SELF_CHECKED], ids=SELF_CHECKED)
def test_token_by_token_experts_match_grouped(cfg, moe_file, reference, record_diff):
    np = reference[0]
    case = moe_file(cfg)
    tokens = tokens_for(cfg, 80, np)
    grouped = case.loom_logits(tokens, "grouped.f32")
    for decode_from in (None, 7):
        ungrouped = case.loom_logits(tokens, f"ungrouped-{decode_from}.f32", target=case.ungrouped,
                                     decode_from=decode_from)
        diff = max_abs(np, ungrouped, grouped)
        record_diff(f"{cfg.name} n=80 decode-from {decode_from} token-by-token vs grouped experts", diff,
                    SAME_MODEL)
        assert_same_model(np, ungrouped, grouped, cfg, f"decode-from {decode_from}: token-by-token vs grouped")
