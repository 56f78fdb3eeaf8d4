#!/usr/bin/env bash
# What loom-absorb-mla buys on a DeepSeek-shaped model (bench/specs/deepseek-mla-bench.loom): decode tokens/s
# with the latent attention absorbed (the pass's choice for single tokens) against always expanded
# (--absorb-mla=false), after prompts of 256 and 4096 tokens, with `loom bench` (medians of 3, random
# weights). Prints a markdown table.
# REPS, TOKENS and CONTEXTS (environment) override the repetitions, decoded tokens and contexts.
# Usage: bench/mla-decode.sh [BUILD_DIR] [THREADS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
threads="${2:-2}"
reps="${REPS:-3}"
tokens="${TOKENS:-16}"
contexts="${CONTEXTS:-256 4096}"
loom="$build/bin/loom"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
field() { python3 -c "import json,sys; v = json.load(sys.stdin)$1; print(f'{v:.1f}' if isinstance(v, float) else v)"; }
spec="$root/bench/specs/deepseek-mla-bench.loom"
"$loom" compile "$spec" -o "$work/absorbed.so"
"$loom" compile "$spec" --absorb-mla=false -o "$work/expanded.so"
echo "| context | absorbed decode tok/s | expanded decode tok/s | ratio | KV bytes |"
echo "|---|---|---|---|---|"
for context in $contexts; do
  row=()
  for lib in absorbed expanded; do
    json="$("$loom" bench "$work/$lib.so" --prompt-len "$context" -n "$tokens" --reps "$reps" --threads "$threads" --json)"
    row+=("$(field "['decode_tokens_per_s']['median']" <<<"$json")")
    kv="$(field "['kv_cache_bytes']" <<<"$json")"
  done
  ratio="$(python3 -c "print(f'{${row[0]} / ${row[1]}:.2f}')")"
  echo "| $context | ${row[0]} | ${row[1]} | $ratio | $kv |"
done
