#!/usr/bin/env bash
# Every object of the AVX-512 kernel variant (in DIR) is free of instructions the CPUs it is dispatched to
# may lack: LLVM compiles Halide's avx512_sapphirerapids target for the Sapphire Rapids CPU, which also has
# AVX512-FP16 and AMX, while the variant runs on any CPU with AVX-512 VNNI, BF16 and AVX-VNNI
# (runtime/lib/kernels/KernelVariant.cpp), Zen 5 among them. Prints each offending instruction and fails.
set -euo pipefail
dir="$1"
shopt -s nullglob
objects=("$dir"/*sapphirerapids*.o)
if [ "${#objects[@]}" -eq 0 ]; then
  echo "no AVX-512 variant objects in $dir"
  exit 1
fi
# AVX512-FP16: vmovw, and the arithmetic on ph/sh elements (not F16C's vcvtph2ps/vcvtps2ph); AMX: tile*.
pattern='^(vmovw|v[a-z0-9]*(ph|sh|phx|psx)|tile[a-z0-9]*|ldtilecfg|sttilecfg)$'
bad=0
for object in "${objects[@]}"; do
  found=$(objdump -d --no-show-raw-insn "$object" | awk -F'\t' 'NF >= 2 {split($2, w, " "); print w[1]}' |
          grep -E "$pattern" | grep -vE '^vcvtps2ph$' | sort | uniq -c || true)
  if [ -n "$found" ]; then
    echo "$(basename "$object"):"
    echo "$found"
    bad=1
  fi
done
# The pipelines runtime/lib/kernels runs inside an EvexOnlyPipeline scope take this variant on CPUs without
# AVX-VNNI (Zen 4) too: their objects must hold no VEX-encoded instruction whose EVEX form the CPU has
# instead (objdump marks such an encoding "{vex}"), AVX-VNNI's vpdpbusd above all.
evex_only=("$dir"/*_rows16-*sapphirerapids*.o "$dir"/loom_hl_kernel_variant_evex_only-*sapphirerapids*.o)
for object in "${evex_only[@]}"; do
  found=$(objdump -d --no-show-raw-insn "$object" | grep -F '{vex}' | sort | uniq -c || true)
  if [ -n "$found" ]; then
    echo "$(basename "$object") (run without AVX-VNNI):"
    echo "$found"
    bad=1
  fi
done
[ "$bad" -eq 0 ] && echo "${#objects[@]} objects checked: no AVX512-FP16 or AMX instructions;" \
  "${#evex_only[@]} of them without VEX-encoded instructions"
exit "$bad"
