//===- GatedDeltaNet.cpp - loom_k_gated_delta_net, loom_k_gated_rms_norm --===//
//
// Gated DeltaNet's recurrence (Kernels.h states the arithmetic). Each value
// head is one task on the kernels' thread pool: it convolves the channels it
// reads (its key head's q and k, its own v) over the chunk, then steps its
// [key_dim, value_dim] state through the tokens in order. A step makes two
// passes over the state, each row of value_dim contiguous floats: decay it
// while accumulating S^T k, then add the rank-one update while accumulating
// S^T q. The state stays in the cache between calls, so a decode step and
// a batched chunk run exactly the same operations in the same order.
//
// The convolution's tail (the last taps - 1 inputs) is read by every task
// and replaced only after all of them ran.
//
//===----------------------------------------------------------------------===//

#include "KernelErrors.h"
#include "WidenWeights.h"
#include "loom/Runtime/Kernels.h"

#include "HalideRuntime.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace {

using loom::kernels::widenToF32;

struct DeltaNetWork {
  const float *q, *k, *v, *b, *a;
  int64_t n, start;
  const loom_cache_view *cache;
  const float *conv, *aLog, *dtBias;
  int64_t kHeads, vHeads, kDim, vDim, taps, channels;
  float eps;
  float *out;

  /// Input `c` (a channel of [q | k | v]) at chunk row `t`, where rows -(taps - 1) .. -1 are the state's tail.
  float input(int64_t t, int64_t c) const {
    if (t < 0) {
      if (start == 0)
        return 0.0f; // a new sequence: nothing before it
      return static_cast<const float *>(cache->keys)[(taps - 1 + t) * channels + c];
    }
    const int64_t keyChannels = kHeads * kDim;
    if (c < keyChannels)
      return q[t * keyChannels + c];
    if (c < 2 * keyChannels)
      return k[t * keyChannels + c - keyChannels];
    return v[t * vHeads * vDim + c - 2 * keyChannels];
  }

  /// silu(causal convolution) of channels [first, first + width) for every row of the chunk, into to[n, width].
  void convolve(int64_t first, int64_t width, float *to) const {
    for (int64_t t = 0; t < n; ++t)
      for (int64_t c = 0; c < width; ++c) {
        const float *w = conv + (first + c) * taps;
        float sum = 0.0f;
        for (int64_t j = 0; j < taps; ++j)
          sum += w[j] * input(t - (taps - 1) + j, first + c);
        to[t * width + c] = sum / (1.0f + std::exp(-sum));
      }
  }
};

/// x / sqrt(sum x^2 + eps) * scale, in place.
void l2Normalize(float *x, int64_t n, float eps, float scale) {
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i)
    sum += x[i] * x[i];
  const float factor = scale / std::sqrt(sum + eps);
  for (int64_t i = 0; i < n; ++i)
    x[i] *= factor;
}

/// torch.nn.functional.softplus (beta 1, threshold 20).
float softplus(float x) { return x > 20.0f ? x : std::log1p(std::exp(x)); }

int deltaNetHead(void *, int task, uint8_t *closure) {
  const auto &w = *reinterpret_cast<const DeltaNetWork *>(closure);
  const int64_t h = task, kh = h / (w.vHeads / w.kHeads), n = w.n, kDim = w.kDim, vDim = w.vDim;
  // Per thread, kept between calls: no allocation per decode step.
  thread_local std::vector<float> qs, ks, vs, projected, delta;
  qs.resize(size_t(n * kDim));
  ks.resize(size_t(n * kDim));
  vs.resize(size_t(n * vDim));
  projected.resize(size_t(vDim));
  delta.resize(size_t(vDim));
  const int64_t keyChannels = w.kHeads * kDim;
  w.convolve(kh * kDim, kDim, qs.data());
  w.convolve(keyChannels + kh * kDim, kDim, ks.data());
  w.convolve(2 * keyChannels + h * vDim, vDim, vs.data());

  float *state = static_cast<float *>(w.cache->values) + h * kDim * vDim;
  if (w.start == 0)
    std::fill(state, state + kDim * vDim, 0.0f);
  const float decayRate = -std::exp(w.aLog[h]), queryScale = 1.0f / std::sqrt(static_cast<float>(kDim));
  for (int64_t t = 0; t < n; ++t) {
    float *q = qs.data() + t * kDim, *k = ks.data() + t * kDim;
    const float *v = vs.data() + t * vDim;
    l2Normalize(q, kDim, w.eps, queryScale);
    l2Normalize(k, kDim, w.eps, 1.0f);
    const float decay = std::exp(decayRate * softplus(w.a[t * w.vHeads + h] + w.dtBias[h]));
    const float beta = 1.0f / (1.0f + std::exp(-w.b[t * w.vHeads + h]));
    // S <- S exp(g), accumulating S^T k.
    std::fill(projected.begin(), projected.end(), 0.0f);
    for (int64_t i = 0; i < kDim; ++i) {
      float *row = state + i * vDim;
      for (int64_t j = 0; j < vDim; ++j) {
        row[j] *= decay;
        projected[size_t(j)] += row[j] * k[i];
      }
    }
    for (int64_t j = 0; j < vDim; ++j)
      delta[size_t(j)] = (v[j] - projected[size_t(j)]) * beta;
    // S <- S + k delta^T, accumulating S^T q into the output.
    float *o = w.out + (t * w.vHeads + h) * vDim;
    std::fill(o, o + vDim, 0.0f);
    for (int64_t i = 0; i < kDim; ++i) {
      float *row = state + i * vDim;
      for (int64_t j = 0; j < vDim; ++j) {
        row[j] += k[i] * delta[size_t(j)];
        o[j] += row[j] * q[i];
      }
    }
  }
  return 0;
}

