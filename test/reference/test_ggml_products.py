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


@pytest.mark.parametrize("m,k,n", SHAPES, ids=[f"m{m}-k{k}-n{n}" for m, k, n in SHAPES])
@pytest.mark.parametrize("type_name", ["Q8_0", "Q4_0", "Q4_1"])
def test_linear_equals_ggml(type_name, m, k, n, ggml, tmp_path):
    np, cpu = ggml
    from gguf import GGMLQuantizationType, quants

    qtype = GGMLQuantizationType[type_name]
    rng = np.random.default_rng(k * 7 + n + int(qtype))
    weights = (rng.standard_normal((n, k)) * 0.05).astype(np.float32)
    # Activations with a spread of block maxima, as a residual stream has.
    x = (rng.standard_normal((m, k)) * rng.uniform(0.01, 20, size=(m, k // 32)).repeat(32, axis=1))
    x = x.astype(np.float32)
    blocks = quants.quantize(weights, qtype)

    (tmp_path / "w.bin").write_bytes(blocks.tobytes())
    x.tofile(tmp_path / "x.bin")
    subprocess.run([str(linear_rows_tool()), str(int(qtype)), str(k), str(n), str(m), str(tmp_path / "w.bin"),
                    str(tmp_path / "x.bin"), str(tmp_path / "y.bin")], check=True)
    got = np.fromfile(tmp_path / "y.bin", dtype=np.float32).reshape(m, n)
    expected = cpu.linear(int(qtype), blocks.reshape(n, -1), x)
    differ = int((got != expected).sum())
    assert differ == 0, (f"{differ} of {got.size} outputs differ from ggml's; max-abs "
                         f"{float(np.abs(got - expected).max()):.3e}")
