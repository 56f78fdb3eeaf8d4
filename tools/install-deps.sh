#!/usr/bin/env bash
# Installs everything Loom needs to build and test, idempotently:
#   - Debian packages: LLVM/MLIR/clang/lld 22, Halide 14, fmt, GoogleTest, Google Benchmark, Ninja, CMake;
#   - a Python venv under the build tree with the pinned reference packages (torch, transformers, ...).
# Usage: tools/install-deps.sh [BUILD_DIR]      (default: build)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"

apt_packages=(
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22 libclang-rt-22-dev
  libhalide14-0-dev libfmt-dev libgtest-dev libbenchmark-dev libicu-dev ninja-build cmake python3-venv
)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "loom: installing Debian packages: ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Reference packages, pinned. torch from PyPI pulls its CUDA runtime wheels even for CPU use; they are
# cached in pip's cache, and the venv lives under the build tree so a clean build starts clean.
[ "${LOOM_SKIP_VENV:-0}" = 1 ] && exit 0
venv="$build/venv"
stamp="$venv/.loom-requirements"
req="$root/tools/requirements.txt"
req_nodeps="$root/tools/requirements-nodeps.txt"
if [ ! -f "$stamp" ] || ! cat "$req" "$req_nodeps" | cmp -s - "$stamp"; then
  echo "loom: creating Python venv with reference packages in $venv (torch is large, llama.cpp builds from" \
       "source; the first time takes minutes)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" "$venv/bin/pip" install -q -r "$req"
  "$venv/bin/pip" install -q --no-deps -r "$req_nodeps"
  cat "$req" "$req_nodeps" > "$stamp"
fi
