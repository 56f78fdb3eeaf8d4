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

#include "FileIO.h"

#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <vector>

using namespace loom::test;

int main(int argc, char **argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s DTYPE D ROWS IN OUT\n", argv[0]);
    return 2;
  }
  int64_t dtype = std::atoll(argv[1]), d = std::atoll(argv[2]), rows = std::atoll(argv[3]);
  std::vector<unsigned char> bytes;
  if (!readBytes(argv[4], bytes))
    return 1;
  std::vector<int32_t> ids(rows);
  std::iota(ids.begin(), ids.end(), 0);
  std::vector<float> out(rows * d);
  loom_tensor table{bytes.data(), dtype};
  loom_k_embedding(&table, d, ids.data(), rows, 1.0f, out.data());
  writeFloats(argv[5], out);
  return 0;
}
