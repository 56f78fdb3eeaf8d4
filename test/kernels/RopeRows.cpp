//===- RopeRows.cpp - loom_k_rope on a file, for Python tests -------------===//
//
// loom-rope-rows N HEADS HEAD_DIM START_POS THETA INTERLEAVED X OUT: rotates
// X [N, HEADS, HEAD_DIM] (little-endian F32) in place with loom_k_rope over
// all of HEAD_DIM and writes the result to OUT. test/reference/
// test_ggml_attention.py compares it with llama.cpp's RoPE on the same input.
//
//===----------------------------------------------------------------------===//

#include "loom/Runtime/Kernels.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <vector>

int main(int argc, char **argv) {
  if (argc != 9) {
    std::fprintf(stderr, "usage: %s N HEADS HEAD_DIM START_POS THETA INTERLEAVED X OUT\n", argv[0]);
    return 2;
  }
  int64_t n = std::atoll(argv[1]), heads = std::atoll(argv[2]), headDim = std::atoll(argv[3]),
          start = std::atoll(argv[4]);
  float theta = std::strtof(argv[5], nullptr);
  int32_t interleaved = std::atoi(argv[6]);
  std::ifstream in(argv[7], std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() != static_cast<size_t>(n * heads * headDim * 4)) {
    std::fprintf(stderr, "%s holds %zu bytes, not %lld x %lld x %lld floats\n", argv[7], bytes.size(), (long long)n,
                 (long long)heads, (long long)headDim);
    return 1;
  }
  std::vector<float> x(n * heads * headDim);
  std::copy(bytes.begin(), bytes.end(), reinterpret_cast<char *>(x.data()));
  loom_k_rope(x.data(), n, heads, headDim, headDim, start, theta, interleaved);
  std::ofstream(argv[8], std::ios::binary).write(reinterpret_cast<const char *>(x.data()), x.size() * 4);
  return 0;
}
