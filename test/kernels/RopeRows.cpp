//===- RopeRows.cpp - loom_k_rope on a file, for Python tests -------------===//
//
// loom-rope-rows N HEADS HEAD_DIM START_POS THETA INTERLEAVED X OUT: rotates
// X [N, HEADS, HEAD_DIM] (little-endian F32) in place with loom_k_rope over
// all of HEAD_DIM and writes the result to OUT. test/reference/
// test_ggml_attention.py compares it with llama.cpp's RoPE on the same input.
//
//===----------------------------------------------------------------------===//

#include "loom/Runtime/Kernels.h"

#include "FileIO.h"

#include <cstdio>
#include <cstdlib>

using namespace loom::test;

int main(int argc, char **argv) {
  if (argc != 9) {
    std::fprintf(stderr, "usage: %s N HEADS HEAD_DIM START_POS THETA INTERLEAVED X OUT\n", argv[0]);
    return 2;
  }
  int64_t n = std::atoll(argv[1]), heads = std::atoll(argv[2]), headDim = std::atoll(argv[3]),
          start = std::atoll(argv[4]);
  float theta = std::strtof(argv[5], nullptr);
  int32_t interleaved = std::atoi(argv[6]);
  std::vector<float> x;
  if (!readFloats(argv[7], n * heads * headDim, x))
    return 1;
  loom_k_rope(x.data(), n, heads, headDim, headDim, start, theta, nullptr, 1.0f, interleaved);
  writeFloats(argv[8], x);
  return 0;
}
