//===- RandomData.h - Deterministic benchmark inputs -----------*- C++ -*-===//
#ifndef LOOM_BENCH_RANDOMDATA_H
#define LOOM_BENCH_RANDOMDATA_H

#include <cstddef>
#include <cstdint>

namespace loom::bench {

/// Fills `count` floats with uniform values in [-1, 1) from a fixed seed. Benchmarks never read
/// constant memory: pages of identical content can be merged by the hypervisor and then read from
/// cache, which inflated a GEMV to 150% of DRAM bandwidth on this machine.
void fillRandom(float *data, size_t count, uint64_t seed);

} // namespace loom::bench

#endif // LOOM_BENCH_RANDOMDATA_H
