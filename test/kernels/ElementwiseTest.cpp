//===- ElementwiseTest.cpp - Activations and residual adds ----------------===//
//
// Counts around the vector width and the 16K-element task size, inputs out
// to +-90 (where exp saturates), and outputs aliasing an input. Tolerance:
// 1e-6 relative (2e-6 for the gated products, which round twice more); for
// GELU relative to |result| (1 + |2u|), since e^(-2u) magnifies the float
// rounding of its argument u = sqrt(2/pi) (x + 0.044715 x^3) |2u| times.
//
//===----------------------------------------------------------------------===//

#include "Reference.h"
#include "TestSupport.h"

#include "loom/Runtime/Kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <utility>

namespace loom::test {
namespace {

const int64_t kCounts[] = {1, 7, 16, 17, 16384, 40003};

/// Inputs spanning the activations' interesting range, with the extremes at the front.
std::vector<float> activationInputs(int64_t count, uint64_t seed) {
  std::vector<float> x = randomFloats(count, seed, -12.0f, 12.0f);
  const float extremes[] = {0.0f, -90.0f, 90.0f, -88.5f, 1e-20f, -1e-20f};
  for (size_t i = 0; i < std::size(extremes) && i < x.size(); ++i)
    x[i] = extremes[i];
  return x;
}

Reference elementwise(const std::vector<float> &a, const std::vector<float> *b,
                      const std::function<double(double, double)> &f) {
  Reference r{std::vector<double>(a.size()), std::vector<double>(a.size())};
  for (size_t i = 0; i < a.size(); ++i) {
    r.value[i] = f(a[i], b ? (*b)[i] : 0.0);
    r.magnitude[i] = std::abs(r.value[i]);
  }
  return r;
}

/// Scales the error allowance of GELU-based results by the conditioning of exp(-2u).
void conditionOnGeluArgument(Reference &r, const std::vector<float> &x) {
  for (size_t i = 0; i < x.size(); ++i) {
    double u = std::sqrt(2.0 / M_PI) * (x[i] + 0.044715 * double(x[i]) * x[i] * x[i]);
    r.magnitude[i] *= 1.0 + std::abs(2.0 * u);
  }
}

TEST(Elementwise, SwiGLU) {
  for (int64_t count : kCounts) {
    std::vector<float> gate = activationInputs(count, 50), up = randomFloats(count, 51, -3.0f, 3.0f), out(count);
    loom_k_swiglu(gate.data(), up.data(), count, out.data());
    expectMatches(out, elementwise(gate, &up, [](double g, double u) { return silu(g) * u; }), 2e-6,
                  "swiglu count=" + std::to_string(count));
  }
}

TEST(Elementwise, SigmoidGate) {
  for (int64_t count : kCounts) {
    std::vector<float> gate = activationInputs(count, 52), x = randomFloats(count, 53, -3.0f, 3.0f), out(count);
    loom_k_sigmoid_gate(gate.data(), x.data(), count, count, count, out.data());
    expectMatches(out, elementwise(gate, &x, [](double g, double v) { return v / (1.0 + std::exp(-g)); }), 2e-6,
                  "sigmoid_gate count=" + std::to_string(count));
  }
}

TEST(Elementwise, Softcap) {
  for (float cap : {30.0f, 0.5f})
    for (int64_t count : kCounts) {
      std::vector<float> x = activationInputs(count, 56), out(count);
      loom_k_softcap(x.data(), count, cap, out.data());
      expectMatches(out, elementwise(x, nullptr, [cap](double v, double) { return cap * std::tanh(v / cap); }), 2e-6,
                    "softcap cap=" + std::to_string(cap) + " count=" + std::to_string(count));
    }
}

TEST(Elementwise, Scale) {
  for (float factor : {0.707f, -3.0f})
    for (int64_t count : kCounts) {
      std::vector<float> x = activationInputs(count, 57), out(count);
      loom_k_scale(x.data(), count, factor, out.data());
      // One float product per value: exact up to the product's rounding.
      expectMatches(out, elementwise(x, nullptr, [factor](double v, double) { return v * factor; }), 1e-7,
                    "scale factor=" + std::to_string(factor) + " count=" + std::to_string(count));
    }
}

// A gate of width 1 scales each row by one value (Qwen3-Next's shared expert).
TEST(Elementwise, SigmoidGatePerRow) {
  constexpr int64_t kRows = 5, kWidth = 37;
  std::vector<float> gate = activationInputs(kRows, 54), x = randomFloats(kRows * kWidth, 55, -3.0f, 3.0f);
  std::vector<float> out(size_t(kRows * kWidth));
  loom_k_sigmoid_gate(gate.data(), x.data(), kRows * kWidth, kWidth, 1, out.data());
  Reference expected{std::vector<double>(out.size()), std::vector<double>(out.size())};
  for (size_t i = 0; i < out.size(); ++i) {
    expected.value[i] = x[i] / (1.0 + std::exp(-double(gate[i / kWidth])));
    expected.magnitude[i] = std::abs(expected.value[i]);
  }
  expectMatches(out, expected, 2e-6, "sigmoid_gate per row");
}

TEST(Elementwise, GeGLU) {
  for (int64_t count : kCounts) {
    std::vector<float> gate = activationInputs(count, 52), up = randomFloats(count, 53, -3.0f, 3.0f), out(count);
    loom_k_geglu(gate.data(), up.data(), count, out.data());
    Reference ref = elementwise(gate, &up, [](double g, double u) { return geluTanh(g) * u; });
    conditionOnGeluArgument(ref, gate);
    expectMatches(out, ref, 2e-6, "geglu count=" + std::to_string(count));
  }
}

TEST(Elementwise, Gelu) {
  for (int64_t count : kCounts) {
    std::vector<float> x = activationInputs(count, 54), out(count);
    Reference ref = elementwise(x, nullptr, [](double v, double) { return geluTanh(v); });
    conditionOnGeluArgument(ref, x);
    loom_k_gelu(x.data(), count, out.data());
    expectMatches(out, ref, 1e-6, "gelu count=" + std::to_string(count));
  }
}

// ggml's half-precision GELU table (the ggml profile). Expected values from numpy: the input rounded to float16,
// the tanh form in float32, the result rounded to float16.
TEST(Elementwise, GeluF16TableIsGgmls) {
  const std::pair<float, float> cases[] = {
      {1.0f, 0.84130859375f},         {0.3f, 0.1854248046875f},     {-0.7f, -0.16943359375f},
      {2.5f, 2.484375f},              {-3.1f, -0.0026302337646484375f}, {9.99f, 9.9921875f},
      {1e-3f, 0.0005006790161132812f}, {-6e-6f, -2.9802322387695312e-06f},
      // Outside (-10, 10) the limits, as ggml takes them.
      {-10.0f, 0.0f},                 {-250.0f, 0.0f},               {10.0f, 10.0f}, {123.25f, 123.25f}};
  for (const auto &[x, expected] : cases) {
    float out = -1;
    loom_k_gelu_f16_table(&x, 1, &out);
    EXPECT_EQ(out, expected) << "x = " << x;
    float up = -1.5f, product = 0;
    loom_k_geglu_f16_table(&x, &up, 1, &product);
    EXPECT_EQ(product, expected * up) << "x = " << x;
  }
  // Elsewhere within the table's half-precision rounding (2^-11 of the input and of the result) of the exact form.
  std::vector<float> x = randomFloats(4096, 57, -9.0f, 9.0f), out(x.size());
  loom_k_gelu_f16_table(x.data(), static_cast<int64_t>(x.size()), out.data());
  for (size_t i = 0; i < x.size(); ++i) {
    double slope = std::abs(geluTanh(x[i] * (1 + 1.0 / 1024)) - geluTanh(x[i])) * 1024;
    double bound = std::abs(geluTanh(x[i])) / 1024 + slope * std::abs(x[i]) / 1024 + 1e-7;
    EXPECT_LE(std::abs(out[i] - geluTanh(x[i])), bound) << "x = " << x[i];
  }
}

TEST(Elementwise, Add) {
  for (int64_t count : kCounts) {
    std::vector<float> a = randomFloats(count, 55), b = randomFloats(count, 56), out(count);
    loom_k_add(a.data(), b.data(), count, out.data());
    for (int64_t i = 0; i < count; ++i)
      ASSERT_EQ(out[i], a[i] + b[i]) << i; // one rounding, like the float sum itself
  }
}

TEST(Elementwise, OutputMayAliasAnInput) {
  int64_t count = 40003;
  std::vector<float> a = randomFloats(count, 57), b = randomFloats(count, 58);
  std::vector<float> sum = a;
  loom_k_add(sum.data(), b.data(), count, sum.data());
  std::vector<float> sum2 = b;
  loom_k_add(a.data(), sum2.data(), count, sum2.data());
  for (int64_t i = 0; i < count; ++i) {
    ASSERT_EQ(sum[i], a[i] + b[i]) << i;
    ASSERT_EQ(sum2[i], a[i] + b[i]) << i;
  }
  std::vector<float> gate = activationInputs(count, 59), inPlace = gate;
  loom_k_swiglu(inPlace.data(), b.data(), count, inPlace.data());
  expectMatches(inPlace, elementwise(gate, &b, [](double g, double u) { return silu(g) * u; }), 2e-6,
                "swiglu in place");
}

TEST(Elementwise, ZeroCountTouchesNothing) {
  loom_k_add(nullptr, nullptr, 0, nullptr);
  loom_k_swiglu(nullptr, nullptr, 0, nullptr);
  loom_k_geglu(nullptr, nullptr, 0, nullptr);
  loom_k_gelu(nullptr, 0, nullptr);
}

} // namespace
} // namespace loom::test
