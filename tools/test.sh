#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs dependencies, builds, and runs every test
# (lit + FileCheck, GoogleTest, the C dlopen test and the transformers reference tests) with ctest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${LOOM_BUILD_DIR:-$root/build}"
"$root/tools/build.sh" "$build"
ctest --test-dir "$build" --output-on-failure -j1
