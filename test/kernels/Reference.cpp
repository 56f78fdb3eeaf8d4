//===- Reference.cpp - Straightforward double-precision kernels -----------===//

#include "Reference.h"

#include "loom/Runtime/Kernels.h"

#include <algorithm>
#include <cmath>

namespace loom::test {

Reference linear(const std::vector<float> &x, int64_t m, int64_t k, const std::vector<double> &w, int64_t n,
                 const std::vector<float> *bias) {
  Reference r{std::vector<double>(m * n), std::vector<double>(m * n)};
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double sum = bias ? (*bias)[j] : 0.0, magnitude = bias ? std::abs((*bias)[j]) : 0.0;
      for (int64_t t = 0; t < k; ++t) {
        double term = double(x[i * k + t]) * w[j * k + t];
        sum += term;
        magnitude += std::abs(term);
      }
      r.value[i * n + j] = sum;
      r.magnitude[i * n + j] = magnitude;
    }
  return r;
}

Reference rmsNorm(const std::vector<float> &x, int64_t rows, int64_t d, const std::vector<double> *w, double eps,
                  double wOffset) {
  Reference r{std::vector<double>(rows * d), std::vector<double>(rows * d)};
  for (int64_t i = 0; i < rows; ++i) {
    double sumSq = 0;
    for (int64_t t = 0; t < d; ++t)
      sumSq += double(x[i * d + t]) * x[i * d + t];
    double inv = 1.0 / std::sqrt(sumSq / double(d) + eps);
    for (int64_t t = 0; t < d; ++t) {
      double scale = w ? (*w)[t] + wOffset : 1.0;
      r.value[i * d + t] = x[i * d + t] * inv * scale;
      r.magnitude[i * d + t] = std::abs(r.value[i * d + t]);
    }
  }
  return r;
}

Reference layerNorm(const std::vector<float> &x, int64_t rows, int64_t d, const std::vector<double> &w,
                    const std::vector<double> *b, double eps) {
  Reference r{std::vector<double>(rows * d), std::vector<double>(rows * d)};
  for (int64_t i = 0; i < rows; ++i) {
    double mean = 0, var = 0, absMean = 0;
    for (int64_t t = 0; t < d; ++t) {
      mean += x[i * d + t];
      absMean += std::abs(x[i * d + t]);
    }
    mean /= double(d);
    absMean /= double(d);
    for (int64_t t = 0; t < d; ++t)
      var += (x[i * d + t] - mean) * (x[i * d + t] - mean);
    var /= double(d);
    double inv = 1.0 / std::sqrt(var + eps);
    for (int64_t t = 0; t < d; ++t) {
      r.value[i * d + t] = (x[i * d + t] - mean) * inv * w[t] + (b ? (*b)[t] : 0.0);
      // Centering in float loses about ulp(mean) per element: the error scale is the mean's
      // magnitude, not the centered value's.
      r.magnitude[i * d + t] = (std::abs(x[i * d + t] - mean) + absMean) * inv * std::abs(w[t]) + (b ? std::abs((*b)[t]) : 0.0);
    }
  }
  return r;
}

Reference rope(const std::vector<float> &x, int64_t n, int64_t heads, int64_t headDim, int64_t rotDims,
               int64_t startPos, double theta, bool interleaved, const RopeScalingRef *scaling) {
  Reference r{std::vector<double>(x.begin(), x.end()), std::vector<double>(x.size())};
  for (size_t i = 0; i < x.size(); ++i)
    r.magnitude[i] = std::abs(x[i]);
  int64_t half = rotDims / 2;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t j = 0; j < half; ++j) {
        double angle = double(startPos + i) * std::pow(theta, -2.0 * double(j) / double(rotDims));
        double gain = 1.0;
        if (scaling) {
          angle /= scaling->divisors[j];
          gain = scaling->attnFactor;
        }
        int64_t base = (i * heads + h) * headDim;
        int64_t a = base + (interleaved ? 2 * j : j), b = base + (interleaved ? 2 * j + 1 : j + half);
        double x0 = x[a], x1 = x[b];
        r.value[a] = gain * (x0 * std::cos(angle) - x1 * std::sin(angle));
        r.value[b] = gain * (x1 * std::cos(angle) + x0 * std::sin(angle));
        r.magnitude[a] = r.magnitude[b] = gain * (std::abs(x0) + std::abs(x1));
      }
  return r;
}

