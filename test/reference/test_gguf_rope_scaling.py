"""RoPE scaling in GGUF files: what `loom import` reads (`<arch>.rope.scaling.*` keys, Llama 3.1's
rope_freqs.weight table) and what the loader does with a table (checks it against the spec's scaling, never
ignores it). test_llamacpp_logits.py holds the llama3 file's logits to llama.cpp's.
"""
import subprocess

import pytest

from gguf_models import GgufConfig, write_gguf
from llamacpp import LlamaCpp, import_reference

LLAMA3 = GgufConfig(name="llama3-table", arch="llama", dtype="F32", seed=34, head_dim=32,
                    llama3_scaling=(8.0, 1.0, 4.0, 64))


@pytest.fixture(scope="module")
def reference():
    return import_reference()


def write(cfg, tmp_path, reference):
    np, gguf, _ = reference
    path = tmp_path / f"{cfg.name}.gguf"
    write_gguf(cfg, path, np, gguf)
    return path


def run(loom, *args):
    return subprocess.run([str(loom.binary), *map(str, args)], capture_output=True, text=True)


def imported(loom, path, tmp_path):
    spec = tmp_path / "imported.loom"
    result = run(loom, "import", path, "-o", spec)
    assert result.returncode == 0, result.stderr
    return spec.read_text()


def test_llama3_table_matters_to_llamacpp(reference, tmp_path):
    """The same weights without the table give other logits in llama.cpp: the comparison in
    test_llamacpp_logits.py does test the scaling."""
    np, _, llama_cpp = reference
    tokens = [int(i) for i in np.random.default_rng(1).integers(0, LLAMA3.vocab, size=80)]
    scaled = LlamaCpp(llama_cpp, np, write(LLAMA3, tmp_path, reference), n_ctx=256).logits(tokens)
    plain_cfg = GgufConfig(**{**LLAMA3.__dict__, "name": "plain", "llama3_scaling": None})
    plain = LlamaCpp(llama_cpp, np, write(plain_cfg, tmp_path, reference), n_ctx=256).logits(tokens)
    assert float(np.abs(scaled - plain).max()) > 1e-2


def test_import_recovers_llama3_parameters(reference, loom, tmp_path):
    text = imported(loom, write(LLAMA3, tmp_path, reference), tmp_path)
    assert ("scaling = llama3(factor = 8, low_freq_factor = 1, high_freq_factor = 4, original_context = 64)"
            in text), text


@pytest.mark.parametrize("edit,message", [
    ("factor = 8,", "factor = 16,"),
    ("original_context = 64", "original_context = 128"),
])
def test_loader_rejects_a_table_for_other_parameters(edit, message, reference, loom, tmp_path):
    path = write(LLAMA3, tmp_path, reference)
    spec = tmp_path / "other.loom"
    spec.write_text(imported(loom, path, tmp_path).replace(edit, message))
    result = run(loom, "logits", spec, "--weights", path, "--tokens", "1,2,3", "--out", tmp_path / "l.f32")
    assert result.returncode != 0
    assert "rope_freqs.weight" in result.stderr and "other RoPE scaling parameters" in result.stderr, result.stderr


def test_loader_rejects_a_table_for_an_unscaled_spec(reference, loom, tmp_path):
    path = write(LLAMA3, tmp_path, reference)
    text = imported(loom, path, tmp_path)
    start = text.index(", scaling = ")
    spec = tmp_path / "unscaled.loom"
    spec.write_text(text[:start] + text[text.index(")", start) + 1:])
    result = run(loom, "logits", spec, "--weights", path, "--tokens", "1,2,3", "--out", tmp_path / "l.f32")
    assert result.returncode != 0
    assert "rope_freqs.weight" in result.stderr and "no llama3" in result.stderr, result.stderr


def test_import_reads_yarn_keys(reference, loom, tmp_path):
    cfg = GgufConfig(name="yarn", arch="qwen3", dtype="F32", head_dim=32, theta=1e6, seed=3,
                     rope_scaling_keys=(("type", "yarn"), ("factor", 4.0), ("original_context_length", 64),
                                        ("yarn_beta_fast", 16.0), ("yarn_beta_slow", 2.0)))
    text = imported(loom, write(cfg, tmp_path, reference), tmp_path)
    # llama.cpp's attention factor: YaRN's 0.1 ln(4) + 1 times the file's attn_factor (1).
    assert "scaling = yarn(factor = 4, original_context = 64, beta_fast = 16, beta_slow = 2, " \
           "attention_factor = 1.138629436" in text, text


def test_import_reads_linear_keys(reference, loom, tmp_path):
    cfg = GgufConfig(name="linear", arch="llama", dtype="F32", seed=4,
                     rope_scaling_keys=(("type", "linear"), ("factor", 2.0)))
    text = imported(loom, write(cfg, tmp_path, reference), tmp_path)
    assert "scaling = linear(factor = 2)" in text, text


def test_unmodelled_gguf_scaling_is_an_error(reference, loom, tmp_path):
    cfg = GgufConfig(name="longrope", arch="llama", dtype="F32", seed=5,
                     rope_scaling_keys=(("type", "longrope"), ("factor", 2.0)))
    result = run(loom, "import", write(cfg, tmp_path, reference), "-o", tmp_path / "out.loom")
    assert result.returncode != 0
    assert "'longrope' RoPE scaling" in result.stderr, result.stderr
