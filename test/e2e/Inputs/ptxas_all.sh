#!/usr/bin/env bash
# Assembles every PTX module in DIR for each GPU architecture given, with the CUDA toolkit's ptxas; fails
# naming the module and architecture that do not assemble. Usage: ptxas_all.sh DIR ARCH...
set -euo pipefail
dir="$1"; shift
count=0
for module in "$dir"/*.ptx; do
  for arch in "$@"; do
    ptxas -arch="$arch" "$module" -o /dev/null || { echo "ptxas -arch=$arch failed on $module" >&2; exit 1; }
  done
  count=$((count + 1))
done
[ "$count" -gt 0 ] || { echo "no PTX modules in $dir" >&2; exit 1; }
echo "assembled $count modules for $*"
