#!/usr/bin/env bash
# What loom-moe-grouped-matmul buys on a Qwen3-MoE-shaped model (bench/specs/qwen3-moe-bench.loom: d_model
# 1024, 8 layers, 16 experts, top-4): the same spec compiled with the pass (grouped GEMMs per expert) and
# without (each token's experts in turn), prefill and decode tokens/s with `loom bench` (medians of 5, random
# weights). Prints a markdown table.
# REPS and TOKENS (environment) override the repetitions and decoded tokens.
# Usage: bench/moe-grouped.sh [BUILD_DIR] [THREADS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
threads="${2:-2}"
reps="${REPS:-5}"
tokens="${TOKENS:-32}"
loom="$build/bin/loom"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
field() { python3 -c "import json,sys; v = json.load(sys.stdin)$1; print(f'{v:.1f}' if isinstance(v, float) else v)"; }
spec="$root/bench/specs/qwen3-moe-bench.loom"
"$loom" compile "$spec" -o "$work/grouped.so"
"$loom" compile "$spec" --moe-grouped-matmul=false -o "$work/token.so"
echo "| prompt | grouped prefill tok/s | token-by-token prefill tok/s | ratio | grouped decode tok/s | token-by-token decode tok/s |"
echo "|---|---|---|---|---|---|"
for prompt in 64 512; do
  row=()
  for lib in grouped token; do
    json="$("$loom" bench "$work/$lib.so" --prompt-len "$prompt" -n "$tokens" --reps "$reps" --threads "$threads" --json)"
    row+=("$(field "['prefill_tokens_per_s']['median']" <<<"$json")")
    row+=("$(field "['decode_tokens_per_s']['median']" <<<"$json")")
  done
  ratio="$(python3 -c "print(f'{${row[0]} / ${row[2]}:.2f}')")"
  echo "| $prompt | ${row[0]} | ${row[2]} | $ratio | ${row[1]} | ${row[3]} |"
done
