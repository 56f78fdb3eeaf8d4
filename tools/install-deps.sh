#!/usr/bin/env bash
# Installs everything Loom needs to build and test, idempotently:
#   - Debian packages: LLVM/MLIR/clang/lld 22, Halide 14, fmt, GoogleTest, Google Benchmark, Ninja, CMake,
#     the AArch64 cross toolchain and qemu for the aarch64-linux-gnu target kit (cmake/LoomTargetKits.cmake),
#     PoCL to run the GPU schedules on this CPU (the opencl kit);
#   - a Python venv under the build tree with the pinned reference packages (torch, transformers, ...).
# Usage: tools/install-deps.sh [BUILD_DIR]      (default: build)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"

apt_packages=(
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22 libclang-rt-22-dev
  libhalide14-0-dev libfmt-dev libgtest-dev libbenchmark-dev libicu-dev ninja-build cmake python3-venv
  gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
  pocl-opencl-icd ocl-icd-libopencl1
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
req_llamacpp="$root/tools/requirements-llamacpp.txt"
# llama.cpp is built for the instruction sets of the CPU at hand, as its users build it, except AMX: on
# machines whose kernel or hypervisor does not grant AMX tile state, ggml's AMX matmul crashes (seen on a
# Sapphire Rapids machine), and the numerical references must run everywhere the tests do. ggml's native
# build cannot leave AMX out, so its x86 features are listed from /proc/cpuinfo.
llamacpp_flags="-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
if [ "$(uname -m)" = x86_64 ]; then
  cpu_flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
  for pair in avx:AVX avx2:AVX2 fma:FMA f16c:F16C bmi2:BMI2 avx_vnni:AVX_VNNI avx512f:AVX512 \
              avx512vbmi:AVX512_VBMI avx512_vnni:AVX512_VNNI avx512_bf16:AVX512_BF16; do
    case "$cpu_flags" in *" ${pair%%:*} "*) llamacpp_flags+=" -DGGML_${pair#*:}=ON" ;; *) llamacpp_flags+=" -DGGML_${pair#*:}=OFF" ;; esac
  done
else
  llamacpp_flags="-DGGML_NATIVE=ON"
fi
llamacpp_key="$( (cat "$req_llamacpp"; echo "$llamacpp_flags"; uname -m; grep -m1 -o 'flags.*' /proc/cpuinfo) | sha256sum | cut -c1-16)"
wheels="${LOOM_WHEEL_CACHE:-$HOME/.cache/loom/wheels}/llama-cpp-$llamacpp_key"
if [ ! -f "$stamp" ] || ! (cat "$req" "$req_nodeps" "$req_llamacpp"; echo "$llamacpp_key") | cmp -s - "$stamp"; then
  echo "loom: creating Python venv with reference packages in $venv (torch is large, llama.cpp builds from" \
       "source; the first time takes minutes)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" "$venv/bin/pip" install -q -r "$req"
  "$venv/bin/pip" install -q --no-deps -r "$req_nodeps"
  if ! ls "$wheels"/llama_cpp_python-*.whl >/dev/null 2>&1; then
    echo "loom: building llama.cpp (llama-cpp-python) into $wheels"
    mkdir -p "$wheels"
    CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" CMAKE_ARGS="$llamacpp_flags" \
      "$venv/bin/pip" wheel -q --no-cache-dir --no-deps -w "$wheels" -r "$req_llamacpp"
  fi
  # The wheel built here, even over one a reused venv already has; then its dependencies from PyPI.
  "$venv/bin/pip" install -q --force-reinstall --no-deps --no-index --find-links "$wheels" -r "$req_llamacpp"
  "$venv/bin/pip" install -q -r "$req_llamacpp" --find-links "$wheels"
  (cat "$req" "$req_nodeps" "$req_llamacpp"; echo "$llamacpp_key") > "$stamp"
fi
