#!/usr/bin/env bash
# Loom and llama.cpp side by side on the same GGUF files and thread count (bench/compare_llamacpp.py):
# SmolLM2-135M Q4_1 and Qwen3-0.6B-shaped random files in F32, F16 and Q8_0. Builds Loom first.
# Usage: tools/bench-vs-llamacpp.sh [--threads T] [--rounds R] [--models smollm2,qwen3-f32,qwen3-f16,qwen3-q8_0]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${LOOM_BUILD_DIR:-$root/build}"
"$root/tools/build.sh" "$build" >/dev/null
exec "$build/venv/bin/python" "$root/bench/compare_llamacpp.py" --loom "$build/bin/loom" \
  --models-dir "$build/bench-models" "$@"