/// The convolution's last taps - 1 inputs after the chunk, oldest first. Rows still needed from the old tail
/// are read before they are overwritten: new row r is old row r + n, later in memory.
void updateTail(const DeltaNetWork &w) {
  float *tail = static_cast<float *>(w.cache->keys);
  const int64_t rows = w.taps - 1;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t t = r + w.n - rows; // the chunk row that lands in tail row r
    for (int64_t c = 0; c < w.channels; ++c)
      tail[r * w.channels + c] = w.input(t, c);
  }
}

} // namespace

extern "C" void loom_k_gated_delta_net(const float *q, const float *k, const float *v, const float *b, const float *a,
                                       int64_t n, int64_t start_pos, const loom_cache_view *cache,
                                       const loom_tensor *conv, const loom_tensor *a_log, const loom_tensor *dt_bias,
                                       int64_t k_heads, int64_t v_heads, int64_t k_dim, int64_t v_dim,
                                       int64_t conv_kernel, float eps, float *out) {
  if (n <= 0)
    return;
  if (k_heads <= 0 || v_heads % k_heads != 0 || k_dim <= 0 || v_dim <= 0 || conv_kernel < 2 ||
      cache->rows != conv_kernel - 1 || cache->dtype != LOOM_DTYPE_F32)
    loom_kernel_fail("loom_k_gated_delta_net: %lld key heads, %lld value heads, %lld taps, a state of %lld rows of "
                     "dtype %lld",
                     static_cast<long long>(k_heads), static_cast<long long>(v_heads),
                     static_cast<long long>(conv_kernel), static_cast<long long>(cache->rows),
                     static_cast<long long>(cache->dtype));
  const int64_t channels = 2 * k_heads * k_dim + v_heads * v_dim;
  std::vector<float> convStorage, aLogStorage, dtBiasStorage;
  DeltaNetWork work{q,
                    k,
                    v,
                    b,
                    a,
                    n,
                    start_pos,
                    cache,
                    widenToF32(*conv, channels * conv_kernel, convStorage, "loom_k_gated_delta_net", "conv1d"),
                    widenToF32(*a_log, v_heads, aLogStorage, "loom_k_gated_delta_net", "A_log"),
                    widenToF32(*dt_bias, v_heads, dtBiasStorage, "loom_k_gated_delta_net", "dt_bias"),
                    k_heads,
                    v_heads,
                    k_dim,
                    v_dim,
                    conv_kernel,
                    channels,
                    eps,
                    out};
  if (halide_do_par_for(nullptr, deltaNetHead, 0, static_cast<int>(v_heads), reinterpret_cast<uint8_t *>(&work)))
    loom_kernel_fail("loom_k_gated_delta_net: a task failed");
  updateTail(work);
}

extern "C" void loom_k_gated_rms_norm(const float *x, const float *gate, int64_t rows, int64_t d, const loom_tensor *w,
                                      float eps, float w_offset, float *y) {
  std::vector<float> storage;
  const float *weight = widenToF32(*w, d, storage, "loom_k_gated_rms_norm", "weight");
  for (int64_t r = 0; r < rows; ++r) {
    const float *in = x + r * d, *g = gate + r * d;
    float sum = 0.0f;
    for (int64_t i = 0; i < d; ++i)
      sum += in[i] * in[i];
    const float inverse = 1.0f / std::sqrt(sum / static_cast<float>(d) + eps);
    float *to = y + r * d;
    for (int64_t i = 0; i < d; ++i)
      to[i] = in[i] * inverse * (w_offset + weight[i]) * (g[i] / (1.0f + std::exp(-g[i])));
  }
}
