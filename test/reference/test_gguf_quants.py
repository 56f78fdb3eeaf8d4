"""Loom's block-format decoding against the PyPI gguf package (llama.cpp's own Python implementation).

gguf.quants quantizes random rows to Q8_0, Q4_0 and Q4_1 bytes and dequantizes them with numpy; the
loom-dequantize-rows tool (test/kernels/DequantizeRows.cpp) looks the same bytes up with loom_k_embedding.
Both compute d * q (+ m) from the same F16 scales, where d * q is exact in F32, so they must agree exactly.

Environment: LOOM_BIN (its directory holds loom-dequantize-rows; default <repo>/build/bin/loom).
"""
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROWS, D = 37, 576  # d a multiple of 32 but not of 256


def dequantize_rows_tool():
    loom = Path(os.environ.get("LOOM_BIN", REPO / "build" / "bin" / "loom"))
    return loom.parent / "loom-dequantize-rows"


@pytest.mark.parametrize("type_name", ["Q8_0", "Q4_0", "Q4_1"])
def test_embedding_dequantizes_like_gguf(type_name, tmp_path):
    import numpy as np
    from gguf import GGMLQuantizationType, quants

    qtype = GGMLQuantizationType[type_name]
    rng = np.random.default_rng(int(qtype))
    # Trained-weight-like values, plus blocks of one sign and a zero block, which exercise Q4_1's offset
    # and the zero scale.
    data = (rng.standard_normal((ROWS, D)) * 0.05).astype(np.float32)
    data[1, :32] = np.abs(data[1, :32]) + 0.01
    data[2, 32:64] = 0.0
    blocks = quants.quantize(data, qtype)
    expected = quants.dequantize(blocks, qtype).astype(np.float32)

    (tmp_path / "rows.bin").write_bytes(blocks.tobytes())
    subprocess.run([str(dequantize_rows_tool()), str(int(qtype)), str(D), str(ROWS), str(tmp_path / "rows.bin"),
                    str(tmp_path / "out.bin")], check=True)
    got = np.fromfile(tmp_path / "out.bin", dtype=np.float32).reshape(ROWS, D)
    np.testing.assert_array_equal(got, expected)
