//===- RandomData.cpp - Deterministic benchmark inputs --------------------===//

#include "RandomData.h"

namespace loom::bench {

void fillRandom(float *data, size_t count, uint64_t seed) {
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < count; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull; // Knuth's MMIX LCG
    data[i] = static_cast<float>(static_cast<int32_t>(state >> 32)) * (1.0f / 2147483648.0f);
  }
}

} // namespace loom::bench
