//===- Reference.h - Straightforward double-precision kernels --*- C++ -*-===//
//
// The definitions the kernels are checked against: plain loops in double,
// written for clarity, with no blocking, vectors or threads. Reductions also
// return the sum of the absolute values of their terms, the scale against
// which a float result's rounding error is judged.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TEST_KERNELS_REFERENCE_H
#define LOOM_TEST_KERNELS_REFERENCE_H

#include <cstdint>
#include <vector>

namespace loom::test {

/// Values with the error scale of their computation.
struct Reference {
  std::vector<double> value;
  std::vector<double> magnitude;
};

/// y[m, n] = x[m, k] . w[n, k] (+ bias[n]).
Reference linear(const std::vector<float> &x, int64_t m, int64_t k, const std::vector<double> &w, int64_t n,
                 const std::vector<float> *bias);

/// x * rsqrt(mean(x^2) + eps) * (w + w_offset), or without the last factor when w is null.
Reference rmsNorm(const std::vector<float> &x, int64_t rows, int64_t d, const std::vector<double> *w, double eps,
                  double wOffset);

/// (x - mean) * rsqrt(var + eps) * w + b.
Reference layerNorm(const std::vector<float> &x, int64_t rows, int64_t d, const std::vector<double> &w,
                    const std::vector<double> *b, double eps);

/// Scaled RoPE: pair j's angle divided by divisors[j], cos and sin multiplied by attnFactor.
struct RopeScalingRef {
  std::vector<float> divisors;
  float attnFactor = 1.0f;
};

/// RoPE of x[n, heads, head_dim], NeoX pairs (j, j + rot/2) or GPT-J pairs (2j, 2j + 1).
Reference rope(const std::vector<float> &x, int64_t n, int64_t heads, int64_t headDim, int64_t rotDims,
               int64_t startPos, double theta, bool interleaved, const RopeScalingRef *scaling = nullptr);
/// RoPE as ggml computes it: F32 angles p * theta_scale^j by repeated multiplication, theta_scale =
/// powf(theta, -2 / rot_dims), C library cos and sin, x0' = fma(x0, cos, -(x1 sin)), x1' = fma(x0, sin, x1 cos).
/// Scaled as ggml's rope_yarn with freq_factors and no ramp: cosf(angle / divisor) * mscale.
std::vector<float> ggmlRope(const std::vector<float> &x, int64_t n, int64_t heads, int64_t headDim, int64_t rotDims,
                           int64_t startPos, float theta, bool interleaved, const RopeScalingRef *scaling = nullptr);

/// Causal attention with the masks of Kernels.h; caches are [capacity, kv_heads, head_dim] and
/// [capacity, kv_heads, value_dim] (value_dim 0: head_dim); scores capped by softcap > 0 and a sink logit per
/// query head joining the softmax when sinks is not null.
Reference attention(const std::vector<float> &q, int64_t n, int64_t startPos, const std::vector<float> &kCache,
                    const std::vector<float> &vCache, int64_t heads, int64_t kvHeads, int64_t headDim, double scale,
                    int mask, int64_t window, int64_t valueDim = 0, double softcap = 0,
                    const float *sinks = nullptr);

double silu(double x);
double geluTanh(double x);

} // namespace loom::test

#endif // LOOM_TEST_KERNELS_REFERENCE_H
