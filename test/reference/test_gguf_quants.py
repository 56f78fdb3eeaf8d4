"""Loom's block-format decoding against the PyPI gguf package (llama.cpp's own Python implementation).

gguf.quants quantizes random rows to Q8_0, Q4_0 and Q4_1 bytes (Q4_K and Q6_K: ggml's own reference
quantizer, through ctypes, as gguf.quants cannot) and dequantizes them with numpy; the loom-dequantize-rows
tool (test/kernels/DequantizeRows.cpp) looks the same bytes up with loom_k_embedding. Both compute
d * q (+ m) from the same scales, where the products are exact in F32, so they must agree exactly.

Environment: LOOM_BIN (its directory holds loom-dequantize-rows; default <repo>/build/bin/loom).
"""
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROWS, D = 37, 576  # d a multiple of 32 but not of 256
K_D = 768  # the k-quants need multiples of 256


def dequantize_rows_tool():
    loom = Path(os.environ.get("LOOM_BIN", REPO / "build" / "bin" / "loom"))
    return loom.parent / "loom-dequantize-rows"


@pytest.mark.parametrize("type_name", ["Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q6_K"])
def test_embedding_dequantizes_like_gguf(type_name, tmp_path):
    import numpy as np
    from gguf import GGMLQuantizationType, quants

    qtype = GGMLQuantizationType[type_name]
    k_quant = type_name in ("Q4_K", "Q6_K")
    d = K_D if k_quant else D
    rng = np.random.default_rng(int(qtype))
    # Trained-weight-like values, plus blocks of one sign and a zero block, which exercise the offsets
    # and the zero scale.
    data = (rng.standard_normal((ROWS, d)) * 0.05).astype(np.float32)
    data[1, :32] = np.abs(data[1, :32]) + 0.01
    data[2, 32:64] = 0.0
    if k_quant:
        from ggml_cpu import GgmlCpu

        blocks = GgmlCpu(np).quantize(int(qtype), data)
    else:
        blocks = quants.quantize(data, qtype)
    expected = quants.dequantize(blocks, qtype).astype(np.float32).reshape(ROWS, d)

    (tmp_path / "rows.bin").write_bytes(blocks.tobytes())
    subprocess.run([str(dequantize_rows_tool()), str(int(qtype)), str(d), str(ROWS), str(tmp_path / "rows.bin"),
                    str(tmp_path / "out.bin")], check=True)
    got = np.fromfile(tmp_path / "out.bin", dtype=np.float32).reshape(ROWS, d)
    np.testing.assert_array_equal(got, expected)
