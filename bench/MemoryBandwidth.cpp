//===- MemoryBandwidth.cpp - Streaming read bandwidth ---------------------===//

#include "MemoryBandwidth.h"

#include "RandomData.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

namespace loom::bench {

namespace {

/// Sums 64-bit words into 16 independent lanes, which the compiler turns into four vector
/// accumulators: with fewer (a single dependent vector add per load) the loop, not memory, is the
/// bottleneck and the measured bandwidth is some 25% low on this machine.
uint64_t sumWords(const uint64_t *words, size_t count) {
  constexpr size_t kLanes = 16;
  uint64_t lanes[kLanes] = {};
  size_t i = 0;
  for (; i + kLanes <= count; i += kLanes)
    for (size_t j = 0; j < kLanes; ++j)
      lanes[j] += words[i + j];
  uint64_t total = 0;
  for (; i < count; ++i)
    total += words[i];
  for (uint64_t lane : lanes)
    total += lane;
  return total;
}

} // namespace

uint64_t streamingRead(const void *data, size_t bytes, int threads) {
  const auto *words = static_cast<const uint64_t *>(data);
  size_t count = bytes / sizeof(uint64_t);
  std::vector<uint64_t> sums(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    size_t begin = count * t / threads, end = count * (t + 1) / threads;
    workers.emplace_back([&sums, words, t, begin, end] { sums[t] = sumWords(words + begin, end - begin); });
  }
  for (std::thread &worker : workers)
    worker.join();
  uint64_t total = 0;
  for (uint64_t s : sums)
    total += s;
  return total;
}

const AlignedBuffer &bandwidthBuffer() {
  static const AlignedBuffer buffer = [] {
    AlignedBuffer b(size_t(1) << 30);
    fillRandom(b.as<float>(), b.bytes() / sizeof(float), 1); // also commits every page before timing
    return b;
  }();
  return buffer;
}

double measuredReadBandwidth() {
  static const double bandwidth = [] {
    const AlignedBuffer &buffer = bandwidthBuffer();
    int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    double best = 0;
    for (int pass = 0; pass < 5; ++pass) {
      auto start = std::chrono::steady_clock::now();
      volatile uint64_t sink = streamingRead(buffer.data(), buffer.bytes(), threads);
      (void)sink;
      std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
      best = std::max(best, static_cast<double>(buffer.bytes()) / seconds.count());
    }
    return best;
  }();
  return bandwidth;
}

} // namespace loom::bench
