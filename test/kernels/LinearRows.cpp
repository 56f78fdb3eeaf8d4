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

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <vector>

namespace {

bool readFile(const char *path, std::vector<unsigned char> &bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 8) {
    std::fprintf(stderr, "usage: %s DTYPE K N M W X OUT\n", argv[0]);
    return 2;
  }
  int64_t dtype = std::atoll(argv[1]), k = std::atoll(argv[2]), n = std::atoll(argv[3]), m = std::atoll(argv[4]);
  std::vector<unsigned char> w, x;
  if (!readFile(argv[5], w) || !readFile(argv[6], x)) {
    std::fprintf(stderr, "cannot read %s or %s\n", argv[5], argv[6]);
    return 1;
  }
  if (x.size() != static_cast<size_t>(m * k * 4)) {
    std::fprintf(stderr, "%s holds %zu bytes, not %lld x %lld floats\n", argv[6], x.size(), (long long)m,
                 (long long)k);
    return 1;
  }
  std::vector<float> xf(m * k), y(m * n);
  std::copy(x.begin(), x.end(), reinterpret_cast<unsigned char *>(xf.data()));
  loom_tensor weights{w.data(), dtype};
  loom_k_linear(xf.data(), m, k, &weights, n, nullptr, y.data());
  std::ofstream(argv[7], std::ios::binary).write(reinterpret_cast<const char *>(y.data()), y.size() * 4);
  return 0;
}
