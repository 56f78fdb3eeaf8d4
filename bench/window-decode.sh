#!/usr/bin/env bash
# Decode speed at long contexts of a Gemma-3-shaped model with its 5:1 sliding-window layers against the
# same model with every layer global (bench/specs/gemma3-tiny*.loom): what loom-specialize-attention's ring
# caches and the window-bounded attention kernel save. Prints a markdown table (tokens/s, medians).
# Usage: bench/window-decode.sh [BUILD_DIR] [THREADS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
threads="${2:-2}"
loom="$build/bin/loom"
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
echo "| context | window 5:1 decode tok/s | all global decode tok/s | ratio | KV bytes window | KV bytes global |"
echo "|---|---|---|---|---|---|"
for context in 4096 8192; do
  row=()
  for spec in gemma3-tiny gemma3-tiny-global; do
    json="$("$loom" bench "$root/bench/specs/$spec.loom" --prompt-len "$context" -n 32 --reps 3 --threads "$threads" --json)"
    row+=("$(field "['decode_tokens_per_s']['median']" <<<"$json")")
    row+=("$(field "['kv_cache_bytes']" <<<"$json")")
  done
  ratio="$(python3 -c "print(f'{${row[0]} / ${row[2]}:.2f}')")"
  echo "| $context | ${row[0]} | ${row[2]} | $ratio | ${row[1]} | ${row[3]} |"
done
