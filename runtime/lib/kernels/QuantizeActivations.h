//===- QuantizeActivations.h - x rows as ggml's 8-bit blocks ----*- C++ -*-===//
//
// llama.cpp multiplies quantized weights by first quantizing each row of the
// F32 activations to blocks of 32 int8 codes with an F16 scale (Q8_0), plus
// s = d * sum(q) for Q4_1 weights (Q8_1). The block kernels take x in that
// form, so that their results agree with llama.cpp's; this reproduces
// ggml's x86 quantize_row_q8_0/q8_1 in portable C++.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_KERNELS_QUANTIZEACTIVATIONS_H
#define LOOM_RUNTIME_KERNELS_QUANTIZEACTIVATIONS_H

#include <cstdint>

namespace loom::kernels {

inline constexpr int64_t kQ8BlockElems = 32;
inline constexpr int64_t kQ8KBlockElems = 256;

/// x [m, k] (k a multiple of 32) as codes [m, k] and per-block scales d [m, k / 32], each the F32
/// value of ggml's F16 scale; with `sums`, also s = d * sum(codes) of each block, F16-rounded as well.
struct QuantizedRows {
  const int8_t *codes;
  const float *scales;
  const float *sums; ///< null unless requested
};

/// Quantizes into a thread-local buffer that grows as needed and is reused by the next call on the
/// same thread (a model runs on one thread, so the decode loop allocates nothing).
QuantizedRows quantizeRowsQ8(const float *x, int64_t m, int64_t k, bool sums);

/// x [m, k] (k a multiple of 256) quantized as ggml's Q8_K, for the k-quants: per 256 elements one F32
/// scale d = max / -127 of the signed value of largest magnitude, codes min(127, round(x / d)), returned
/// in the per-32-element form of quantizeRowsQ8: each 32-element block's scale is its super-block's d,
/// and its sum is the integer sum(codes), exact in F32 (ggml's bsums; the min terms multiply it by d last).
QuantizedRows quantizeRowsQ8K(const float *x, int64_t m, int64_t k);

/// The F16 nearest to `value` (round to nearest even), as its bits.
uint16_t floatToHalfBits(float value);

} // namespace loom::kernels

#endif // LOOM_RUNTIME_KERNELS_QUANTIZEACTIVATIONS_H
