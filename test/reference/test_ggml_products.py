"""Loom's quantized matrix products against ggml's, bit for bit.

ggml's CPU backend (the libggml-cpu.so llama-cpp-python builds, called through ctypes) quantizes each row of
activations to 8-bit blocks and sums integer block products scaled in float; the loom-linear-rows tool
(test/kernels/LinearRows.cpp) runs loom_k_linear on the same weight bytes and activations. Loom reproduces
ggml's rounding and summation order, so the results must be identical: a last-bit difference here would
move an activation code of the next product now and then, which a quantized model amplifies (see
test_smollm2.py). Shapes cover the GEMV (m = 1) and GEMM schedules and k from 1 to 60 blocks.

Environment: LOOM_BIN (its directory holds loom-linear-rows; default <repo>/build/bin/loom).
"""
import os
import subprocess
from pathlib import Path

import pytest

from ggml_cpu import GgmlCpu

REPO = Path(__file__).resolve().parents[2]
SHAPES = [(1, 32, 7), (1, 576, 67), (1, 1536, 19), (5, 512, 33), (70, 1920, 9)]  # (m, k, n)


def linear_rows_tool():
    loom = Path(os.environ.get("LOOM_BIN", REPO / "build" / "bin" / "loom"))
    return loom.parent / "loom-linear-rows"


@pytest.fixture(scope="module")
def ggml():
    import numpy as np

    return np, GgmlCpu(np)


K_SHAPES = [(1, 256, 7), (1, 1536, 19), (5, 512, 33), (70, 2048, 9)]
# The k-quants: Loom quantizes x as ggml's Q8_K (the same codes), but sums the sub-block products in its
# per-32 block order where ggml sums a super-block's integers first, so float rounding differs; relative
# to the sum of |terms| that stays near F32's epsilon times the number of blocks.
K_TOLERANCE = 1e-5


def product_case(np, quants_module, cpu, type_name, m, k, n):
    from gguf import GGMLQuantizationType

    qtype = GGMLQuantizationType[type_name]
    rng = np.random.default_rng(k * 7 + n + int(qtype))
    weights = (rng.standard_normal((n, k)) * 0.05).astype(np.float32)
    # Activations with a spread of block maxima, as a residual stream has.
    x = (rng.standard_normal((m, k)) * rng.uniform(0.01, 20, size=(m, k // 32)).repeat(32, axis=1))
    x = x.astype(np.float32)
    if type_name in ("Q4_K", "Q6_K"):
        blocks = cpu.quantize(int(qtype), weights)
    else:
        blocks = quants_module.quantize(weights, qtype)
    return qtype, x, blocks


def run_loom_linear(np, qtype, x, blocks, k, n, m, tmp_path):
    (tmp_path / "w.bin").write_bytes(blocks.tobytes())
    x.tofile(tmp_path / "x.bin")
    subprocess.run([str(linear_rows_tool()), str(int(qtype)), str(k), str(n), str(m), str(tmp_path / "w.bin"),
                    str(tmp_path / "x.bin"), str(tmp_path / "y.bin")], check=True)
    return np.fromfile(tmp_path / "y.bin", dtype=np.float32).reshape(m, n)


@pytest.mark.parametrize("m,k,n", K_SHAPES, ids=[f"m{m}-k{k}-n{n}" for m, k, n in K_SHAPES])
@pytest.mark.parametrize("type_name", ["Q4_K", "Q6_K"])
def test_k_quant_linear_matches_ggml(type_name, m, k, n, ggml, tmp_path):
    np, cpu = ggml
    from gguf import quants

    qtype, x, blocks = product_case(np, quants, cpu, type_name, m, k, n)
    got = run_loom_linear(np, qtype, x, blocks, k, n, m, tmp_path)
    expected = cpu.linear(int(qtype), blocks.reshape(n, -1), x)
    from gguf import quants as q

    scale = np.abs(x) @ np.abs(q.dequantize(blocks.reshape(-1), qtype).reshape(n, k)).T
    worst = float((np.abs(got - expected) / scale).max())
    assert worst <= K_TOLERANCE, f"{type_name}: error {worst:.2e} of the sum of |terms| > {K_TOLERANCE}"


@pytest.mark.parametrize("m,k,n", SHAPES, ids=[f"m{m}-k{k}-n{n}" for m, k, n in SHAPES])
@pytest.mark.parametrize("type_name", ["Q8_0", "Q4_0", "Q4_1"])
def test_linear_equals_ggml(type_name, m, k, n, ggml, tmp_path):
    np, cpu = ggml
    from gguf import quants

    qtype, x, blocks = product_case(np, quants, cpu, type_name, m, k, n)

    got = run_loom_linear(np, qtype, x, blocks, k, n, m, tmp_path)
    expected = cpu.linear(int(qtype), blocks.reshape(n, -1), x)
    differ = int((got != expected).sum())
    assert differ == 0, (f"{differ} of {got.size} outputs differ from ggml's; max-abs "
                         f"{float(np.abs(got - expected).max()):.3e}")
