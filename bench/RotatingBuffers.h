//===- RotatingBuffers.h - Copies of an operand that defeat the caches -*- C++ -*-===//
//
// A benchmark that calls a kernel on the same weights every iteration
// measures the last-level cache, not memory: Qwen3-0.6B's per-layer matrices
// (4-12 MB) fit this machine's 32 MB L3. A real forward pass touches every
// layer's weights once, so each iteration here takes the next of enough
// copies that together exceed the caches several times over.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_BENCH_ROTATINGBUFFERS_H
#define LOOM_BENCH_ROTATINGBUFFERS_H

#include "AlignedBuffer.h"
#include "RandomData.h"

#include <cstdint>
#include <vector>

namespace loom::bench {

/// Total bytes the copies of one operand span: 8x this machine's 32 MB L3.
inline constexpr size_t kRotationBytes = size_t(256) << 20;

class RotatingBuffers {
public:
  /// Enough copies of `floats` random floats to span kRotationBytes (at least one).
  explicit RotatingBuffers(size_t floats);

  /// The next copy, cycling.
  float *next() {
    float *p = copies[cursor].as<float>();
    cursor = (cursor + 1) % copies.size();
    return p;
  }

  size_t count() const { return copies.size(); }

private:
  std::vector<AlignedBuffer> copies;
  size_t cursor = 0;
};

} // namespace loom::bench

#endif // LOOM_BENCH_ROTATINGBUFFERS_H
