#!/usr/bin/env bash
# Builds the libFuzzer targets of test/fuzz (clang-22, ASan+UBSan, in their own build tree) and runs each
# for SECONDS_PER_TARGET seconds, one after another, starting from its seed corpus test/fuzz/corpus/<target>.
# Inputs a run discovers go to BUILD_DIR/fuzz-corpus/<target> (the committed seeds stay as they are), crash,
# leak and timeout inputs to BUILD_DIR/fuzz-findings/<target>/. Exits non-zero if any target found anything.
# Usage: tools/fuzz.sh [SECONDS_PER_TARGET] [BUILD_DIR]      (defaults: 60, build-fuzz)
#        LOOM_FUZZ_TARGETS="parser gguf" tools/fuzz.sh 600    (a subset)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
build="${2:-$root/build-fuzz}"
targets=(${LOOM_FUZZ_TARGETS:-parser gguf safetensors tokenizer})

# The fuzzers need the Debian packages only, not the Python reference venv.
LOOM_SKIP_VENV=1 "$root/tools/install-deps.sh" "$build"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLOOM_FUZZ=ON \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22
fi
cmake --build "$build" --target $(printf 'loom-%s-fuzzer ' "${targets[@]}")

failed=()
for target in "${targets[@]}"; do
  seeds=("$root/test/fuzz/corpus/$target")
  # The parser also starts from the example specs, which are kept in one place.
  [ "$target" = parser ] && seeds+=("$root/examples")
  work="$build/fuzz-corpus/$target"
  findings="$build/fuzz-findings/$target"
  mkdir -p "$work" "$findings"
  echo "loom: fuzzing $target for ${seconds}s (seeds: ${seeds[*]})"
  # -timeout: a slow input is a finding too (the readers must stay fast on hostile input).
  if ! "$build/bin/loom-$target-fuzzer" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$findings/" "$work" "${seeds[@]}"; then
    failed+=("$target")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "loom: findings in: ${failed[*]} (inputs under $build/fuzz-findings/)" >&2
  exit 1
fi
echo "loom: no findings in ${targets[*]} (${seconds}s each)"
