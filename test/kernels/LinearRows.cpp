//===- LinearRows.cpp - loom_k_linear on files, for Python tests ----------===//
//
// loom-linear-rows DTYPE K N M W X OUT: y = x . w^T with loom_k_linear, where
// W holds N rows of K elements of ggml dtype DTYPE (its type id), X holds M
// rows of K little-endian F32, and OUT receives the M x N F32 result.
// test/reference/test_ggml_products.py compares it with ggml's own quantized
// dot products (llama.cpp's CPU library, called through ctypes).
//
//===----------------------------------------------------------------------===//

#include "loom/Runtime/Kernels.h"

#include "FileIO.h"

#include <cstdio>
#include <cstdlib>

using namespace loom::test;

int main(int argc, char **argv) {
  if (argc != 8) {
    std::fprintf(stderr, "usage: %s DTYPE K N M W X OUT\n", argv[0]);
    return 2;
  }
  int64_t dtype = std::atoll(argv[1]), k = std::atoll(argv[2]), n = std::atoll(argv[3]), m = std::atoll(argv[4]);
  std::vector<unsigned char> w;
  std::vector<float> x, y(m * n);
  if (!readBytes(argv[5], w) || !readFloats(argv[6], m * k, x))
    return 1;
  loom_tensor weights{w.data(), dtype};
  loom_k_linear(x.data(), m, k, &weights, n, nullptr, y.data());
  writeFloats(argv[7], y);
  return 0;
}
