//===- AttentionRows.cpp - loom_k_attention on files, for Python tests ----===//
//
// loom-attention-rows N START_POS HEADS KV_HEADS HEAD_DIM SCALE Q K V OUT:
// causal attention (global mask) of N queries Q [N, HEADS, HEAD_DIM] at
// positions START_POS.. over the cache rows K, V [START_POS + N, KV_HEADS,
// HEAD_DIM] (all little-endian F32); OUT receives [N, HEADS, HEAD_DIM].
// test/reference/test_ggml_attention.py compares it with the attention
// llama.cpp computes on the same inputs.
//
//===----------------------------------------------------------------------===//

#include "loom/Runtime/Kernels.h"

#include "FileIO.h"

#include <cstdio>
#include <cstdlib>

using namespace loom::test;

int main(int argc, char **argv) {
  if (argc != 11) {
    std::fprintf(stderr, "usage: %s N START_POS HEADS KV_HEADS HEAD_DIM SCALE Q K V OUT\n", argv[0]);
    return 2;
  }
  int64_t n = std::atoll(argv[1]), start = std::atoll(argv[2]), heads = std::atoll(argv[3]),
          kvHeads = std::atoll(argv[4]), headDim = std::atoll(argv[5]);
  float scale = std::strtof(argv[6], nullptr);
  std::vector<float> q, k, v;
  size_t rows = static_cast<size_t>(start + n);
  if (!readFloats(argv[7], n * heads * headDim, q) || !readFloats(argv[8], rows * kvHeads * headDim, k) ||
      !readFloats(argv[9], rows * kvHeads * headDim, v))
    return 1;
  std::vector<float> out(n * heads * headDim);
  loom_cache_view cache{k.data(), v.data(), static_cast<int64_t>(rows), LOOM_DTYPE_F32};
  loom_k_attention(q.data(), n, start, &cache, heads, kvHeads, headDim, headDim, scale, 0.0f, nullptr, LOOM_MASK_GLOBAL, 0,
                   out.data());
  writeFloats(argv[10], out);
  return 0;
}
