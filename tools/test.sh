#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs dependencies, builds, and runs every test
# (lit + FileCheck, GoogleTest, the C dlopen test and the transformers reference tests) with ctest;
# then builds again with AddressSanitizer + UndefinedBehaviorSanitizer and runs the suite there
# (all but the transformers comparison, whose Python process cannot host the sanitizer runtime).
# LOOM_SANITIZERS=0 skips the sanitizer pass.
set -euo pipefail
SECONDS=0
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${LOOM_BUILD_DIR:-$root/build}"
"$root/tools/build.sh" "$build"
jobs="$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$jobs"

if [ "${LOOM_SANITIZERS:-1}" != 0 ]; then
  export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
  # The target kits are not built there: nothing of them runs in a sanitized process (the AArch64
  # libraries run under qemu, the CUDA ones need a GPU), and the normal pass above has tested them.
  # Halide's generators are the normal build's: they run at build time only and what they emit is the
  # same code either way (Halide does not instrument it), so sanitizing them would test Halide and its
  # LLVM 14 rather than Loom, at twice the run time (Halide's cross-compiling import, as the kits do).
  LOOM_SKIP_VENV=1 "$root/tools/build.sh" "$build-sanitize" -DLOOM_SANITIZE=ON -DLOOM_TARGET_KITS= \
    -Dloom-halide_generators_DIR="$build/cmake"
  # allow_user_poisoning=0: LLVM's BumpPtrAllocator poisons its slabs when the code that allocates them is
  # instrumented (ours, inlined from LLVM headers) but not when it is not (libMLIR), so MLIR attribute and
  # type storage allocated by one and read by the other looks poisoned. Real heap errors are still caught.
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:allow_user_poisoning=0" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    ctest --test-dir "$build-sanitize" --output-on-failure -j"$jobs" -E '^reference-'
fi
echo "tools/test.sh: done in ${SECONDS} s"
