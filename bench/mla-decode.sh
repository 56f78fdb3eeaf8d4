#!/usr/bin/env bash
# What loom-absorb-mla buys on a DeepSeek-shaped model (bench/specs/deepseek-mla-bench.loom): decode tokens/s
# with the latent attention absorbed (the pass's choice for single tokens) against always expanded
# (--absorb-mla=false), after prompts of 256 and 4096 tokens, with `loom bench` (medians of 3, random
# weights). Prints a markdown table.
# Usage: bench/mla-decode.sh [BUILD_DIR] [THREADS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
threads="${2:-2}"
loom="$build/bin/loom"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
spec="$root/bench/specs/deepseek-mla-bench.loom"
"$loom" compile "$spec" -o "$work/absorbed.so"
"$loom" compile "$spec" --absorb-mla=false -o "$work/expanded.so"
echo "| context | absorbed decode tok/s | expanded decode tok/s | ratio | KV bytes |"
echo "|---|---|---|---|---|"
for context in 256 4096; do
  row=()
  for lib in absorbed expanded; do
    json="$("$loom" bench "$work/$lib.so" --prompt-len "$context" -n 16 --reps 3 --threads "$threads" --json)"
    row+=("$(field "['decode_tokens_per_s']['median']" <<<"$json")")
    kv="$(field "['kv_cache_bytes']" <<<"$json")"
  done
  ratio="$(python3 -c "print(f'{${row[0]} / ${row[1]}:.2f}')")"
  echo "| $context | ${row[0]} | ${row[1]} | $ratio | $kv |"
done