std::vector<float> ggmlRope(const std::vector<float> &x, int64_t n, int64_t heads, int64_t headDim, int64_t rotDims,
                           int64_t startPos, float theta, bool interleaved, const RopeScalingRef *scaling) {
  std::vector<float> y = x;
  int64_t half = rotDims / 2;
  const float thetaScale = std::pow(theta, -2.0f / static_cast<float>(rotDims));
  for (int64_t i = 0; i < n; ++i) {
    float angle = static_cast<float>(startPos + i);
    for (int64_t j = 0; j < half; ++j, angle *= thetaScale) {
      float c = std::cos(angle), s = std::sin(angle);
      if (scaling) {
        const float divided = angle / scaling->divisors[j];
        c = std::cos(divided) * scaling->attnFactor;
        s = std::sin(divided) * scaling->attnFactor;
      }
      for (int64_t h = 0; h < heads; ++h) {
        int64_t base = (i * heads + h) * headDim;
        int64_t a = base + (interleaved ? 2 * j : j), b = base + (interleaved ? 2 * j + 1 : j + half);
        const float x0 = x[a], x1 = x[b];
        const float x1s = x1 * s, x1c = x1 * c;
        y[a] = std::fma(x0, c, -x1s);
        y[b] = std::fma(x0, s, x1c);
      }
    }
  }
  return y;
}

Reference attention(const std::vector<float> &q, int64_t n, int64_t startPos, const std::vector<float> &kCache,
                    const std::vector<float> &vCache, int64_t heads, int64_t kvHeads, int64_t headDim, double scale,
                    int mask, int64_t window, int64_t valueDim, double softcap, const float *sinks) {
  if (valueDim == 0)
    valueDim = headDim;
  Reference r{std::vector<double>(n * heads * valueDim), std::vector<double>(n * heads * valueDim)};
  int64_t group = heads / kvHeads;
  for (int64_t i = 0; i < n; ++i) {
    int64_t p = startPos + i;
    for (int64_t h = 0; h < heads; ++h) {
      int64_t g = h / group;
      auto visible = [&](int64_t t) {
        if (t > p)
          return false;
        if (mask == LOOM_MASK_SLIDING_WINDOW)
          return t > p - window;
        if (mask == LOOM_MASK_CHUNKED)
          return t / window == p / window;
        return true;
      };
      std::vector<double> scores(p + 1, 0.0);
      double best = -HUGE_VAL;
      for (int64_t t = 0; t <= p; ++t) {
        if (!visible(t))
          continue;
        double dot = 0;
        for (int64_t d = 0; d < headDim; ++d)
          dot += double(q[(i * heads + h) * headDim + d]) * kCache[(t * kvHeads + g) * headDim + d];
        scores[t] = dot * scale;
        if (softcap > 0)
          scores[t] = softcap * std::tanh(scores[t] / softcap);
        best = std::max(best, scores[t]);
      }
      if (sinks)
        best = std::max(best, double(sinks[h]));
      double denominator = sinks ? std::exp(sinks[h] - best) : 0.0;
      for (int64_t t = 0; t <= p; ++t)
        if (visible(t))
          denominator += std::exp(scores[t] - best);
      for (int64_t d = 0; d < valueDim; ++d) {
        double sum = 0, magnitude = 0;
        for (int64_t t = 0; t <= p; ++t)
          if (visible(t)) {
            double prob = std::exp(scores[t] - best) / denominator, v = vCache[(t * kvHeads + g) * valueDim + d];
            sum += prob * v;
            magnitude += prob * std::abs(v);
          }
        r.value[(i * heads + h) * valueDim + d] = sum;
        r.magnitude[(i * heads + h) * valueDim + d] = magnitude;
      }
    }
  }
  return r;
}

double silu(double x) { return x / (1.0 + std::exp(-x)); }

// 0.5 x (1 + tanh(u)) == x / (1 + e^(-2u)) exactly; the first form, even in double, cancels to 0 for
// x below about -6, so the reference uses the second.
double geluTanh(double x) {
  double u = std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x);
  return x / (1.0 + std::exp(-2.0 * u));
}

} // namespace loom::test
