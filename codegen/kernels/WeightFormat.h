//===- WeightFormat.h - Weight element formats kernels decode --*- C++ -*-===//
//
// Kernels that read weights are generated once per storage format and widen
// each element to F32 right after loading it, so that 16-bit weights halve
// the bytes a bandwidth-bound GEMV streams instead of being expanded up front.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_CODEGEN_KERNELS_WEIGHTFORMAT_H
#define LOOM_CODEGEN_KERNELS_WEIGHTFORMAT_H

#include "Halide.h"

#include <cmath>
#include <map>
#include <string>

namespace loom::kernels {

enum class WeightFormat { F32, F16, BF16 };

/// Names for the `weights` GeneratorParam of every generator that reads weights.
inline const std::map<std::string, WeightFormat> &weightFormatNames() {
  static const std::map<std::string, WeightFormat> names{
      {"f32", WeightFormat::F32}, {"f16", WeightFormat::F16}, {"bf16", WeightFormat::BF16}};
  return names;
}

/// The buffer element type of a format. Halide 14 has no bfloat16 buffer type, so BF16 weights are
/// handed over as their uint16 bit patterns.
inline Halide::Type storageType(WeightFormat format) {
  switch (format) {
  case WeightFormat::F32:
    return Halide::Float(32);
  case WeightFormat::F16:
    return Halide::Float(16);
  case WeightFormat::BF16:
    return Halide::UInt(16);
  }
  return Halide::Float(32);
}

/// One stored element as F32; exact for every finite value of every format.
/// The F32 value of an F16's bits (uint16), exact for every finite half, in integer and F32 operations alone:
/// the exponent and mantissa bits placed into an F32 and rescaled by 2^(127 - 15), subnormals included (they
/// become normal F32 values). No F16 type is involved, so OpenCL devices without cl_half run it too.
inline Halide::Expr halfBitsToFloat(const Halide::Expr &halfBits) {
  using namespace Halide;
  Expr bits = cast<uint32_t>(halfBits);
  Expr magnitude = reinterpret<float>((bits & 0x7fff) << 13) * std::ldexp(1.0f, 112);
  return reinterpret<float>(reinterpret<uint32_t>(magnitude) | ((bits & 0x8000) << 16));
}

inline Halide::Expr widenToFloat(const Halide::Expr &stored, WeightFormat format) {
  using namespace Halide;
  switch (format) {
  case WeightFormat::F32:
    return stored;
  case WeightFormat::F16: {
    // Halide 14 lowers cast<float>(float16) to a generic bit-manipulation sequence (about 20 vector
    // instructions, not vcvtph2ps), which held the F16 GEMV to a third of the memory bandwidth; weights hold
    // no infinities or NaNs.
    return halfBitsToFloat(reinterpret<uint16_t>(stored));
  }
  case WeightFormat::BF16:
    return reinterpret<float>(cast<uint32_t>(stored) << 16); // bfloat16 is the upper half of an F32
  }
  return stored;
}

/// A KV cache element, F32 or F16 by its type (the cache's dtype is a generator parameter), as F32: the same
/// exact widening as F16 weights get. Caches hold K and V activations, finite like weights.
inline Halide::Expr widenCacheElement(const Halide::Expr &stored) {
  return stored.type() == Halide::Float(16) ? widenToFloat(stored, WeightFormat::F16) : stored;
}

} // namespace loom::kernels

#endif // LOOM_CODEGEN_KERNELS_WEIGHTFORMAT_H
