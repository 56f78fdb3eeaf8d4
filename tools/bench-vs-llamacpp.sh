#!/usr/bin/env bash
# Loom and llama.cpp side by side on the same GGUF files and thread count (bench/compare_llamacpp.py):
# SmolLM2-135M Q4_1 and random files shaped like Qwen3-0.6B (F32 ... Q4_K_M), Qwen3-MoE and Gemma 3 1B.
# Builds Loom first; --write-doc docs/performance.md regenerates the table there.
# Usage: tools/bench-vs-llamacpp.sh [--threads T] [--rounds R] [--models smollm2,qwen3-f32,...] [--long-prompt N]
#        [--write-doc docs/performance.md]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${LOOM_BUILD_DIR:-$root/build}"
"$root/tools/build.sh" "$build" >/dev/null
exec "$build/venv/bin/python" "$root/bench/compare_llamacpp.py" --loom "$build/bin/loom" \
  --models-dir "$build/bench-models" "$@"
