//===- FloatMath.h - Vectorizable F32 transcendental functions -*- C++ -*-===//
//
// Halide lowers exp() on Float(32) to scalar libm calls on x86, and its
// fast_exp() is off by up to 5 bits and returns garbage on underflow, which
// softmax hits for distant keys. This exp is built from plain arithmetic, so
// it vectorizes, and is accurate to about 2 ulp.
//
// Halide compiles float code with LLVM's no-infs, no-nans and reassociation
// flags, so nothing here may produce an infinity (exp saturates at e^88
// instead of overflowing) and the range reduction, whose accuracy depends on
// evaluation order, is marked strict_float.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_CODEGEN_KERNELS_FLOATMATH_H
#define LOOM_CODEGEN_KERNELS_FLOATMATH_H

#include "Halide.h"

namespace loom::kernels {

/// e^x for Float(32) x.
inline Halide::Expr accurateExp(Halide::Expr x) {
  using namespace Halide;
  // e^x rounds to 0 below -104; e^88 is the largest power of e below FLT_MAX.
  x = clamp(x, -104.0f, 88.0f);
  // Cody-Waite reduction x = k ln2 + r, |r| <= ln2 / 2: ln2Hi has 9 trailing zero bits, so k * ln2Hi is
  // exact for |k| < 2^9 and r loses nothing to cancellation.
  const float ln2Hi = 0.693145751953125f, ln2Lo = 1.42860682030941723212e-6f;
  Expr k = round(x * 1.44269504088896341f);
  Expr r = strict_float(x - k * ln2Hi - k * ln2Lo);
  // Taylor series to degree 7: the first omitted term is below 2^-27 for |r| <= ln2 / 2.
  Expr p = 1.0f / 5040.0f;
  for (float c : {1.0f / 720.0f, 1.0f / 120.0f, 1.0f / 24.0f, 1.0f / 6.0f, 0.5f, 1.0f, 1.0f})
    p = p * r + c;
  // 2^k in two factors, since k reaches -150, beyond a normal float's exponent range.
  Expr ki = cast<int32_t>(k);
  Expr k1 = ki / 2, k2 = ki - ki / 2;
  auto pow2 = [](Expr e) { return reinterpret<float>((e + 127) << 23); };
  return p * pow2(k1) * pow2(k2);
}

/// 1 / (1 + e^-x), without cancellation at either tail (about 1e-38 rather than 0 below x = -88).
inline Halide::Expr sigmoid(Halide::Expr x) { return 1.0f / (1.0f + accurateExp(-x)); }

/// x * sigmoid(x).
inline Halide::Expr silu(Halide::Expr x) { return x * sigmoid(x); }

/// The tanh approximation of GELU, 0.5 x (1 + tanh(u)) with u = sqrt(2/pi) (x + 0.044715 x^3), written
/// as x * sigmoid(2u): the two are equal, and the latter has no 1 + tanh cancellation for negative x.
inline Halide::Expr geluTanh(Halide::Expr x) {
  Halide::Expr u = 0.7978845608028654f * (x + 0.044715f * x * x * x);
  return x * sigmoid(2.0f * u);
}

} // namespace loom::kernels

#endif // LOOM_CODEGEN_KERNELS_FLOATMATH_H
