#!/usr/bin/env bash
# The demo, from a fresh clone: installs dependencies, builds, compiles examples/qwen3-0.6b.loom into a
# shared library, then generates 32 tokens with seeded random weights and prints prefill/decode tokens/s.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${LOOM_BUILD_DIR:-$root/build}"
"$root/tools/build.sh" "$build"
mkdir -p "$build/demo"
"$build/bin/loom" compile "$root/examples/qwen3-0.6b.loom" -o "$build/demo/libqwen3.so"
echo "compiled $build/demo/libqwen3.so (+ libqwen3.h, libqwen3.manifest.json)"
"$build/bin/loom" report "$root/examples/qwen3-0.6b.loom"
"$build/bin/loom" run "$root/examples/qwen3-0.6b.loom" --random-weights -n 32 --threads "${LOOM_THREADS:-0}"
