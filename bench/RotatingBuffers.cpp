//===- RotatingBuffers.cpp ------------------------------------------------===//

#include "RotatingBuffers.h"

namespace loom::bench {

RotatingBuffers::RotatingBuffers(size_t floats) {
  size_t bytes = floats * sizeof(float);
  size_t n = bytes == 0 ? 1 : (kRotationBytes + bytes - 1) / bytes;
  copies.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    copies.emplace_back(bytes);
    fillRandom(copies.back().as<float>(), floats, i);
  }
}

} // namespace loom::bench
