#!/usr/bin/env python3
"""Writes docs/architectures.md: every example architecture with its figures (loom report) and the
references it is checked against with the max-abs errors measured now (the reference tests are run).

Usage: tools/gen-architectures-doc.py [BUILD_DIR]     (needs the build's venv: tools/install-deps.sh)
"""
import json
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILD = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build"
LOOM = BUILD / "bin" / "loom"
REFERENCE_TESTS = ["test/reference"]


def report(spec):
    out = subprocess.run([str(LOOM), "report", str(spec), "--json"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def measured_errors():
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "diffs.json"
        env = dict(os.environ, LOOM_DIFF_REPORT=str(path))
        subprocess.run([str(ROOT / "test/reference/run-reference-tests.sh"), str(BUILD), *REFERENCE_TESTS],
                       env=env, check=False)
        return json.loads(path.read_text()) if path.exists() else []


# Which reference comparisons test each example's family: a comparison belongs to the family whose name is the
# longest prefix of its description's first word (its tiny configuration's name: "qwen3moe-f32" is Qwen3-MoE's,
# not Qwen3's); an example belongs to the family of the first entry its file name starts with.
FAMILY_PREFIXES = {
    "deepseek": ["deepseek"], "exaone4": ["exaone4"], "gemma3": ["gemma3"], "glm4moe": ["glm4-moe", "glm4moe"],
    "gpt2": ["gpt2"], "gpt-oss": ["gpt_oss", "gpt-oss"], "llama": ["llama"], "llama4": ["llama4"],
    "mimo": ["mimo-v2-flash"], "minimax": ["minimax-m2"], "mistral": ["mistral"], "mistral4": ["mistral4"],
    "olmo2": ["olmo2"], "olmo3": ["olmo3"], "qwen3": ["qwen3"], "qwen3moe": ["qwen3-moe", "qwen3moe"],
    "qwen3next": ["qwen3-next"], "smollm2": ["smollm2"], "smollm3": ["smollm3"], "afmoe": ["afmoe"],
}
EXAMPLE_FAMILY = [("arcee-trinity", "afmoe"), ("deepseek", "deepseek"), ("kimi", "deepseek"),
                  ("exaone4", "exaone4"), ("gemma3", "gemma3"), ("glm-4.5", "glm4moe"), ("gpt-oss", "gpt-oss"),
                  ("gpt2", "gpt2"), ("llama4", "llama4"), ("llama3", "llama"), ("mimo", "mimo"),
                  ("minimax", "minimax"), ("mistral-large-3", "mistral4"), ("mistral", "mistral"),
                  ("olmo2", "olmo2"), ("olmo3", "olmo3"), ("qwen3-30b", "qwen3moe"), ("qwen3-235b", "qwen3moe"),
                  ("qwen3-next", "qwen3next"), ("qwen3", "qwen3"), ("smollm2", "smollm2"), ("smollm3", "smollm3")]


def family_of_comparison(what):
    word = what.split()[0].lower()
    matches = [(len(p), f) for f, prefixes in FAMILY_PREFIXES.items() for p in prefixes if word.startswith(p)]
    return max(matches)[1] if matches else None


def reference_kind(what):
    """transformers, llama.cpp (same weights in F32, or SmolLM2's own Q4_1 file), decode, or None (not a
    comparison of an architecture with a reference: quantized-format tolerances, llama.cpp's self-variation,
    Loom's forms against each other)."""
    if what.startswith("llama.cpp itself"):
        return None
    if "vs batched" in what:
        return "decode"
    if what.startswith("SmolLM2"):
        return "llama.cpp"
    if "vs llama.cpp" in what and "fast profile" in what:
        return None  # the default profile's distance from llama.cpp, not the ggml profile's
    if "vs llama.cpp" in what:
        # The F32 files only: a configuration named for another weight type (deepseek2-q8_0-f32-latent keeps only
        # its latent halves in F32) is a quantized comparison.
        parts = what.split()[0].lower().split("-")
        quantized = any(p.startswith(("q", "f16", "bf16")) for p in parts[1:])
        return "llama.cpp" if "f32" in what.lower() and not quantized else None
    if any(own in what for own in ("absorbed vs expanded", "vs token-by-token", "token-by-token vs", "vs its ")):
        return None  # two of Loom's own forms of the same model
    return "transformers"


def per_architecture(specs, diffs):
    """One row per example: the worst error of its family against each reference, and how many comparisons."""
    rows = ["| spec | vs transformers (worst, comparisons) | vs llama.cpp, F32 GGUF (worst, comparisons) "
            "| decode vs batched (worst) |", "|---|---|---|---|"]
    for spec in specs:
        family = next((f for prefix, f in EXAMPLE_FAMILY if spec.stem.startswith(prefix)), None)
        mine = [d for d in diffs if family and family_of_comparison(d["what"]) == family]
        cells = []
        for kind in ("transformers", "llama.cpp", "decode"):
            errs = [d["max_abs"] for d in mine if reference_kind(d["what"]) == kind]
            cells.append(f"{max(errs):.1e} ({len(errs)})" if errs else "not run")
        rows.append(f"| {spec.name} | {cells[0]} | {cells[1]} | {cells[2]} |")
    return rows


def main():
    lines = ["# Architectures", "",
             "Generated by `tools/gen-architectures-doc.py` (it runs the reference tests). Figures from",
             "`loom report --json` at each model's max context, with sliding-window layers in ring caches.", "",
             "| spec | parameters | layers (summary of the first) | KV bytes / token | KV bytes at max context |",
             "|---|---|---|---|---|"]
    specs = sorted((ROOT / "examples").glob("*.loom"))
    for spec in specs:
        r = report(spec)
        first = r["layers"][0]["summary"] if r["layers"] else ""
        lines.append(f"| [{spec.name}](../examples/{spec.name}) | {r['parameters']:,} | {len(r['layers'])}: {first} "
                     f"| {r['kv_cache_bytes_per_token']:,} | {r['kv_cache_bytes_at_context']:,} |")
    diffs = measured_errors()
    lines += ["", "## Each architecture against its references", "",
              "The family's tiny configurations of the same structure (its reference tests below): the worst",
              "max-abs over all positions' logits and the number of comparisons. Tolerances: 1e-4 against",
              "transformers, 1e-5 for one-token decode against one batched pass; against llama.cpp 1e-4 in F32",
              "(run with `--numerics ggml`) except where ggml rounds through F16 (GPT-2's and Gemma 3's GELU",
              "table: 2e-3, an input now and then rounding to the neighbouring half), see the list.", ""]
    lines += per_architecture(specs, diffs)
    lines += ["", "## Measured against the references", "",
              "Hugging Face transformers on random weights (tiny configurations of each family, same structure),",
              "llama.cpp on GGUF files; max-abs over all positions' logits.", "",
              "| comparison | max-abs | tolerance |", "|---|---|---|"]
    for d in diffs:
        tol = "" if d["tolerance"] is None else f"{d['tolerance']:.0e}"
        lines.append(f"| {d['what']} | {d['max_abs']:.2e} | {tol} |")
    (ROOT / "docs/architectures.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
