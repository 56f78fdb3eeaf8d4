"""ggml's CPU quantized dot products, called through ctypes in the libggml-cpu.so llama-cpp-python built.

These are the functions llama.cpp's matrix products run per output element on x86 (one row of weights
against one row of activations quantized to ggml's 8-bit blocks): the exact arithmetic Loom reproduces.
"""
import ctypes
from pathlib import Path

import pytest

# ggml type id -> (activation quantizer, vec_dot, activation block elements, block bytes)
PRODUCTS = {
    8: ("quantize_row_q8_0", "ggml_vec_dot_q8_0_q8_0", 32, 34),  # Q8_0
    2: ("quantize_row_q8_0", "ggml_vec_dot_q4_0_q8_0", 32, 34),  # Q4_0
    3: ("quantize_row_q8_1", "ggml_vec_dot_q4_1_q8_1", 32, 36),  # Q4_1
    12: ("quantize_row_q8_K", "ggml_vec_dot_q4_K_q8_K", 256, 292),  # Q4_K
    14: ("quantize_row_q8_K", "ggml_vec_dot_q6_K_q8_K", 256, 292),  # Q6_K
}
# ggml type id -> (weight quantizer of libggml-base, block elements, block bytes), for the types the PyPI
# gguf package cannot quantize.
WEIGHT_QUANTIZERS = {12: ("quantize_row_q4_K_ref", 256, 144), 14: ("quantize_row_q6_K_ref", 256, 210)}


class GgmlCpu:
    def __init__(self, np):
        import llama_cpp

        self.np = np
        path = Path(llama_cpp.__file__).parent / "lib" / "libggml-cpu.so"
        if not path.is_file():
            pytest.fail(f"'{path}' is missing: llama-cpp-python's build of ggml is needed", pytrace=False)
        self.base = ctypes.CDLL(str(path.parent / "libggml-base.so"))
        self.lib = ctypes.CDLL(str(path))
        self.lib.ggml_cpu_init()  # fills the F16 tables the dot products read
        for quantizer, _, _ in WEIGHT_QUANTIZERS.values():
            getattr(self.base, quantizer).argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
        for quantizer, vec_dot, _, _ in PRODUCTS.values():
            getattr(self.lib, quantizer).argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
            getattr(self.lib, vec_dot).argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p,
                                                   ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]

    def quantize(self, type_id, rows):
        """rows [n, k] F32 as ggml's reference quantizer encodes them: uint8 [n, row bytes]."""
        np = self.np
        quantizer, elems, block_bytes = WEIGHT_QUANTIZERS[type_id]
        rows = np.ascontiguousarray(rows, dtype=np.float32)
        out = np.zeros((rows.shape[0], rows.shape[1] // elems * block_bytes), dtype=np.uint8)
        for i in range(rows.shape[0]):
            getattr(self.base, quantizer)(rows[i].ctypes.data, out[i].ctypes.data, rows.shape[1])
        return out

    def linear(self, type_id, w_rows, x):
        """y[m, n] = sum_k x[m, k] w[n, k] as ggml computes it, for w as raw block rows [n, row_bytes]."""
        np = self.np
        quantizer, vec_dot, block_elems, block_bytes = PRODUCTS[type_id]
        m, k = x.shape
        y = np.zeros((m, w_rows.shape[0]), dtype=np.float32)
        out = np.zeros(1, dtype=np.float32)
        for i in range(m):
            row = np.ascontiguousarray(x[i], dtype=np.float32)
            xq = np.zeros(k // block_elems * block_bytes, dtype=np.uint8)
            getattr(self.lib, quantizer)(row.ctypes.data, xq.ctypes.data, k)
            for j in range(w_rows.shape[0]):
                w = np.ascontiguousarray(w_rows[j])
                getattr(self.lib, vec_dot)(k, out.ctypes.data, 0, w.ctypes.data, 0, xq.ctypes.data, 0, 1)
                y[i, j] = out[0]
        return y


class _GgmlTensor(ctypes.Structure):
    """The head of ggml.h's struct ggml_tensor (ggml as built by llama-cpp-python 0.3.36), as far as `name`."""
    _fields_ = [("type", ctypes.c_int), ("buffer", ctypes.c_void_p), ("ne", ctypes.c_int64 * 4),
                ("nb", ctypes.c_size_t * 4), ("op", ctypes.c_int), ("op_params", ctypes.c_int32 * 16),
                ("flags", ctypes.c_int32), ("src", ctypes.c_void_p * 10), ("view_src", ctypes.c_void_p),
                ("view_offs", ctypes.c_size_t), ("data", ctypes.c_void_p), ("name", ctypes.c_char * 64)]


class GraphTap:
    """Runs a GGUF file in llama.cpp (F32 KV cache, no flash attention) and keeps a copy of every F32 tensor
    of its compute graph whose name starts with one of `prefixes`, in evaluation order, through the
    scheduler's eval callback: the values llama.cpp really computed, as [ne3, ne2, ne1, ne0] arrays."""

    def __init__(self, llama_cpp, np, path, prefixes, n_ctx=256):
        self.np, self.prefixes, self.tensors = np, tuple(prefixes), []
        self._callback = llama_cpp.ggml_backend_sched_eval_callback(self._observe)
        params = llama_cpp.llama_context_default_params

        def with_callback():
            p = params()
            p.cb_eval = self._callback
            return p

        llama_cpp.llama.llama_cpp.llama_context_default_params = with_callback
        try:
            self.llm = llama_cpp.Llama(model_path=str(path), n_ctx=n_ctx, n_batch=n_ctx, n_ubatch=n_ctx,
                                       n_threads=2, n_threads_batch=2, type_k=0, type_v=0, flash_attn=False,
                                       verbose=False)
        finally:
            llama_cpp.llama.llama_cpp.llama_context_default_params = params

    def _observe(self, tensor, ask, _user_data):
        t = _GgmlTensor.from_address(tensor)
        name = t.name.decode(errors="replace")
        if ask or t.type != 0 or not t.data or not name.startswith(self.prefixes):
            return True
        ne, nb = list(t.ne), list(t.nb)
        span = sum((ne[i] - 1) * nb[i] for i in range(4)) + 4
        raw = self.np.frombuffer(ctypes.string_at(t.data, span), dtype=self.np.uint8)
        view = self.np.lib.stride_tricks.as_strided(raw.view(self.np.float32), shape=tuple(reversed(ne)),
                                                    strides=tuple(reversed(nb)))
        self.tensors.append((name, self.np.array(view)))
        return True

    def run(self, tokens, reset=True):
        """Evaluates `tokens` (from an empty cache if `reset`) and returns {name: [arrays in order]}."""
        self.tensors = []
        if reset:
            self.llm.reset()
        self.llm.eval(list(tokens))
        found = {}
        for name, value in self.tensors:
            found.setdefault(name, []).append(value)
        return found
