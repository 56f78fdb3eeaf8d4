"""The block-format products' GPU schedules, run: libraries compiled for `--target opencl` (PoCL runs the
OpenCL C on this CPU) against the host library, on tiny GGUF models whose matrices are Q8_0, Q4_0, Q4_1, Q4_K
and Q6_K.

The float products, norms, RoPE, embeddings and attention run on the device in test/e2e/targets_opencl.test,
on random F32 weights. Quantized weights need a GGUF file (gguf_models.py), hence this test here. The device's
products (scheduleGpu in BlockLinear.cpp and KQuantLinear.cpp) sum the same integer block products in the CPU schedules' float
order; the activations are quantized on the host. So the results differ only by contraction, until a
last-bit difference moves an activation code of the next product (the 1e-1 allowed to AArch64 in
test_aarch64.py for the same reason).

That the products ran on the device shows in the weights the device kept (LOOM_DEVICE_STATS): every tensor
of the dense models' files, but for an untied token embedding, which the lookup views only up to the largest
id of each call and so copies per call rather than keeping.
"""
import os
import re
import subprocess

import pytest

from gguf_models import GgufConfig, write_gguf
from llamacpp import import_reference

KIT = "opencl"
TOLERANCE = 1e-1
CONFIGS = [
    GgufConfig(name="ocl-q8_0", arch="llama", dtype="Q8_0", seed=26),
    GgufConfig(name="ocl-q4_0", arch="llama", dtype="Q4_0", seed=36, tied=False),
    GgufConfig(name="ocl-q4_1", arch="llama", dtype="Q4_1", seed=28, tied=False),
    GgufConfig(name="ocl-q4_k", arch="llama", dtype="Q4_K", seed=32, d_model=256, head_dim=64, hidden=512),
    GgufConfig(name="ocl-q6_k", arch="llama", dtype="Q6_K", seed=33, d_model=256, head_dim=64, hidden=512),
    GgufConfig(name="ocl-qwen3moe-q8_0", arch="qwen3moe", dtype="Q8_0", seed=42),
]
PROMPT_TOKENS = [(i * 37 + 11) % 280 + 3 for i in range(70)]


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: c.name)
def test_block_products_on_the_device_match_the_host(cfg, loom, tmp_path, record_diff):
    kit = loom.binary.parent.parent / "lib" / "loom" / "targets" / KIT / "model-link.txt"
    if not kit.is_file():
        pytest.fail(f"no {KIT} kit in this build ({kit} is missing)", pytrace=False)
    os.environ.setdefault("POCL_CACHE_DIR", str(tmp_path / "pocl-cache"))
    np, gguf, _ = import_reference()
    weights = tmp_path / f"{cfg.name}.gguf"
    write_gguf(cfg, weights, np, gguf)
    spec, library = tmp_path / "model.loom", tmp_path / "libmodel-opencl.so"
    for command in (["import", str(weights), "-o", str(spec)],
                    ["compile", str(spec), "--target", KIT, "-o", str(library)]):
        result = subprocess.run([str(loom.binary), *command], capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr

    first = loom.run(spec, weights, PROMPT_TOKENS, tmp_path / "host.f32")
    assert first.returncode == 0, first.stderr
    host = np.fromfile(tmp_path / "host.f32", dtype="<f4").astype(np.float64)
    vocab = host.size // len(PROMPT_TOKENS)
    if cfg.arch == "llama":  # the MoE model's experts are kept only once routed to
        stats = subprocess.run(
            [str(loom.binary), "logits", str(library), "--weights", str(weights), "--tokens",
             ",".join(map(str, PROMPT_TOKENS)), "--out", str(tmp_path / "stats.f32")],
            capture_output=True, text=True, timeout=600, env=dict(os.environ, LOOM_DEVICE_STATS="1"))
        assert stats.returncode == 0, stats.stderr
        kept = re.search(r"weights \d+ made \((\d+) bytes\)", stats.stderr)
        assert kept, stats.stderr
        tensors = gguf.GGUFReader(str(weights)).tensors
        expected = sum(int(t.n_bytes) for t in tensors if cfg.tied or t.name != "token_embd.weight")
        # + 4: the one-float zero bias every product without a bias shares.
        assert int(kept.group(1)) == expected + 4, (
            f"the device kept {kept.group(1)} bytes of weights, not the {expected} + 4 of the file's matrices "
            f"and norms: some product ran on the host")
    for what, decode_from in (("batched", None), ("decoded one by one", 30)):
        device = loom.logits(library, weights, PROMPT_TOKENS, tmp_path / "device.f32", vocab,
                             decode_from=decode_from).ravel()
        diff = float(np.abs(device - host).max())
        record_diff(f"{cfg.name}: opencl (PoCL) vs host, {what}", diff, TOLERANCE)
        assert diff <= TOLERANCE, f"{cfg.name} {what}: device vs host max-abs {diff:.3e} > {TOLERANCE:.0e}"
