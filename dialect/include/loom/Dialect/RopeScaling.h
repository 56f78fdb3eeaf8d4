//===- RopeScaling.h - Frequencies a RoPE scaling implies -------*- C++ -*-===//
//
// A scaled RoPE rotates pair j of a head at position p by
//   angle_j = (p * theta^(-2j / rotary_dims)) / divisor_j
// and multiplies cos and sin by attention_factor. Every scaling kind reduces
// to that form, with divisors that depend only on the op's attributes, so the
// lowering emits them as a constant table: the kernel stays one kernel, and
// an unscaled RoPE (all divisors 1, factor 1) computes exactly what it did
// before (x / 1 and x * 1 are exact). The divisor convention is ggml's
// `freq_factors` (llama.cpp's rope_freqs.weight), so a Llama 3.1 GGUF file's
// table can be checked against the spec's.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_DIALECT_ROPESCALING_H
#define LOOM_DIALECT_ROPESCALING_H

#include "mlir/IR/Attributes.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>

namespace loom {

struct RopeFrequencyScaling {
  /// One divisor per rotated pair; empty when the attribute is null (no scaling).
  llvm::SmallVector<float> divisors;
  float attentionFactor = 1.0f;
};

/// The divisors and attention factor `scaling` (a RopeLinearAttr,
/// RopeLlama3Attr or RopeYarnAttr, or null) implies for a RoPE of base
/// `theta` rotating `rotaryDims` dimensions.
RopeFrequencyScaling ropeFrequencyScaling(mlir::Attribute scaling, double theta, int64_t rotaryDims);

/// Llama 3.1's divisors as llama.cpp's converter computes them (rope_freqs.weight); also for tools that
/// compare a GGUF file's table without building IR.
llvm::SmallVector<float> llama3FrequencyDivisors(double factor, double lowFreqFactor, double highFreqFactor,
                                                 int64_t originalContext, double theta, int64_t rotaryDims);

/// The unscaled frequency of pair j in F32 as torch computes it in that converter: 1 / theta^(F32(2j) / d).
float unscaledFrequencyF32(double theta, int64_t rotaryDims, int64_t pair);

} // namespace loom

#endif // LOOM_DIALECT_ROPESCALING_H
