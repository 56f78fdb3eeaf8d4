//===- MemoryBandwidth.h - This machine's streaming read bandwidth -*- C++ -*-===//
//
// The yardstick for bandwidth-bound kernels: how fast plain threads can read
// a buffer far larger than the last-level cache.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_BENCH_MEMORYBANDWIDTH_H
#define LOOM_BENCH_MEMORYBANDWIDTH_H

#include "AlignedBuffer.h"

#include <cstddef>
#include <cstdint>

namespace loom::bench {

/// Reads `bytes` of `data` once with `threads` threads, each summing a contiguous share; returns the
/// sum so that the reads cannot be optimized away.
uint64_t streamingRead(const void *data, size_t bytes, int threads);

/// 1 GiB of random data, allocated and filled on first use.
const AlignedBuffer &bandwidthBuffer();

/// Bytes per second of streamingRead over bandwidthBuffer() with every hardware thread: the best of
/// a few passes, measured once per process.
double measuredReadBandwidth();

} // namespace loom::bench

#endif // LOOM_BENCH_MEMORYBANDWIDTH_H
