//===- DequantizeRows.cpp - loom_k_embedding's decoding, for Python tests -===//
//
// loom-dequantize-rows DTYPE D ROWS IN OUT: reads ROWS rows of D elements of
// ggml dtype DTYPE (its type id) from the file IN, looks every row up with
// loom_k_embedding (scale 1) and writes them to OUT as little-endian F32.
// test/reference/test_gguf_quants.py compares the result with the PyPI gguf
// package's dequantization of bytes it quantized itself.
//
//===----------------------------------------------------------------------===//

#include "loom/Runtime/Kernels.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <numeric>
#include <vector>

int main(int argc, char **argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s DTYPE D ROWS IN OUT\n", argv[0]);
    return 2;
  }
  int64_t dtype = std::atoll(argv[1]), d = std::atoll(argv[2]), rows = std::atoll(argv[3]);
  std::ifstream in(argv[4], std::ios::binary);
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    std::fprintf(stderr, "cannot read %s\n", argv[4]);
    return 1;
  }
  std::vector<int32_t> ids(rows);
  std::iota(ids.begin(), ids.end(), 0);
  std::vector<float> out(rows * d);
  loom_tensor table{bytes.data(), dtype};
  loom_k_embedding(&table, d, ids.data(), rows, 1.0f, out.data());
  std::ofstream(argv[5], std::ios::binary).write(reinterpret_cast<const char *>(out.data()), out.size() * 4);
  return 0;
}
