//===- QuantizeActivations.cpp - x rows as ggml's 8-bit blocks ------------===//
//
// The rounding follows ggml's AVX2 path (the one llama.cpp runs on the CPUs we
// target): d = amax / 127 stored as F16, codes round(x * (127 / amax)) to
// nearest even, and Q8_1's s = F16(d * sum(codes)) with the unrounded d.
//
//===----------------------------------------------------------------------===//

#include "QuantizeActivations.h"
#include "WidenWeights.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace loom::kernels {

uint16_t floatToHalfBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  uint32_t magnitude = bits & 0x7fffffff;
  if (magnitude > 0x7f800000)
    return sign | 0x7e00; // NaN
  if (magnitude >= 0x477ff000)
    return sign | 0x7c00; // 65520 and above round to infinity
  if (magnitude >= 0x38800000) { // a normal half: drop 13 mantissa bits, rounding to nearest even
    uint32_t half = ((magnitude >> 23) - 112) << 10 | ((magnitude >> 13) & 0x3ff);
    uint32_t rest = magnitude & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1)))
      ++half; // a carry into the exponent is the right result
    return sign | static_cast<uint16_t>(half);
  }
  if (magnitude < 0x33000000)
    return sign; // below 2^-25 (or exactly it, a tie to even) rounds to zero
  // A subnormal half counts units of 2^-24.
  uint32_t exponent = magnitude >> 23, mantissa = (magnitude & 0x7fffff) | 0x800000;
  uint32_t shift = 126 - exponent;
  uint32_t half = mantissa >> shift, rest = mantissa & ((1u << shift) - 1), tie = 1u << (shift - 1);
  if (rest > tie || (rest == tie && (half & 1)))
    ++half;
  return sign | static_cast<uint16_t>(half);
}

namespace {

struct Scratch {
  std::vector<int8_t> codes;
  std::vector<float> scales, sums;
};

} // namespace

QuantizedRows quantizeRowsQ8(const float *x, int64_t m, int64_t k, bool sums) {
  thread_local Scratch scratch;
  size_t elems = static_cast<size_t>(m * k), blocks = elems / kQ8BlockElems;
  if (scratch.codes.size() < elems)
    scratch.codes.resize(elems);
  if (scratch.scales.size() < blocks)
    scratch.scales.resize(blocks);
  if (sums && scratch.sums.size() < blocks)
    scratch.sums.resize(blocks);
  for (size_t blk = 0; blk < blocks; ++blk) {
    const float *in = x + blk * kQ8BlockElems;
    int8_t *out = scratch.codes.data() + blk * kQ8BlockElems;
    float amax = 0.0f;
    for (int64_t j = 0; j < kQ8BlockElems; ++j)
      amax = std::fmax(amax, std::fabs(in[j]));
    float d = amax / 127.0f;
    float inverse = amax != 0.0f ? 127.0f / amax : 0.0f;
    int sum = 0;
    for (int64_t j = 0; j < kQ8BlockElems; ++j) {
      // nearbyint rounds to nearest even in the default rounding mode, as _mm256_round_ps does.
      int code = static_cast<int>(std::nearbyint(in[j] * inverse));
      out[j] = static_cast<int8_t>(code);
      sum += code;
    }
    scratch.scales[blk] = halfBitsToFloat(floatToHalfBits(d));
    if (sums)
      scratch.sums[blk] = halfBitsToFloat(floatToHalfBits(d * static_cast<float>(sum)));
  }
  return {scratch.codes.data(), scratch.scales.data(), sums ? scratch.sums.data() : nullptr};
}

QuantizedRows quantizeRowsQ8K(const float *x, int64_t m, int64_t k) {
  thread_local Scratch scratch;
  size_t elems = static_cast<size_t>(m * k), blocks = elems / kQ8BlockElems;
  if (scratch.codes.size() < elems)
    scratch.codes.resize(elems);
  if (scratch.scales.size() < blocks)
    scratch.scales.resize(blocks);
  if (scratch.sums.size() < blocks)
    scratch.sums.resize(blocks);
  constexpr int64_t kSubBlocks = kQ8KBlockElems / kQ8BlockElems;
  for (size_t super = 0; super < elems / kQ8KBlockElems; ++super) {
    const float *in = x + super * kQ8KBlockElems;
    int8_t *out = scratch.codes.data() + super * kQ8KBlockElems;
    // ggml's quantize_row_q8_K_ref: the signed value of largest magnitude (the first one on ties).
    float amax = 0.0f, max = 0.0f;
    for (int64_t j = 0; j < kQ8KBlockElems; ++j)
      if (std::fabs(in[j]) > amax) {
        amax = std::fabs(in[j]);
        max = in[j];
      }
    float d = 0.0f;
    if (amax == 0.0f) {
      std::memset(out, 0, kQ8KBlockElems);
    } else {
      const float inverse = -127.0f / max;
      for (int64_t j = 0; j < kQ8KBlockElems; ++j) {
        // Rounds to nearest even, as ggml's nearest_int (the 1.5 * 2^23 trick) does.
        int code = static_cast<int>(std::nearbyint(inverse * in[j]));
        out[j] = static_cast<int8_t>(std::min(127, code));
      }
      d = 1.0f / inverse;
    }
    for (int64_t s = 0; s < kSubBlocks; ++s) {
      int sum = 0;
      for (int64_t j = 0; j < kQ8BlockElems; ++j)
        sum += out[s * kQ8BlockElems + j];
      scratch.scales[super * kSubBlocks + s] = d;
      scratch.sums[super * kSubBlocks + s] = static_cast<float>(sum); // |sum| <= 32 * 127: exact
    }
  }
  return {scratch.codes.data(), scratch.scales.data(), scratch.sums.data()};
}

} // namespace loom::kernels
