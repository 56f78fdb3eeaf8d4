"""ggml's CPU quantized dot products, called through ctypes in the libggml-cpu.so llama-cpp-python built.

These are the functions llama.cpp's matrix products run per output element on x86 (one row of weights
against one row of activations quantized to ggml's 8-bit blocks): the exact arithmetic Loom reproduces.
"""
import ctypes
from pathlib import Path

import pytest

# ggml type id -> (activation quantizer, vec_dot, activation block bytes per 32 elements)
PRODUCTS = {
    8: ("quantize_row_q8_0", "ggml_vec_dot_q8_0_q8_0", 34),  # Q8_0
    2: ("quantize_row_q8_0", "ggml_vec_dot_q4_0_q8_0", 34),  # Q4_0
    3: ("quantize_row_q8_1", "ggml_vec_dot_q4_1_q8_1", 36),  # Q4_1
}


class GgmlCpu:
    def __init__(self, np):
        import llama_cpp

        self.np = np
        path = Path(llama_cpp.__file__).parent / "lib" / "libggml-cpu.so"
        if not path.is_file():
            pytest.fail(f"'{path}' is missing: llama-cpp-python's build of ggml is needed", pytrace=False)
        self.lib = ctypes.CDLL(str(path))
        self.lib.ggml_cpu_init()  # fills the F16 tables the dot products read
        for quantizer, vec_dot, _ in PRODUCTS.values():
            getattr(self.lib, quantizer).argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
            getattr(self.lib, vec_dot).argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p,
                                                   ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]

    def linear(self, type_id, w_rows, x):
        """y[m, n] = sum_k x[m, k] w[n, k] as ggml computes it, for w as raw block rows [n, row_bytes]."""
        np = self.np
        quantizer, vec_dot, block_bytes = PRODUCTS[type_id]
        m, k = x.shape
        y = np.zeros((m, w_rows.shape[0]), dtype=np.float32)
        out = np.zeros(1, dtype=np.float32)
        for i in range(m):
            row = np.ascontiguousarray(x[i], dtype=np.float32)
            xq = np.zeros(k // 32 * block_bytes, dtype=np.uint8)
            getattr(self.lib, quantizer)(row.ctypes.data, xq.ctypes.data, k)
            for j in range(w_rows.shape[0]):
                w = np.ascontiguousarray(w_rows[j])
                getattr(self.lib, vec_dot)(k, out.ctypes.data, 0, w.ctypes.data, 0, xq.ctypes.data, 0, 1)
                y[i, j] = out[0]
        return y
