#!/usr/bin/env bash
# Runs the reference tests (transformers, llama.cpp) with the build tree's venv and loom binary.
# Usage: test/reference/run-reference-tests.sh BUILD_DIR [pytest args...]   (default: all of test/reference)
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: $0 BUILD_DIR [pytest args...]" >&2
  exit 2
fi
build="$(cd "$1" && pwd)"
shift
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
python="$build/venv/bin/python"
if [ ! -x "$python" ] || ! "$python" -c "import torch, transformers, safetensors, numpy, pytest, gguf, llama_cpp" >/dev/null 2>&1; then
  echo "reference packages missing: run tools/install-deps.sh" >&2
  exit 1
fi
export LOOM_BIN="$build/bin/loom"
export LOOM_CACHE_DIR="$build/test-cache"
export PYTHONDONTWRITEBYTECODE=1
cd "$root"
if [ $# -eq 0 ]; then
  set -- test/reference
fi
exec "$python" -m pytest -q "$@"
