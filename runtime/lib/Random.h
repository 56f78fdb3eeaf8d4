//===- Random.h - Seeded, portable random numbers ---------------*- C++ -*-===//
//
// <random>'s distributions are implementation-defined, so the same seed would
// give different weights or samples with another standard library. These
// generators are fully specified: xoshiro256** (Blackman and Vigna) seeded
// through SplitMix64, uniforms from the top 53 bits, and normals by the
// polar method. Only std::log/sqrt can differ between C
// libraries, by an ulp at most.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_RANDOM_H
#define LOOM_RUNTIME_RANDOM_H

#include <cmath>
#include <cstdint>

namespace loom::rt {

/// SplitMix64: turns any seed, including 0, into well-mixed state words.
inline uint64_t splitMix64(uint64_t &state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// xoshiro256**: small state, fast, and statistically strong for sampling.
class Random {
public:
  explicit Random(uint64_t seed) {
    for (uint64_t &word : state_)
      word = splitMix64(seed);
  }

  uint64_t next() {
    uint64_t result = rotl(state_[1] * 5, 7) * 9;
    uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  /// Uniform in [0, 1), with 53 random bits.
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }

  /// Standard normal by Marsaglia's polar method: two independent values per
  /// accepted pair of uniforms (the second is returned by the next call), with
  /// one log and one sqrt and no trigonometry, which dominated random
  /// initialization of large models with the plain Box-Muller transform.
  double normal() {
    if (hasSpare_) {
      hasSpare_ = false;
      return spare_;
    }
    double u, v, s;
    do {
      u = 2.0 * uniform() - 1.0;
      v = 2.0 * uniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double factor = std::sqrt(-2.0 * std::log(s) / s);
    spare_ = v * factor;
    hasSpare_ = true;
    return u * factor;
  }

private:
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  uint64_t state_[4];
  double spare_ = 0;
  bool hasSpare_ = false;
};

} // namespace loom::rt

#endif // LOOM_RUNTIME_RANDOM_H
