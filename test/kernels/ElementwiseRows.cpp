//===- ElementwiseRows.cpp - norm and GLU kernels on files, for tests -----===//
//
//   loom-elementwise-rows rms_norm ROWS D EPS X W OUT   (X [ROWS, D], W [D])
//   loom-elementwise-rows swiglu COUNT GATE UP OUT
// run loom_k_rms_norm or loom_k_swiglu on little-endian F32 files.
// test/reference/test_ggml_attention.py compares them with the values
// llama.cpp computes for the same inputs.
//
//===----------------------------------------------------------------------===//

#include "loom/Runtime/Kernels.h"

#include "FileIO.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace loom::test;

int main(int argc, char **argv) {
  if (argc == 8 && std::strcmp(argv[1], "rms_norm") == 0) {
    int64_t rows = std::atoll(argv[2]), d = std::atoll(argv[3]);
    float eps = std::strtof(argv[4], nullptr);
    std::vector<float> x, w;
    if (!readFloats(argv[5], rows * d, x) || !readFloats(argv[6], d, w))
      return 1;
    std::vector<float> y(rows * d);
    loom_tensor weight{w.data(), LOOM_DTYPE_F32};
    loom_k_rms_norm(x.data(), rows, d, &weight, eps, 0.0f, y.data());
    writeFloats(argv[7], y);
    return 0;
  }
  if (argc == 6 && std::strcmp(argv[1], "swiglu") == 0) {
    int64_t count = std::atoll(argv[2]);
    std::vector<float> gate, up;
    if (!readFloats(argv[3], count, gate) || !readFloats(argv[4], count, up))
      return 1;
    std::vector<float> out(count);
    loom_k_swiglu(gate.data(), up.data(), count, out.data());
    writeFloats(argv[5], out);
    return 0;
  }
  std::fprintf(stderr, "usage: %s rms_norm ROWS D EPS X W OUT | swiglu COUNT GATE UP OUT\n", argv[0]);
  return 2;
}
