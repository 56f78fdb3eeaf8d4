//===- RopeScalingTest.cpp - RoPE scaling in the .loom frontend ----------===//
//
// `RoPE(scaling = linear(...) | llama3(...) | yarn(...))`: what each resolves
// to, the defaults transformers uses, and the located errors for bad values.
//
//===----------------------------------------------------------------------===//
#include "loom/Frontend/Frontend.h"

#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

using namespace loom;

namespace {

/// A one-layer model whose attention uses `rope`, plus any extra keys.
std::string modelWithRope(const std::string &rope, const std::string &extra = "") {
  return "architecture S {\n"
         "  vocab = 100\n  d_model = 64\n  n_layers = 1\n  max_context = 256\n"
         "  norm = RMSNorm()\n" +
         extra +
         "  attention = GQA(heads = 4, kv_heads = 2, head_dim = 16, rope = " + rope +
         ")\n"
         "  ffn = SwiGLU(hidden = 128)\n  final_norm = RMSNorm()\n"
         "  block {\n    x = x + attention(norm(x))\n    x = x + ffn(norm(x))\n  }\n}\n";
}

struct Parsed {
  std::optional<ArchSpec> spec;
  std::string diagnostics;
};

Parsed parse(const std::string &source) {
  Parsed result;
  llvm::SourceMgr sm;
  sm.setDiagHandler(
      [](const llvm::SMDiagnostic &diag, void *context) {
        llvm::raw_string_ostream os(*static_cast<std::string *>(context));
        diag.print(nullptr, os, /*ShowColors=*/false);
      },
      &result.diagnostics);
  result.spec = parseSpecBuffer(source, "test.loom", sm, {});
  return result;
}

/// The scaling of layer 0's attention; fails the test if the spec is invalid.
std::optional<RopeScalingSpec> scalingOf(const std::string &rope, const std::string &extra = "") {
  Parsed parsed = parse(modelWithRope(rope, extra));
  EXPECT_TRUE(parsed.spec) << parsed.diagnostics;
  EXPECT_EQ(parsed.diagnostics, "");
  if (!parsed.spec)
    return std::nullopt;
  const auto &attn = std::get<AttentionSpec>(parsed.spec->layers[0].find("attention")->spec);
  EXPECT_TRUE(attn.rope);
  return attn.rope ? attn.rope->scaling : std::nullopt;
}

TEST(RopeScaling, AbsentByDefault) { EXPECT_FALSE(scalingOf("RoPE(theta = 5e5)")); }

TEST(RopeScaling, NoneIsUnscaled) { EXPECT_FALSE(scalingOf("RoPE(scaling = none)")); }

TEST(RopeScaling, Llama3) {
  auto s = scalingOf("RoPE(theta = 5e5, scaling = llama3(factor = 32, low_freq_factor = 1, "
                     "high_freq_factor = 4, original_context = 8192))");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, RopeScalingKind::Llama3);
  EXPECT_EQ(s->factor, 32);
  EXPECT_EQ(s->lowFreqFactor, 1);
  EXPECT_EQ(s->highFreqFactor, 4);
  EXPECT_EQ(s->originalContext, 8192);
  EXPECT_EQ(s->loc.line, 7u) << "the scaling points at its constructor";
}

TEST(RopeScaling, LinearAsANamedKey) {
  auto s = scalingOf("RoPE(theta = 1e6, scaling = stretch)", "  stretch = linear(factor = 8)\n");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, RopeScalingKind::Linear);
  EXPECT_EQ(s->factor, 8);
}

TEST(RopeScaling, YarnDefaultsAreTransformers) {
  auto s = scalingOf("RoPE(scaling = yarn(factor = 8, original_context = 8192))");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, RopeScalingKind::Yarn);
  EXPECT_EQ(s->betaFast, 32);
  EXPECT_EQ(s->betaSlow, 1);
  EXPECT_TRUE(s->truncate);
  EXPECT_DOUBLE_EQ(s->attentionFactor, 0.1 * std::log(8.0) + 1);
}

TEST(RopeScaling, YarnExplicit) {
  auto s = scalingOf("RoPE(scaling = yarn(factor = 32, original_context = 4096, beta_fast = 16, beta_slow = 2, "
                     "attention_factor = 1.5, truncate = false))");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->betaFast, 16);
  EXPECT_EQ(s->betaSlow, 2);
  EXPECT_EQ(s->attentionFactor, 1.5);
  EXPECT_FALSE(s->truncate);
}

