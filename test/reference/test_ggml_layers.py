"""Loom's kernels on llama.cpp's own intermediate values: every result bit for bit.

A tiny Q4_1 model of SmolLM2's shapes (d_model 576, 9 query and 3 KV heads of 64, SwiGLU 1536, RoPE base
1e5, two layers) runs in llama.cpp with the scheduler's eval callback keeping the tensors of its graph
(ggml_cpu.GraphTap). Each Loom kernel then runs, through the loom-*-rows tools, on the inputs llama.cpp
gave the matching operation, and must reproduce its output exactly: RMSNorm, the Q4_1 products, RoPE,
SwiGLU, and attention both for a batch of queries (a prompt) and for one (a decode step), whose value sums
ggml orders differently. test_smollm2.py shows the sum of these parts on the real model; this test says
which part broke when that one fails.

The arithmetic reproduced is that of llama.cpp's AVX-512 build (see test_smollm2.py); on other CPUs the
test is skipped.

Environment: LOOM_BIN (its directory holds the loom-*-rows tools; default <repo>/build/bin/loom).
"""
import os
import subprocess
from pathlib import Path

import pytest

from ggml_cpu import GraphTap
from gguf_models import GgufConfig, write_gguf
from llamacpp import import_reference

REPO = Path(__file__).resolve().parents[2]
CFG = GgufConfig(name="smollm2-shaped", arch="llama", dtype="Q4_1", d_model=576, heads=9, kv_heads=3,
                 head_dim=64, hidden=1536, theta=1e5, n_layers=2, tied=False, seed=31)
PROMPT = 24
TAPPED = ("attn_norm-", "ffn_norm-", "ffn_inp-", "l_out-", "Qcur-", "Kcur-", "cache_k_l", "cache_v_l", "kqv-",
          "kqv_out-", "attn_out-", "ffn_gate-", "ffn_up-", "ffn_swiglu-")


def tool(name):
    loom = Path(os.environ.get("LOOM_BIN", REPO / "build" / "bin" / "loom"))
    return str(loom.parent / name)


@pytest.fixture(scope="module")
def graphs(tmp_path_factory):
    np, gguf, llama_cpp = import_reference()
    if b"AVX512 = 1" not in llama_cpp.llama_print_system_info():
        pytest.skip("llama.cpp is not the AVX-512 build whose arithmetic Loom reproduces")
    path = tmp_path_factory.mktemp("layers") / "model.gguf"
    write_gguf(CFG, path, np, gguf)
    rng = np.random.default_rng(7)
    tokens = [int(t) for t in rng.integers(0, CFG.vocab, size=PROMPT + 1)]
    tap = GraphTap(llama_cpp, np, path, TAPPED)
    prompt = tap.run(tokens[:PROMPT])
    decode = tap.run(tokens[PROMPT:], reset=False)
    weights = {t.name: np.array(t.data) for t in gguf.GGUFReader(path).tensors}
    return np, prompt, decode, weights


def run_tool(tmp, args, inputs, out_shape, np):
    for name, value in inputs.items():
        np.ascontiguousarray(value, dtype=np.float32).tofile(tmp / name)
    subprocess.run([tool(args[0])] + [str(tmp / a) if a in inputs or a == "out" else str(a) for a in args[1:]],
                   check=True)
    return np.fromfile(tmp / "out", dtype=np.float32).reshape(out_shape)


def assert_identical(np, got, expected, what):
    differ = int((got != expected).sum())
    assert differ == 0, (f"{what}: {differ} of {got.size} values differ from llama.cpp's (max-abs "
                         f"{float(np.abs(got - expected).max()):.3e})")


@pytest.mark.parametrize("layer", [0, 1])
def test_rms_norm(graphs, layer, tmp_path):
    np, g, _, w = graphs
    d = CFG.d_model
    cases = [(g["ffn_inp-%d" % layer][0], "blk.%d.ffn_norm.weight" % layer, g["ffn_norm-%d" % layer][0])]
    if layer > 0:
        cases.append((g["l_out-%d" % (layer - 1)][0], "blk.%d.attn_norm.weight" % layer,
                      g["attn_norm-%d" % layer][0]))
    for x, weight, expected in cases:
        x = x.reshape(-1, d)
        got = run_tool(tmp_path, ["loom-elementwise-rows", "rms_norm", x.shape[0], d, CFG.eps, "x", "w", "out"],
                       {"x": x, "w": w[weight]}, x.shape, np)
        assert_identical(np, got, expected.reshape(x.shape), f"RMSNorm {weight}")


