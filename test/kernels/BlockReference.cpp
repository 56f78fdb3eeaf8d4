//===- BlockReference.cpp - ggml block formats, straightforwardly ---------===//
//
// F16 rounding here uses the compiler's _Float16, not the kernels' bit
// manipulation, so the two check each other.
//
//===----------------------------------------------------------------------===//

#include "BlockReference.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

namespace loom::test {
namespace {

float roundToHalf(float value) { return static_cast<float>(static_cast<_Float16>(value)); }

uint16_t halfBits(float value) {
  _Float16 half = static_cast<_Float16>(value);
  uint16_t bits;
  std::memcpy(&bits, &half, sizeof bits);
  return bits;
}

double halfAt(const uint8_t *p) {
  uint16_t bits = uint16_t(p[0] | p[1] << 8);
  _Float16 half;
  std::memcpy(&half, &bits, sizeof half);
  return static_cast<double>(half);
}

/// Element j's integer code in a block; the value is d * code (+ m for Q4_1).
int code(loom_dtype dtype, const uint8_t *block, int j) {
  switch (dtype) {
  case LOOM_DTYPE_Q8_0:
    return static_cast<int8_t>(block[2 + j]);
  case LOOM_DTYPE_Q4_0:
    return (j < 16 ? block[2 + j] & 15 : block[2 + j - 16] >> 4) - 8;
  default: // Q4_1
    return j < 16 ? block[4 + j] & 15 : block[4 + j - 16] >> 4;
  }
}

} // namespace

int64_t blockElems(loom_dtype) { return 32; }

int64_t blockBytes(loom_dtype dtype) {
  switch (dtype) {
  case LOOM_DTYPE_Q8_0:
    return 34;
  case LOOM_DTYPE_Q4_0:
    return 18;
  default:
    return 20;
  }
}

std::string dtypeName(loom_dtype dtype) {
  switch (dtype) {
  case LOOM_DTYPE_Q8_0:
    return "Q8_0";
  case LOOM_DTYPE_Q4_0:
    return "Q4_0";
  case LOOM_DTYPE_Q4_1:
    return "Q4_1";
  case LOOM_DTYPE_Q4_K:
    return "Q4_K";
  case LOOM_DTYPE_Q6_K:
    return "Q6_K";
  case LOOM_DTYPE_F32:
    return "F32";
  case LOOM_DTYPE_F16:
    return "F16";
  case LOOM_DTYPE_BF16:
    return "BF16";
  default:
    return "dtype" + std::to_string(dtype);
  }
}

BlockMatrix randomBlocks(loom_dtype dtype, int64_t rows, int64_t k, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> scale(-1.0f / 32, 1.0f / 32);
  int64_t blocks = rows * k / blockElems(dtype), size = blockBytes(dtype);
  BlockMatrix w{dtype, std::vector<uint8_t>(blocks * size), {}};
  for (int64_t b = 0; b < blocks; ++b) {
    uint8_t *block = w.bytes.data() + b * size;
    for (int64_t i = 0; i < size; ++i)
      block[i] = static_cast<uint8_t>(rng());
    uint16_t d = halfBits(scale(rng));
    std::memcpy(block, &d, 2);
    if (dtype == LOOM_DTYPE_Q4_1) {
      uint16_t m = halfBits(scale(rng) * 8);
      std::memcpy(block + 2, &m, 2);
    }
  }
  w.values = dequantizeBlocks(dtype, w.bytes.data(), rows, k);
  return w;
}

std::vector<double> dequantizeBlocks(loom_dtype dtype, const uint8_t *bytes, int64_t rows, int64_t k) {
  int64_t blocks = rows * k / blockElems(dtype), size = blockBytes(dtype);
  std::vector<double> values(rows * k);
  for (int64_t b = 0; b < blocks; ++b) {
    const uint8_t *block = bytes + b * size;
    double d = halfAt(block), m = dtype == LOOM_DTYPE_Q4_1 ? halfAt(block + 2) : 0.0;
    for (int j = 0; j < 32; ++j)
      values[b * 32 + j] = d * code(dtype, block, j) + m;
  }
  return values;
}

Reference blockLinear(const std::vector<float> &x, int64_t m, int64_t k, const BlockMatrix &w, int64_t n,
                      const std::vector<float> *bias) {
  int64_t blocks = k / 32, size = blockBytes(w.dtype);
  // x as ggml's Q8_0 / Q8_1 blocks.
  std::vector<int> xq(m * k);
  std::vector<double> xd(m * blocks), xs(m * blocks);
  for (int64_t b = 0; b < m * blocks; ++b) {
    const float *in = x.data() + b * 32;
    float amax = 0;
    for (int j = 0; j < 32; ++j)
      amax = std::max(amax, std::fabs(in[j]));
    float d = amax / 127.0f, inverse = amax != 0 ? 127.0f / amax : 0.0f;
    int sum = 0;
    for (int j = 0; j < 32; ++j) {
      float scaled = in[j] * inverse;
      // Round half to even, written out rather than relying on the rounding mode.
      float floor = std::floor(scaled), fraction = scaled - floor;
      int q = static_cast<int>(floor) +
              (fraction > 0.5f || (fraction == 0.5f && static_cast<int64_t>(floor) % 2 != 0) ? 1 : 0);
      xq[b * 32 + j] = q;
      sum += q;
    }
    xd[b] = roundToHalf(d);
    xs[b] = roundToHalf(d * static_cast<float>(sum));
  }
  Reference ref{std::vector<double>(m * n), std::vector<double>(m * n)};
  for (int64_t i = 0; i < m; ++i)
    for (int64_t r = 0; r < n; ++r) {
      double total = bias ? (*bias)[r] : 0.0, magnitude = bias ? std::fabs((*bias)[r]) : 0.0;
      for (int64_t b = 0; b < blocks; ++b) {
        const uint8_t *block = w.bytes.data() + (r * blocks + b) * size;
        int64_t dot = 0, absDot = 0;
        for (int j = 0; j < 32; ++j) {
          int64_t product = int64_t(code(w.dtype, block, j)) * xq[i * k + b * 32 + j];
          dot += product;
          absDot += std::llabs(product);
        }
        double scale = halfAt(block) * xd[i * blocks + b];
        double offset = w.dtype == LOOM_DTYPE_Q4_1 ? halfAt(block + 2) * xs[i * blocks + b] : 0.0;
        total += scale * double(dot) + offset;
        magnitude += std::fabs(scale) * double(absDot) + std::fabs(offset);
      }
      ref.value[i * n + r] = total;
      ref.magnitude[i * n + r] = magnitude;
    }
  return ref;
}

} // namespace loom::test
