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

/// a * b + c rounded once, as an FMA instruction computes it (Halide 14 has no fma): the product of two
/// floats is exact in double, so only the double sum rounds before the float one; the two roundings differ
/// from one only when the first lands exactly halfway between two floats (about 2^-29 of the time).
inline Halide::Expr fusedMultiplyAdd(Halide::Expr a, Halide::Expr b, Halide::Expr c) {
  using namespace Halide;
  return strict_float(cast<float>(cast<double>(a) * cast<double>(b) + cast<double>(c)));
}

/// e^x computed as ggml's CPU backend computes it in SiLU (its AVX-512 ggml_v_expf, the build llama.cpp
/// makes on the x86 machines we test on): x = n ln2 + b with n rounded to an integer, a degree-5
/// polynomial in b evaluated with FMAs, times 2^n. Same operations in the same order, so the same bits:
/// a SiLU one ulp away from ggml's moves a code of the next quantized product's activations now and then,
/// which a 4-bit model amplifies into visibly different logits.
inline Halide::Expr ggmlExp(Halide::Expr x) {
  using namespace Halide;
  // Past these bounds ggml returns 0 or infinity; Halide's no-infs flags forbid the latter, and e^88 is the
  // largest power of e below FLT_MAX.
  x = clamp(x, -104.0f, 88.0f);
  const float shifter = 0x1.8p23f; // adding it rounds to an integer, to nearest even
  Expr z = fusedMultiplyAdd(x, 0x1.715476p+0f, shifter);
  Expr n = strict_float(z - shifter);
  Expr b = fusedMultiplyAdd(-n, 0x1.7f7d1cp-20f, fusedMultiplyAdd(-n, 0x1.62e4p-1f, x));
  Expr u = strict_float(b * b);
  Expr j = fusedMultiplyAdd(
      fusedMultiplyAdd(fusedMultiplyAdd(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u,
                       fusedMultiplyAdd(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
      u, fusedMultiplyAdd(0x1.ffffecp-1f, b, 1.0f));
  // j * 2^n, exact for normal results; 2^n in two factors since n reaches -150.
  Expr ni = cast<int32_t>(n);
  Expr n1 = ni / 2, n2 = ni - ni / 2;
  auto pow2 = [](Expr e) { return reinterpret<float>((e + 127) << 23); };
  return strict_float(j * pow2(n1) * pow2(n2));
}

/// 1 / (1 + e^-x), without cancellation at either tail (about 1e-38 rather than 0 below x = -88).
inline Halide::Expr sigmoid(Halide::Expr x) { return 1.0f / (1.0f + accurateExp(-x)); }

/// x / (1 + e^-x) as ggml computes it (ggml_v_silu: the same exp, an add and a division), bit for bit.
inline Halide::Expr silu(Halide::Expr x) { return strict_float(x / (1.0f + ggmlExp(-x))); }

/// The tanh approximation of GELU, 0.5 x (1 + tanh(u)) with u = sqrt(2/pi) (x + 0.044715 x^3), written
/// as x * sigmoid(2u): the two are equal, and the latter has no 1 + tanh cancellation for negative x.
inline Halide::Expr geluTanh(Halide::Expr x) {
  Halide::Expr u = 0.7978845608028654f * (x + 0.044715f * x * x * x);
  return x * sigmoid(2.0f * u);
}

} // namespace loom::kernels

#endif // LOOM_CODEGEN_KERNELS_FLOATMATH_H