TEST(RopeScaling, YarnFactorOneHasNoAttentionFactor) {
  auto s = scalingOf("RoPE(scaling = yarn(factor = 1, original_context = 64))");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->attentionFactor, 1.0);
}

TEST(RopeScaling, CopyWithOverrideRecomputesTheDefault) {
  auto s = scalingOf("RoPE(scaling = long(factor = 4))", "  short = yarn(factor = 2, original_context = 64)\n"
                                                           "  long = short\n");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->factor, 4);
  EXPECT_DOUBLE_EQ(s->attentionFactor, 0.1 * std::log(4.0) + 1);
}

TEST(RopeScaling, Errors) {
  struct Case {
    const char *rope;
    const char *message;
  };
  const Case cases[] = {
      {"RoPE(scaling = linear(factor = 0.5))", "test.loom:7:97: error: linear argument 'factor' must be at least 1, "
                                               "got 0.5"},
      {"RoPE(scaling = linear(factor = 0))", "error: linear argument 'factor' must be positive, got 0"},
      {"RoPE(scaling = linear())", "error: linear is missing required argument 'factor'"},
      {"RoPE(scaling = llama3(factor = 8, low_freq_factor = 4, high_freq_factor = 1, original_context = 8192))",
       "error: llama3 argument 'high_freq_factor' (1) must be at least low_freq_factor (4)"},
      {"RoPE(scaling = llama3(factor = 8, low_freq_factor = 1, high_freq_factor = 4))",
       "error: llama3 is missing required argument 'original_context'"},
      {"RoPE(scaling = llama3(factor = 8, low_freq_factor = 1, high_freq_factor = 4, original_context = 0.5))",
       "error: llama3 argument 'original_context' must be an integer, got number 0.5"},
      {"RoPE(scaling = yarn(factor = 8, original_context = -1))",
       "error: yarn argument 'original_context' must be positive, got -1"},
      {"RoPE(scaling = yarn(factor = 8, original_context = 64, beta_fast = 1, beta_slow = 32))",
       "error: yarn needs beta_fast (1) at least beta_slow (32)"},
      {"RoPE(scaling = yarn(factor = 8, original_context = 64, attention_factor = 0))",
       "error: yarn argument 'attention_factor' must be positive, got 0"},
      {"RoPE(scaling = yarn(factor = 8, original_context = 64, truncate = 1))",
       "error: yarn argument 'truncate' must be true or false, got integer 1"},
      {"RoPE(scaling = yarn(factor = 8, original_context = 64, low_freq_factor = 1))",
       "error: yarn has no argument 'low_freq_factor'"},
      {"RoPE(scaling = norm)", "error: RoPE argument 'scaling' must be linear(...), llama3(...), yarn(...) or none, "
                               "got RMSNorm component"},
      {"RoPE(scaling = 8)", "error: RoPE argument 'scaling' must be linear(...), llama3(...), yarn(...) or none, "
                            "got integer 8"},
      {"RoPE(scaling = dynamic(factor = 8))", "error: unknown function or component 'dynamic'"},
  };
  for (const Case &c : cases) {
    Parsed parsed = parse(modelWithRope(c.rope));
    EXPECT_FALSE(parsed.spec) << c.rope;
    EXPECT_NE(parsed.diagnostics.find(c.message), std::string::npos)
        << c.rope << "\nexpected: " << c.message << "\ngot:\n"
        << parsed.diagnostics;
  }
}

TEST(RopeScaling, AScalingCannotBeAppliedInABlock) {
  Parsed parsed = parse("architecture S {\n  vocab = 100\n  d_model = 64\n  n_layers = 1\n  max_context = 256\n"
                        "  s = linear(factor = 2)\n  final_norm = RMSNorm()\n"
                        "  block {\n    x = s(x)\n  }\n}\n");
  EXPECT_FALSE(parsed.spec);
  EXPECT_NE(parsed.diagnostics.find("'s' is linear component, not a norm, attention or feed-forward component"),
            std::string::npos)
      << parsed.diagnostics;
}

TEST(RopeScaling, ScalingNamesAreReserved) {
  Parsed parsed = parse(modelWithRope("RoPE()", "  yarn = 3\n"));
  EXPECT_FALSE(parsed.spec);
  EXPECT_NE(parsed.diagnostics.find("'yarn' names a component kind and cannot be defined"), std::string::npos)
      << parsed.diagnostics;
}

} // namespace