@pytest.mark.parametrize("layer", [0, 1])
def test_q4_1_products(graphs, layer, tmp_path):
    np, g, _, w = graphs
    for weight, source, result in [("blk.%d.attn_output.weight", "kqv_out-%d", "attn_out-%d"),
                                   ("blk.%d.ffn_gate.weight", "ffn_norm-%d", "ffn_gate-%d")]:
        blocks = w[weight % layer]  # [n, row bytes]; a Q4_1 block is 20 bytes for 32 weights
        n, k = blocks.shape[0], blocks.shape[1] // 20 * 32
        # The last layer computes only the rows whose logits are asked for.
        x = g[source % layer][0].reshape(-1, k)
        (tmp_path / "w.bin").write_bytes(blocks.tobytes())
        x.astype(np.float32).tofile(tmp_path / "x.bin")
        subprocess.run([tool("loom-linear-rows"), "3", str(k), str(n), str(x.shape[0]), str(tmp_path / "w.bin"),
                        str(tmp_path / "x.bin"), str(tmp_path / "y.bin")], check=True)
        got = np.fromfile(tmp_path / "y.bin", dtype=np.float32).reshape(x.shape[0], n)
        assert_identical(np, got, g[result % layer][0].reshape(x.shape[0], n), weight % layer)


@pytest.mark.parametrize("layer", [0, 1])
def test_rope(graphs, layer, tmp_path):
    np, g, _, _ = graphs
    for name, heads in (("Qcur-%d", CFG.heads), ("Kcur-%d", CFG.kv_heads)):
        stages = g[name % layer]  # the projection, its [tokens, heads, head_dim] view, the rotated view
        before, after = stages[1][0], stages[2][0]
        got = run_tool(tmp_path, ["loom-rope-rows", PROMPT, heads, CFG.head_dim, 0, CFG.theta, 1, "x", "out"],
                       {"x": before}, before.shape, np)
        assert_identical(np, got, after, f"RoPE of {name % layer}")


def cache_views(np, g, layer):
    """The cache as llama.cpp's attention reads it: K [cells, kv_heads, head_dim], V transposed."""
    k = next(t[0] for t in g["cache_k_l%d (view)" % layer] if t.shape[2:] == (CFG.kv_heads, CFG.head_dim))
    v = next(t[0] for t in g["cache_v_l%d (view)" % layer] if t.shape[1:3] == (CFG.head_dim, CFG.kv_heads))
    return k, np.ascontiguousarray(v.transpose(2, 1, 0))


@pytest.mark.parametrize("layer", [0, 1])
@pytest.mark.parametrize("step", ["prompt", "decode"])
def test_attention(graphs, layer, step, tmp_path):
    np, prompt, decode, _ = graphs
    g = prompt if step == "prompt" else decode
    start, n = (0, PROMPT) if step == "prompt" else (PROMPT, 1)
    q = g["Qcur-%d" % layer][2][0]
    k, v = cache_views(np, g, layer)
    rows = start + n
    expected = g["kqv-%d" % layer][0][0].transpose(1, 0, 2)  # [heads, tokens, head_dim] -> [tokens, ...]
    got = run_tool(tmp_path, ["loom-attention-rows", n, start, CFG.heads, CFG.kv_heads, CFG.head_dim,
                              repr(1 / CFG.head_dim ** 0.5), "q", "k", "v", "out"],
                   {"q": q, "k": k[:rows], "v": v[:rows]}, (n, CFG.heads, CFG.head_dim), np)
    assert_identical(np, got, expected, f"attention, layer {layer}, {step}")


@pytest.mark.parametrize("layer", [0, 1])
def test_swiglu(graphs, layer, tmp_path):
    np, g, _, _ = graphs
    gate, up = g["ffn_gate-%d" % layer][0].reshape(-1), g["ffn_up-%d" % layer][0].reshape(-1)
    got = run_tool(tmp_path, ["loom-elementwise-rows", "swiglu", gate.size, "gate", "up", "out"],
                   {"gate": gate, "up": up}, gate.shape, np)
    assert_identical(np, got, g["ffn_swiglu-%d" % layer][0].reshape(-1), "SwiGLU")
