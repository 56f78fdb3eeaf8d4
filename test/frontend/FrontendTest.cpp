//===- FrontendTest.cpp - Unit tests of the .loom frontend ---------------===//
//
// Each test parses a spec from memory (or from examples/) and checks the
// resolved ArchSpec, or the diagnostics when the spec is invalid.
// Diagnostics are captured through the SourceMgr's handler.
//
//===----------------------------------------------------------------------===//
#include "loom/Frontend/Frontend.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

using namespace loom;

namespace {

struct ParseResult {
  std::optional<ArchSpec> spec;
  /// Every diagnostic, printed without colors.
  std::string diagnostics;
};

void captureDiagnostics(llvm::SourceMgr &sm, std::string &out) {
  sm.setDiagHandler(
      [](const llvm::SMDiagnostic &diag, void *context) {
        llvm::raw_string_ostream os(*static_cast<std::string *>(context));
        diag.print(nullptr, os, /*ShowColors=*/false);
      },
      &out);
}

ParseResult parse(llvm::StringRef source, const FrontendOptions &opts = {}) {
  ParseResult result;
  llvm::SourceMgr sm;
  captureDiagnostics(sm, result.diagnostics);
  result.spec = parseSpecBuffer(source, "test.loom", sm, opts);
  return result;
}

ParseResult parseFile(llvm::StringRef path, const FrontendOptions &opts = {}) {
  ParseResult result;
  llvm::SourceMgr sm;
  captureDiagnostics(sm, result.diagnostics);
  result.spec = parseSpecFile(path, sm, opts);
  return result;
}

/// Parses `source` and fails the test with its diagnostics if it is invalid.
ArchSpec parseValid(llvm::StringRef source, const FrontendOptions &opts = {}) {
  ParseResult result = parse(source, opts);
  EXPECT_TRUE(result.spec) << result.diagnostics;
  return result.spec ? std::move(*result.spec) : ArchSpec();
}

/// A small valid architecture: `extra` is appended to its body, which
/// therefore starts on line 14.
std::string smallModel(llvm::StringRef extra, int nLayers = 8) {
  return (R"(architecture Small {
  vocab = 1000
  d_model = 64
  n_layers = )" + std::to_string(nLayers) + R"(
  max_context = 128
  norm = RMSNorm()
  attention = GQA(heads = 4, kv_heads = 2, head_dim = 16, rope = RoPE())
  ffn = SwiGLU(hidden = 256)
  final_norm = RMSNorm()
  block {
    x = x + attention(norm(x))
    x = x + ffn(norm(x))
  }
)" + extra + "\n}\n")
      .str();
}

const AttentionSpec &attentionOf(const LayerSpec &layer, const std::string &name = "attention") {
  const Component *component = layer.find(name);
  EXPECT_NE(component, nullptr) << "layer " << layer.index << " has no " << name;
  static const AttentionSpec missing;
  return component ? std::get<AttentionSpec>(component->spec) : missing;
}

const FFNSpec &ffnOf(const LayerSpec &layer, const std::string &name = "ffn") {
  const Component *component = layer.find(name);
  EXPECT_NE(component, nullptr) << "layer " << layer.index << " has no " << name;
  static const FFNSpec missing;
  return component ? std::get<FFNSpec>(component->spec) : missing;
}

std::vector<std::string> componentNames(const LayerSpec &layer) {
  std::vector<std::string> names;
  for (const Component &component : layer.components)
    names.push_back(component.name);
  return names;
}

/// The block expression in a compact prefix form: `add(x, attention(norm(x)))`.
std::string print(const BlockExpr &expr) {
  switch (expr.kind) {
  case BlockExpr::Kind::Var:
    return expr.name;
  case BlockExpr::Kind::Add:
    return "add(" + print(*expr.operands[0]) + ", " + print(*expr.operands[1]) + ")";
  case BlockExpr::Kind::Call:
    return expr.name + "(" + print(*expr.operands[0]) + ")";
  }
  return "?";
}

std::vector<std::string> printBlock(const LayerSpec &layer) {
  std::vector<std::string> stmts;
  for (const BlockStmt &stmt : *layer.block)
    stmts.push_back(stmt.target + " = " + print(*stmt.value));
  return stmts;
}

constexpr const char *kQwen3 = R"(// line comments, and /* block comments */
architecture Qwen3_0_6B {
  vocab = 151936
  d_model = 1024
  n_layers = 28
  max_context = 40960
  tie_embeddings = true
  eps = 1e-6                      // any other name = a constant usable in later expressions
  attn_norm = RMSNorm(eps = eps)
  ffn_norm = RMSNorm(eps = eps)
  attention = GQA(heads = 16, kv_heads = 8, head_dim = 128,
                  qk_norm = RMSNorm(eps = eps),
                  rope = RoPE(theta = 1e6, style = half))
  ffn = SwiGLU(hidden = 3072)
  final_norm = RMSNorm(eps = eps)
  block {
    x = x + attention(attn_norm(x))
    x = x + ffn(ffn_norm(x))
  }
}
)";

void expectQwen3(const ArchSpec &spec) {
  EXPECT_EQ(spec.name, "Qwen3_0_6B");
  EXPECT_EQ(spec.vocab, 151936);
  EXPECT_EQ(spec.dModel, 1024);
  EXPECT_EQ(spec.nLayers, 28);
  EXPECT_EQ(spec.maxContext, 40960);
  EXPECT_TRUE(spec.tieEmbeddings);
  EXPECT_EQ(spec.embeddingScale, 1.0);
  EXPECT_EQ(spec.finalNorm.kind, NormKind::RMSNorm);
  EXPECT_EQ(spec.finalNorm.eps, 1e-6);
  EXPECT_FALSE(spec.finalNorm.unitOffset);
  ASSERT_EQ(spec.layers.size(), 28u);

  for (const LayerSpec &layer : spec.layers) {
    // First use in evaluation order: a call's input before the call.
    EXPECT_EQ(componentNames(layer), (std::vector<std::string>{"attn_norm", "attention", "ffn_norm", "ffn"}));
    EXPECT_EQ(layer.block, spec.layers.front().block) << "layers share one block";
    const AttentionSpec &attn = attentionOf(layer);
    EXPECT_EQ(attn.heads, 16);
    EXPECT_EQ(attn.kvHeads, 8);
    EXPECT_EQ(attn.headDim, 128);
    ASSERT_TRUE(attn.qkNorm);
    EXPECT_EQ(attn.qkNorm->eps, 1e-6);
    ASSERT_TRUE(attn.rope);
    EXPECT_EQ(attn.rope->theta, 1e6);
    EXPECT_EQ(attn.rope->style, RopeStyle::Half);
    EXPECT_EQ(attn.rope->fraction, 1.0);
    EXPECT_FALSE(attn.qkvBias);
    EXPECT_FALSE(attn.outBias);
    EXPECT_EQ(attn.mask, MaskKind::Global);
    EXPECT_EQ(attn.window, 0);
    EXPECT_EQ(attn.scale, 0.0);
    EXPECT_EQ(ffnOf(layer).kind, FFNKind::SwiGLU);
    EXPECT_EQ(ffnOf(layer).hidden, 3072);
    EXPECT_FALSE(ffnOf(layer).bias);
  }
  EXPECT_EQ(printBlock(spec.layers[0]),
            (std::vector<std::string>{"x = add(x, attention(attn_norm(x)))", "x = add(x, ffn(ffn_norm(x)))"}));
}

//===----------------------------------------------------------------------===//
// The reference example
//===----------------------------------------------------------------------===//

TEST(Frontend, Qwen3ExampleResolves) {
  ParseResult result = parse(kQwen3);
  ASSERT_TRUE(result.spec) << result.diagnostics;
  EXPECT_EQ(result.diagnostics, "");
  expectQwen3(*result.spec);
}

TEST(Frontend, Qwen3ExampleFileResolves) {
  ParseResult result = parseFile(LOOM_EXAMPLES_DIR "/qwen3-0.6b.loom");
  ASSERT_TRUE(result.spec) << result.diagnostics;
  expectQwen3(*result.spec);
}

TEST(Frontend, ExampleFilesResolveWithoutWarnings) {
  for (const char *name : {"qwen3-0.6b.loom", "llama3.2-1b.loom", "gemma3-1b.loom"}) {
    ParseResult result = parseFile(std::string(LOOM_EXAMPLES_DIR "/") + name);
    EXPECT_TRUE(result.spec) << name << ":\n" << result.diagnostics;
    EXPECT_EQ(result.diagnostics, "") << name;
  }
}

TEST(Frontend, Llama32Example) {
  ParseResult result = parseFile(LOOM_EXAMPLES_DIR "/llama3.2-1b.loom");
  ASSERT_TRUE(result.spec) << result.diagnostics;
  const ArchSpec &spec = *result.spec;
  EXPECT_EQ(spec.vocab, 128256);
  EXPECT_EQ(spec.dModel, 2048);
  EXPECT_EQ(spec.maxContext, 131072);
  ASSERT_EQ(spec.layers.size(), 16u);
  const AttentionSpec &attn = attentionOf(spec.layers[7]);
  EXPECT_EQ(attn.heads, 32);
  EXPECT_EQ(attn.kvHeads, 8);
  EXPECT_EQ(attn.headDim, 64);
  EXPECT_EQ(attn.rope->theta, 5e5);
  ASSERT_TRUE(attn.rope->scaling);
  EXPECT_EQ(attn.rope->scaling->kind, RopeScalingKind::Llama3);
  EXPECT_EQ(attn.rope->scaling->factor, 32);
  EXPECT_EQ(attn.rope->scaling->originalContext, 8192);
  EXPECT_FALSE(attn.qkNorm);
  EXPECT_EQ(ffnOf(spec.layers[7]).hidden, 8192);
  EXPECT_EQ(spec.finalNorm.eps, 1e-5);
}

TEST(Frontend, Gpt2Example) {
  ParseResult result = parseFile(LOOM_EXAMPLES_DIR "/gpt2-124m.loom");
  ASSERT_TRUE(result.spec) << result.diagnostics;
  const ArchSpec &spec = *result.spec;
  EXPECT_EQ(spec.positions, PositionKind::Learned);
  EXPECT_EQ(spec.maxContext, 1024);
  EXPECT_EQ(spec.finalNorm.kind, NormKind::LayerNorm);
  EXPECT_TRUE(spec.finalNorm.bias);
  ASSERT_EQ(spec.layers.size(), 12u);
  const AttentionSpec &attn = attentionOf(spec.layers[0]);
  EXPECT_FALSE(attn.rope);
  EXPECT_EQ(attn.kvHeads, 12);
  EXPECT_TRUE(attn.qkvBias && attn.outBias);
  EXPECT_EQ(ffnOf(spec.layers[0]).kind, FFNKind::GeluMLP);
  EXPECT_EQ(ffnOf(spec.layers[0]).hidden, 3072);
  // Without the key, positions come from the attention alone.
  EXPECT_EQ(parseValid(smallModel("")).positions, PositionKind::None);
  EXPECT_EQ(parseValid(smallModel("positions = none")).positions, PositionKind::None);
}

TEST(Frontend, Gemma3Example) {
  ParseResult result = parseFile(LOOM_EXAMPLES_DIR "/gemma3-1b.loom");
  ASSERT_TRUE(result.spec) << result.diagnostics;
  const ArchSpec &spec = *result.spec;
  EXPECT_EQ(spec.vocab, 262144);
  EXPECT_DOUBLE_EQ(spec.embeddingScale, std::sqrt(1152.0));
  EXPECT_TRUE(spec.finalNorm.unitOffset);
  ASSERT_EQ(spec.layers.size(), 26u);
  for (const LayerSpec &layer : spec.layers) {
    bool global = (layer.index + 1) % 6 == 0;
    const AttentionSpec &attn = attentionOf(layer);
    EXPECT_EQ(attn.mask, global ? MaskKind::Global : MaskKind::SlidingWindow) << "layer " << layer.index;
    EXPECT_EQ(attn.window, global ? 0 : 512);
    EXPECT_EQ(attn.rope->theta, global ? 1e6 : 1e4);
    EXPECT_EQ(attn.heads, 4);
    EXPECT_EQ(attn.kvHeads, 1);
    EXPECT_EQ(attn.headDim, 256);
    EXPECT_DOUBLE_EQ(attn.scale, 1.0 / 16.0);
    ASSERT_TRUE(attn.qkNorm);
    EXPECT_TRUE(attn.qkNorm->unitOffset);
    EXPECT_EQ(ffnOf(layer).kind, FFNKind::GeGLU);
    EXPECT_EQ(ffnOf(layer).hidden, 6912);
    EXPECT_EQ(componentNames(layer),
              (std::vector<std::string>{"attn_norm", "attention", "post_attn_norm", "ffn_norm", "ffn",
                                        "post_ffn_norm"}));
  }
}

TEST(Frontend, SourceLocationsArePopulated) {
  ArchSpec spec = parseValid(kQwen3);
  EXPECT_EQ(spec.file, "test.loom");
  EXPECT_EQ(spec.loc.line, 2u);
  EXPECT_EQ(spec.loc.column, 14u);
  EXPECT_EQ(spec.finalNorm.loc.line, 15u);
  EXPECT_EQ(spec.finalNorm.loc.column, 16u);

  const LayerSpec &layer = spec.layers[3];
  const Component *attention = layer.find("attention");
  ASSERT_NE(attention, nullptr);
  EXPECT_EQ(attention->loc.file, "test.loom");
  EXPECT_EQ(attention->loc.line, 11u);
  EXPECT_EQ(attention->loc.column, 3u);
  const AttentionSpec &attn = std::get<AttentionSpec>(attention->spec);
  EXPECT_EQ(attn.loc.line, 11u);
  EXPECT_EQ(attn.loc.column, 15u);
  EXPECT_EQ(attn.qkNorm->loc.line, 12u);
  EXPECT_EQ(attn.qkNorm->loc.column, 29u);
  EXPECT_EQ(attn.rope->loc.line, 13u);
  EXPECT_EQ(attn.rope->loc.column, 26u);
  EXPECT_EQ(std::get<FFNSpec>(layer.find("ffn")->spec).loc.line, 14u);
  EXPECT_EQ(std::get<NormSpec>(layer.find("attn_norm")->spec).loc.column, 15u);

  const BlockStmt &stmt = (*layer.block)[1];
  EXPECT_EQ(stmt.loc.line, 18u);
  EXPECT_EQ(stmt.loc.column, 5u);
  EXPECT_EQ(stmt.value->loc.line, 18u);
  EXPECT_EQ(stmt.value->loc.column, 11u); // the '+'
  EXPECT_EQ(stmt.value->operands[1]->loc.column, 13u); // ffn(...)
}

TEST(Frontend, DescribeCollapsesIdenticalLayers) {
  std::string text = describeArchSpec(parseValid(kQwen3));
  EXPECT_NE(text.find("architecture Qwen3_0_6B"), std::string::npos) << text;
  EXPECT_NE(text.find("vocab 151936, d_model 1024, 28 layers, max_context 40960"), std::string::npos) << text;
  EXPECT_NE(text.find("block: x = x + attention(attn_norm(x)); x = x + ffn(ffn_norm(x))"), std::string::npos)
      << text;
  EXPECT_NE(text.find("layers 0-27: attention GQA(16/8 heads x 128, rope half theta=1e+06, qk_norm); ffn "
                      "SwiGLU(3072); norms RMSNorm(eps=1e-06)"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("layer 1"), std::string::npos) << text;
}

TEST(Frontend, DescribeShowsLayerPattern) {
  ParseResult result = parseFile(LOOM_EXAMPLES_DIR "/gemma3-1b.loom");
  ASSERT_TRUE(result.spec) << result.diagnostics;
  std::string text = describeArchSpec(*result.spec);
  for (const char *line : {"\n  layers 0-4: attention MQA", "\n  layer 5: attention MQA", "\n  layers 6-10:",
                           "\n  layer 23:", "\n  layers 24-25:"})
    EXPECT_NE(text.find(line), std::string::npos) << line << " in\n" << text;
}

//===----------------------------------------------------------------------===//
// Constant expressions
//===----------------------------------------------------------------------===//

/// The value of `expr`, evaluated as the embedding scale of a small model.
double evaluate(llvm::StringRef expr, llvm::StringRef extraKeys = "") {
  ArchSpec spec = parseValid(smallModel((extraKeys + "\n  embedding_scale = " + expr).str()));
  return spec.embeddingScale;
}

TEST(ModelKeys, LogitScaleAndSoftcap) {
  ArchSpec plain = parseValid(smallModel(""));
  EXPECT_EQ(plain.logitScale, 1.0);
  EXPECT_EQ(plain.logitSoftcap, 0.0);
  ArchSpec grok = parseValid(smallModel("  logit_scale = 1 / 2\n  logit_softcap = 50"));
  EXPECT_EQ(grok.logitScale, 0.5);
  EXPECT_EQ(grok.logitSoftcap, 50.0);
}

/// Whether the boolean `expr` holds, evaluated as tie_embeddings.
bool holds(llvm::StringRef expr, llvm::StringRef extraKeys = "") {
  ArchSpec spec = parseValid(smallModel((extraKeys + "\n  tie_embeddings = " + expr).str()));
  return spec.tieEmbeddings;
}

TEST(ConstantExpressions, Literals) {
  EXPECT_EQ(evaluate("42"), 42.0);
  EXPECT_EQ(evaluate("2.5"), 2.5);
  EXPECT_EQ(evaluate("1e-6"), 1e-6);
  EXPECT_EQ(evaluate("5e5"), 5e5);
  EXPECT_EQ(evaluate("1.5E+3"), 1500.0);
  EXPECT_TRUE(holds("true"));
  EXPECT_FALSE(holds("false"));
}

TEST(ConstantExpressions, Arithmetic) {
  EXPECT_EQ(evaluate("1 + 2 * 3"), 7.0);
  EXPECT_EQ(evaluate("(1 + 2) * 3"), 9.0);
  EXPECT_EQ(evaluate("10 - 4 - 3"), 3.0);
  EXPECT_EQ(evaluate("7 / 2"), 3.5) << "inexact integer division yields a float";
  EXPECT_EQ(evaluate("2 ** 10"), 1024.0);
  EXPECT_EQ(evaluate("2 ** 3 ** 2"), 512.0) << "'**' is right-associative";
  EXPECT_DOUBLE_EQ(evaluate("168 ** -0.5"), 1.0 / std::sqrt(168.0));
  EXPECT_EQ(evaluate("-2 ** 2 + 8"), 4.0) << "'**' binds tighter than unary minus";
  EXPECT_EQ(evaluate("- -3"), 3.0);
  EXPECT_EQ(evaluate("7.5 % 2"), 1.5);
  EXPECT_TRUE(holds("17 % 5 == 2"));
  EXPECT_TRUE(holds("-7 % 3 == 2")) << "'%' is floored";
  EXPECT_TRUE(holds("7 % -3 == -2"));
  EXPECT_EQ(evaluate("1 +\n      2"), 3.0) << "a line break may follow an operator";
}

TEST(ConstantExpressions, Functions) {
  EXPECT_EQ(evaluate("sqrt(d_model)"), 8.0);
  EXPECT_DOUBLE_EQ(evaluate("log(exp(2))"), 2.0);
  EXPECT_DOUBLE_EQ(evaluate("exp(0)"), 1.0);
  EXPECT_EQ(evaluate("min(3, 1.5, 2)"), 1.5);
  EXPECT_EQ(evaluate("max(3, 1.5, 2)"), 3.0);
  EXPECT_EQ(evaluate("max(vocab, d_model) / 10"), 100.0);
}

TEST(ConstantExpressions, ComparisonsAndLogic) {
  EXPECT_TRUE(holds("1 < 2 and 2 <= 2 and 3 > 2 and 3 >= 3 and 1 != 2 and 2 == 2.0"));
  EXPECT_TRUE(holds("not false"));
  EXPECT_TRUE(holds("false or true"));
  EXPECT_TRUE(holds("not (1 > 2 or 2 > 3)"));
  EXPECT_TRUE(holds("true == true and half == half and half != interleaved"));
  EXPECT_TRUE(holds("not (false and 1 / 0 > 1)")) << "'and' short-circuits";
  EXPECT_TRUE(holds("true or 1 / 0 > 1")) << "'or' short-circuits";
}

TEST(ConstantExpressions, KeyReferences) {
  // Integer results stay exact, so they can size integer fields.
  ArchSpec spec = parseValid(R"(architecture T {
  vocab = 32 * 1024
  d_model = 2048
  n_layers = 2
  max_context = 1 * 2 ** 16
  heads = 32
  head_dim = d_model / heads
  hidden = ffn_multiplier * d_model   // defined below: order does not matter
  ffn_multiplier = 4
  norm = RMSNorm(eps = 10 ** -5)
  attention = MHA(heads = heads, head_dim = head_dim, rope = RoPE(), scale = head_dim ** -0.5)
  ffn = SwiGLU(hidden = hidden)
  final_norm = norm
  block {
    x = x + attention(norm(x))
    x = x + ffn(norm(x))
  }
})");
  EXPECT_EQ(spec.vocab, 32768);
  EXPECT_EQ(spec.maxContext, 65536);
  const AttentionSpec &attn = attentionOf(spec.layers[0]);
  EXPECT_EQ(attn.headDim, 64);
  EXPECT_EQ(attn.kvHeads, 32) << "MHA has as many kv heads as heads";
  EXPECT_DOUBLE_EQ(attn.scale, 0.125);
  EXPECT_EQ(ffnOf(spec.layers[0]).hidden, 8192);
  EXPECT_DOUBLE_EQ(spec.finalNorm.eps, 1e-5);
}

TEST(ConstantExpressions, IntegralFloatsAreIntegers) {
  ArchSpec spec = parseValid(smallModel("  big = SwiGLU(hidden = 2.5 * d_model)\n"
                                        "  layers 0 { ffn = big }"));
  EXPECT_EQ(ffnOf(spec.layers[0]).hidden, 160);
}

TEST(ConstantExpressions, Errors) {
  struct Case {
    const char *keys;
    const char *message;
  };
  const Case cases[] = {
      {"embedding_scale = 1 / (d_model - 64)", "error: division by zero in '/'"},
      {"embedding_scale = 5 % 0", "error: division by zero in '%'"},
      {"embedding_scale = 2 ** 63", "error: integer overflow in '**'"},
      {"embedding_scale = 9223372036854775807 + 1", "error: integer overflow in '+'"},
      {"embedding_scale = 99999999999999999999", "error: integer 99999999999999999999 does not fit in 64 bits"},
      {"embedding_scale = 1e999", "error: number 1e999 is out of range"},
      {"embedding_scale = 10.0 ** 400", "error: the result of '**' is not a finite number"},
      {"embedding_scale = exp(1000)", "error: the result of 'exp' is not a finite number"},
      {"embedding_scale = 1e300 * 1e300", "error: the result of '*' is not a finite number"},
      {"embedding_scale = sqrt(-4)", "error: sqrt of negative number -4"},
      {"embedding_scale = log(0)", "error: log of non-positive number 0"},
      {"embedding_scale = sqrt(1, 2)", "error: 'sqrt' takes one argument, got 2"},
      {"embedding_scale = min()", "error: 'min' takes at least one argument, got 0"},
      {"embedding_scale = sqrt(x = 4)", "error: arguments of 'sqrt' are positional; remove 'x ='"},
      {"embedding_scale = 1 < 2 < 3", "error: comparisons cannot be chained; combine them with 'and'"},
      {"embedding_scale = half < interleaved", "error: '<' needs numbers, got 'half' and 'interleaved'"},
      {"embedding_scale = 1 == true", "error: '==' cannot compare integer 1 with boolean true"},
      {"embedding_scale = 1 and true", "error: the operands of 'and' must be booleans, got integer 1"},
      {"embedding_scale = not 1", "error: the operand of 'not' must be a boolean, got integer 1"},
      {"embedding_scale = -true", "error: the operand of '-' must be a number, got boolean true"},
      {"embedding_scale = vocab(3)", "error: 'vocab' is integer 1000, not a component, so it cannot be called"},
      {"embedding_scale = frobnicate(3)", "error: unknown function or component 'frobnicate'"},
      {"embedding_scale = 2 * i", "error: the layer index 'i' is only defined in 'layers where' conditions"},
      {"embedding_scale = !true", "error: unexpected character '!'; logical negation is written 'not'"},
      {"embedding_scale = 12abc", "error: invalid suffix 'abc' on number '12'"},
      {"sqrt = 3", "error: 'sqrt' names a built-in function and cannot be defined"},
      {"GQA = 3", "error: 'GQA' names a component kind and cannot be defined"},
      {"half = 3", "error: 'half' is an enumerator and cannot be defined"},
      {"i = 3", "error: 'i' is reserved for the layer index in 'layers where' conditions"},
      {"x = 3", "error: 'x' is reserved for the residual stream of blocks"},
      {"embedding_scale = -2", "error: 'embedding_scale' must be a positive number, got integer -2"},
      {"logit_scale = 0", "error: 'logit_scale' must be a positive number, got integer 0"},
      {"logit_softcap = true", "error: 'logit_softcap' must be a positive number, got boolean true"},
  };
  for (const Case &c : cases) {
    ParseResult result = parse(smallModel(std::string("  ") + c.keys));
    EXPECT_FALSE(result.spec) << c.keys;
    EXPECT_NE(result.diagnostics.find(c.message), std::string::npos)
        << c.keys << "\nexpected: " << c.message << "\ngot:\n"
        << result.diagnostics;
  }
}

TEST(ConstantExpressions, LongDefinitionChainsDoNotExhaustTheStack) {
  // Each key refers to the next, so evaluation order is the reverse of the
  // text; the dependency walk must not recurse once per key.
  std::string keys;
  constexpr int kChain = 20000;
  for (int k = 0; k < kChain; ++k)
    keys += "  c" + std::to_string(k) + " = c" + std::to_string(k + 1) + " + 1\n";
  keys += "  c" + std::to_string(kChain) + " = 0";
  EXPECT_EQ(evaluate("c0", keys), double(kChain));
}

TEST(ConstantExpressions, NestingLimit) {
  std::string deep(300, '(');
  deep += "1" + std::string(300, ')');
  ParseResult result = parse(smallModel("  embedding_scale = " + deep));
  EXPECT_FALSE(result.spec);
  EXPECT_NE(result.diagnostics.find("error: expression is nested too deeply (the limit is 200 levels)"),
            std::string::npos)
      << result.diagnostics;

  std::string wide = "1";
  for (int k = 0; k < 100000; ++k)
    wide += " + 1";
  result = parse(smallModel("  embedding_scale = " + wide));
  EXPECT_FALSE(result.spec);
  EXPECT_NE(result.diagnostics.find("nested too deeply"), std::string::npos) << result.diagnostics;

  std::string negations(1000, '-');
  result = parse(smallModel("  embedding_scale = " + negations + "1"));
  EXPECT_FALSE(result.spec);
  EXPECT_NE(result.diagnostics.find("nested too deeply"), std::string::npos);
}

//===----------------------------------------------------------------------===//
// Components
//===----------------------------------------------------------------------===//

TEST(Components, KindsAndDefaults) {
  ArchSpec spec = parseValid(R"(architecture T {
  vocab = 100
  d_model = 64
  n_layers = 1
  max_context = 64
  ln = LayerNorm()
  ln_nobias = LayerNorm(eps = 1e-6, bias = false)
  gemma_norm = RMSNorm(unit_offset = true)
  mha = MHA(heads = 4, head_dim = 16, rope = RoPE(style = interleaved, fraction = 0.5, theta = 1e4),
            qkv_bias = true, out_bias = true)
  mqa = MQA(heads = 4, head_dim = 16, rope = none, mask = chunked, window = 8192)
  gelu = GeluMLP(hidden = 256)
  geglu = GeGLU(hidden = 128, bias = true)
  final_norm = ln
  block {
    h = ln(x) + ln_nobias(x) + gemma_norm(x)
    x = x + mha(h) + mqa(h) + gelu(h) + geglu(h)
  }
})");
  const LayerSpec &layer = spec.layers[0];
  EXPECT_EQ(componentNames(layer),
            (std::vector<std::string>{"ln", "ln_nobias", "gemma_norm", "mha", "mqa", "gelu", "geglu"}));
  const NormSpec &ln = std::get<NormSpec>(layer.find("ln")->spec);
  EXPECT_EQ(ln.kind, NormKind::LayerNorm);
  EXPECT_EQ(ln.eps, 1e-5);
  EXPECT_TRUE(ln.bias);
  EXPECT_FALSE(std::get<NormSpec>(layer.find("ln_nobias")->spec).bias);
  EXPECT_TRUE(std::get<NormSpec>(layer.find("gemma_norm")->spec).unitOffset);
  EXPECT_EQ(std::get<NormSpec>(layer.find("gemma_norm")->spec).eps, 1e-6);

  const AttentionSpec &mha = attentionOf(layer, "mha");
  EXPECT_EQ(mha.kvHeads, 4);
  EXPECT_TRUE(mha.qkvBias);
  EXPECT_TRUE(mha.outBias);
  EXPECT_EQ(mha.rope->style, RopeStyle::Interleaved);
  EXPECT_EQ(mha.rope->fraction, 0.5);
  EXPECT_EQ(mha.rope->theta, 1e4);
  const AttentionSpec &mqa = attentionOf(layer, "mqa");
  EXPECT_EQ(mqa.kvHeads, 1);
  EXPECT_FALSE(mqa.rope) << "rope = none is NoPE";
  EXPECT_EQ(mqa.mask, MaskKind::Chunked);
  EXPECT_EQ(mqa.window, 8192);

  EXPECT_EQ(ffnOf(layer, "gelu").kind, FFNKind::GeluMLP);
  EXPECT_TRUE(ffnOf(layer, "gelu").bias);
  EXPECT_EQ(ffnOf(layer, "geglu").kind, FFNKind::GeGLU);
  EXPECT_TRUE(ffnOf(layer, "geglu").bias);
  EXPECT_EQ(spec.finalNorm.kind, NormKind::LayerNorm);
}

TEST(Components, CopiesAndAliasesAreSeparateComponents) {
  ArchSpec spec = parseValid(smallModel(R"(
  rope = RoPE(theta = 1e4)
  local = attention(mask = sliding_window, window = 512, rope = rope)
  pre = norm
  layers 0 {
    block {
      x = x + local(pre(x))
      x = x + ffn(norm(x))
    }
  })"));
  const LayerSpec &layer = spec.layers[0];
  EXPECT_EQ(componentNames(layer), (std::vector<std::string>{"pre", "local", "norm", "ffn"}));
  const AttentionSpec &local = attentionOf(layer, "local");
  EXPECT_EQ(local.heads, 4) << "copied arguments are kept";
  EXPECT_EQ(local.mask, MaskKind::SlidingWindow);
  EXPECT_EQ(local.window, 512);
  EXPECT_EQ(local.rope->theta, 1e4);
  // The copy's spec points at the copy, the alias's at the original.
  EXPECT_EQ(local.loc.line, 16u);
  EXPECT_EQ(std::get<NormSpec>(layer.find("pre")->spec).loc.line, 6u);
  EXPECT_EQ(layer.find("pre")->loc.line, 17u);
}

TEST(Components, Errors) {
  struct Case {
    const char *keys;
    const char *message;
  };
  const Case cases[] = {
      {"a = GQA(heads = 4, kv_heads = 8, head_dim = 16, rope = none)",
       "error: heads (4) is not divisible by kv_heads (8)"},
      {"a = GQA(heads = 4, kv_heads = 2, head_dim = 15, rope = RoPE())",
       "error: head_dim (15) must be even when RoPE is applied"},
      {"a = GQA(heads = 4, kv_heads = 2, head_dim = 128, rope = RoPE(fraction = 0.3))",
       "error: RoPE rotates fraction 0.3 of head_dim 128 = 38.4 dimensions; that must be an even integer"},
      {"a = GQA(heads = 4, kv_heads = 2, head_dim = 16, rope = none, window = 4)",
       "error: 'window' only applies with mask = sliding_window or chunked"},
      {"a = GQA(heads = 4, kv_heads = 2, head_dim = 16, rope = none, mask = chunked, window = 0)",
       "error: GQA argument 'window' must be positive, got 0"},
      {"a = GQA(heads = 4, kv_heads = 2, head_dim = 16, rope = none, mask = local)",
       "error: GQA argument 'mask' must be one of global, sliding_window, chunked; got 'local'"},
      {"a = GQA(heads = 4, kv_heads = 2, head_dim = 16, rope = none, scale = 0)",
       "error: GQA argument 'scale' must be positive, got 0"},
      {"a = GQA(heads = 3000000000, kv_heads = 2, head_dim = 16, rope = none)",
       "error: GQA argument 'heads' must be at most 2147483648, got 3000000000"},
      {"a = GQA(heads = 4, kv_heads = 2, head_dim = 16, rope = norm)",
       "error: GQA argument 'rope' must be RoPE(...) or none, got RMSNorm component"},
      {"a = GQA(heads = true, kv_heads = 2, head_dim = 16, rope = none)",
       "error: GQA argument 'heads' must be an integer, got boolean true"},
      {"a = GQA(heads = 4, heads = 4, kv_heads = 2, head_dim = 16, rope = none)",
       "error: argument 'heads' is given twice"},
      {"a = MHA(heads = 4, kv_heads = 4, head_dim = 16, rope = none)", "error: MHA has no argument 'kv_heads'"},
      {"a = SwiGLU(128)", "error: arguments of SwiGLU must be named, as in 'hidden = ...'"},
      {"a = RMSNorm(unit_offset = 1)", "error: RMSNorm argument 'unit_offset' must be true or false, got integer 1"},
      {"a = RoPE(theta = -1)", "error: RoPE argument 'theta' must be positive, got -1"},
      {"a = LayerNorm(eps = half)", "error: LayerNorm argument 'eps' must be a number, got 'half'"},
      {"a = attention(heads = 3)", "error: heads (3) is not divisible by kv_heads (2)"},
  };
  for (const Case &c : cases) {
    ParseResult result = parse(smallModel(std::string("  ") + c.keys));
    EXPECT_FALSE(result.spec) << c.keys;
    EXPECT_NE(result.diagnostics.find(c.message), std::string::npos)
        << c.keys << "\nexpected: " << c.message << "\ngot:\n"
        << result.diagnostics;
  }
}

TEST(Components, CopyErrorsNameTheCopy) {
  ParseResult result = parse(smallModel("  a = attention(heads = 3)"));
  EXPECT_NE(result.diagnostics.find("test.loom:7:41: error: heads (3) is not divisible by kv_heads (2)"),
            std::string::npos)
      << result.diagnostics;
  EXPECT_NE(result.diagnostics.find("test.loom:14:7: note: in this copy of 'attention'"), std::string::npos)
      << result.diagnostics;
}

//===----------------------------------------------------------------------===//
// Residual blocks
//===----------------------------------------------------------------------===//

/// The statements of layer 0 for a model with `block`.
std::vector<std::string> blockOf(llvm::StringRef block, std::vector<std::string> *components = nullptr) {
  ArchSpec spec = parseValid((R"(architecture T {
  vocab = 100
  d_model = 64
  n_layers = 2
  max_context = 64
  norm = RMSNorm()
  pre_norm = norm
  post_norm = norm
  n = norm
  attention = GQA(heads = 4, kv_heads = 2, head_dim = 16, rope = RoPE())
  ffn = SwiGLU(hidden = 128)
  final_norm = norm
  )" + block + "\n}")
                                 .str());
  if (spec.layers.empty())
    return {};
  if (components)
    *components = componentNames(spec.layers[0]);
  return printBlock(spec.layers[0]);
}

TEST(Blocks, PreNorm) {
  std::vector<std::string> components;
  EXPECT_EQ(blockOf("block {\n x = x + attention(pre_norm(x))\n x = x + ffn(post_norm(x))\n }", &components),
            (std::vector<std::string>{"x = add(x, attention(pre_norm(x)))", "x = add(x, ffn(post_norm(x)))"}));
  EXPECT_EQ(components, (std::vector<std::string>{"pre_norm", "attention", "post_norm", "ffn"}));
}

TEST(Blocks, PostNormInsideTheResidual) {
  EXPECT_EQ(blockOf("block { x = x + norm(attention(x)); x = x + n(ffn(x)) }"),
            (std::vector<std::string>{"x = add(x, norm(attention(x)))", "x = add(x, n(ffn(x)))"}));
}

TEST(Blocks, Sandwich) {
  std::vector<std::string> components;
  EXPECT_EQ(blockOf("block {\n x = x + post_norm(attention(pre_norm(x)))\n}", &components),
            (std::vector<std::string>{"x = add(x, post_norm(attention(pre_norm(x))))"}));
  EXPECT_EQ(components, (std::vector<std::string>{"pre_norm", "attention", "post_norm"}));
}

TEST(Blocks, Parallel) {
  std::vector<std::string> components;
  EXPECT_EQ(blockOf("block {\n x = x + attention(n(x)) + ffn(n(x))\n}", &components),
            (std::vector<std::string>{"x = add(add(x, attention(n(x))), ffn(n(x)))"}));
  EXPECT_EQ(components, (std::vector<std::string>{"n", "attention", "ffn"})) << "a component called twice is "
                                                                               "listed once";
}

TEST(Blocks, ClassicPostNorm) {
  std::vector<std::string> components;
  EXPECT_EQ(blockOf("block {\n x = norm(x + attention(x))\n x = post_norm(x + ffn(x))\n}", &components),
            (std::vector<std::string>{"x = norm(add(x, attention(x)))", "x = post_norm(add(x, ffn(x)))"}));
  EXPECT_EQ(components, (std::vector<std::string>{"attention", "norm", "ffn", "post_norm"}));
}

TEST(Blocks, LocalsAndParentheses) {
  EXPECT_EQ(blockOf("block {\n h = n(x); a = attention(h)\n x = (x + a) +\n   ffn(n(x + a))\n}"),
            (std::vector<std::string>{"h = n(x)", "a = attention(h)", "x = add(add(x, a), ffn(n(add(x, a))))"}));
}

TEST(Blocks, Errors) {
  struct Case {
    const char *block;
    const char *message;
  };
  const Case cases[] = {
      {"block { y = x }", "error: the block never assigns 'x', the output of the layer"},
      {"block { x = x + h }", "error: undefined block variable 'h'"},
      {"block { x = h; h = norm(x) }", "error: undefined block variable 'h'"},
      {"block { attention = attention(x); x = x }", "error: cannot assign to 'attention': it names a component"},
      {"block { h = norm(x); x = h(x) }", "error: 'h' is a block variable, not a component"},
      {"block { x = ffn }", "error: component 'ffn' must be applied to a value, as in 'ffn(x)'"},
      {"block { x = x + mlp(x) }", "error: unknown component 'mlp'"},
      {"block { x = x * 2 }", "error: only '+' (a residual add) can combine values in a block, found '*'"},
      {"block { x = x }\n block { x = x }", "error: architecture 'T' has more than one 'block'"},
      {"layers 0 { norm = RMSNorm() }", "error: architecture 'T' has no 'block', and no 'layers' rule gives layer 0 one"},
  };
  for (const Case &c : cases) {
    ParseResult result = parse(std::string(R"(architecture T {
  vocab = 100
  d_model = 64
  n_layers = 2
  max_context = 64
  norm = RMSNorm()
  attention = GQA(heads = 4, kv_heads = 2, head_dim = 16, rope = RoPE())
  ffn = SwiGLU(hidden = 128)
  final_norm = norm
  )") + c.block + "\n}");
    EXPECT_FALSE(result.spec) << c.block;
    EXPECT_NE(result.diagnostics.find(c.message), std::string::npos)
        << c.block << "\nexpected: " << c.message << "\ngot:\n"
        << result.diagnostics;
  }
}

//===----------------------------------------------------------------------===//
// Per-layer rules
//===----------------------------------------------------------------------===//

TEST(LayerRules, DeepSeekStyleDenseFirstLayers) {
  ArchSpec spec = parseValid(smallModel(R"(
  dense_ffn = SwiGLU(hidden = 1024)
  layers 0..2 { ffn = dense_ffn })"));
  for (const LayerSpec &layer : spec.layers)
    EXPECT_EQ(ffnOf(layer).hidden, layer.index <= 2 ? 1024 : 256) << "layer " << layer.index;
  // The component keeps its block name, so weights stay `layers.<i>.ffn.*`.
  EXPECT_EQ(spec.layers[0].find("ffn")->name, "ffn");
}

TEST(LayerRules, GemmaStyleEverySixthGlobal) {
  ArchSpec spec = parseValid(smallModel(R"(
  local_attention = attention(mask = sliding_window, window = 512)
  layers where (i + 1) % 6 != 0 { attention = local_attention })"));
  for (const LayerSpec &layer : spec.layers)
    EXPECT_EQ(attentionOf(layer).mask, layer.index == 5 ? MaskKind::Global : MaskKind::SlidingWindow)
        << "layer " << layer.index;
}

TEST(LayerRules, EveryWithOffset) {
  ArchSpec spec = parseValid(smallModel(R"(
  wide = SwiGLU(hidden = 512)
  narrow = SwiGLU(hidden = 128)
  layers every 4 offset 3 { ffn = wide }
  layers every 2 { ffn = narrow })"));
  std::vector<int64_t> hidden;
  for (const LayerSpec &layer : spec.layers)
    hidden.push_back(ffnOf(layer).hidden);
  EXPECT_EQ(hidden, (std::vector<int64_t>{128, 256, 128, 512, 128, 256, 128, 512}));
}

TEST(LayerRules, OpenRangeSingleLayerAndLaterRulesWin) {
  ArchSpec spec = parseValid(smallModel(R"(
  a = SwiGLU(hidden = 100)
  b = SwiGLU(hidden = 200)
  c = SwiGLU(hidden = 300)
  layers 3.. { ffn = a }
  layers 5 { ffn = b }
  layers where i >= 6 and i != 7 { ffn = c })"));
  std::vector<int64_t> hidden;
  for (const LayerSpec &layer : spec.layers)
    hidden.push_back(ffnOf(layer).hidden);
  EXPECT_EQ(hidden, (std::vector<int64_t>{256, 256, 256, 100, 100, 200, 300, 100}));
}

TEST(LayerRules, BlockOverrideAndRuleLocalComponents) {
  ArchSpec spec = parseValid(smallModel(R"(
  layers 0..1 {
    ffn_norm = RMSNorm(eps = 1e-5)
    block {
      x = x + attention(norm(x))
      x = x + ffn(ffn_norm(x))
    }
  })"));
  EXPECT_EQ(componentNames(spec.layers[0]), (std::vector<std::string>{"norm", "attention", "ffn_norm", "ffn"}));
  EXPECT_EQ(componentNames(spec.layers[2]), (std::vector<std::string>{"norm", "attention", "ffn"}));
  EXPECT_EQ(spec.layers[0].block, spec.layers[1].block);
  EXPECT_NE(spec.layers[1].block, spec.layers[2].block);
  EXPECT_EQ(spec.layers[2].block, spec.layers[7].block);
}

TEST(LayerRules, WarnsAboutRulesThatSelectNothing) {
  ParseResult result = parse(smallModel("  layers where i > 100 { ffn = SwiGLU(hidden = 8) }"));
  EXPECT_TRUE(result.spec) << result.diagnostics;
  EXPECT_NE(result.diagnostics.find("warning: this 'layers' rule selects no layer"), std::string::npos)
      << result.diagnostics;
}

//===----------------------------------------------------------------------===//
// Architectures: extends, imports, selection
//===----------------------------------------------------------------------===//

constexpr const char *kBaseAndDerived = R"(
architecture Base {
  vocab = 1000
  d_model = 64
  n_layers = 4
  max_context = 128
  hidden = 4 * d_model
  norm = RMSNorm()
  attention = GQA(heads = 4, kv_heads = 2, head_dim = d_model / 4, rope = RoPE())
  ffn = SwiGLU(hidden = hidden)
  final_norm = RMSNorm()
  block {
    x = x + attention(norm(x))
    x = x + ffn(norm(x))
  }
  layers 0 { ffn = SwiGLU(hidden = 8) }
}

architecture Wide extends Base {
  d_model = 128
  n_layers = 6
  layers 5 { ffn = SwiGLU(hidden = 16) }
}

architecture Deeper extends Wide {
  n_layers = 12
  norm = LayerNorm()
}
)";

TEST(Architectures, ExtendsReevaluatesInheritedKeys) {
  ArchSpec wide = parseValid(kBaseAndDerived, {"Wide"});
  EXPECT_EQ(wide.name, "Wide");
  EXPECT_EQ(wide.dModel, 128);
  ASSERT_EQ(wide.layers.size(), 6u);
  EXPECT_EQ(attentionOf(wide.layers[1]).headDim, 32) << "head_dim = d_model / 4 uses the override";
  EXPECT_EQ(ffnOf(wide.layers[1]).hidden, 512) << "hidden = 4 * d_model uses the override";
  EXPECT_EQ(ffnOf(wide.layers[0]).hidden, 8) << "inherited rules apply";
  EXPECT_EQ(ffnOf(wide.layers[5]).hidden, 16) << "own rules apply after inherited ones";
}

TEST(Architectures, DefaultIsTheLastOneAndChainsCompose) {
  ArchSpec deeper = parseValid(kBaseAndDerived);
  EXPECT_EQ(deeper.name, "Deeper");
  EXPECT_EQ(deeper.nLayers, 12);
  EXPECT_EQ(deeper.dModel, 128);
  EXPECT_EQ(std::get<NormSpec>(deeper.layers[3].find("norm")->spec).kind, NormKind::LayerNorm);
  EXPECT_EQ(ffnOf(deeper.layers[5]).hidden, 16);

  ArchSpec base = parseValid(kBaseAndDerived, {"Base"});
  EXPECT_EQ(base.dModel, 64);
  EXPECT_EQ(ffnOf(base.layers[1]).hidden, 256);
}

TEST(Architectures, UnknownSelection) {
  ParseResult result = parse(kBaseAndDerived, {"Wdie"});
  EXPECT_FALSE(result.spec);
  EXPECT_NE(result.diagnostics.find(
                "error: no architecture named 'Wdie' in 'test.loom'; did you mean 'Wide'? (it defines Base, Wide, "
                "Deeper)"),
            std::string::npos)
      << result.diagnostics;
}

TEST(Architectures, EveryArchitectureOfTheFileIsChecked) {
  ParseResult result = parse(std::string(kBaseAndDerived) + "architecture Broken extends Base { d_model = 0 }",
                             {"Base"});
  EXPECT_FALSE(result.spec);
  EXPECT_NE(result.diagnostics.find("error: 'd_model' must be positive, got 0"), std::string::npos)
      << result.diagnostics;
}

TEST(Architectures, RedefinitionIsAnError) {
  ParseResult result = parse(std::string(kBaseAndDerived) + "architecture Wide { }");
  EXPECT_FALSE(result.spec);
  EXPECT_NE(result.diagnostics.find("error: redefinition of architecture 'Wide'"), std::string::npos)
      << result.diagnostics;
  EXPECT_NE(result.diagnostics.find("note: previous definition is here"), std::string::npos);
}

/// A temporary directory removed at the end of the test.
class TempDir {
public:
  TempDir() { EXPECT_FALSE(llvm::sys::fs::createUniqueDirectory("loom-frontend-test", path)); }
  ~TempDir() { llvm::sys::fs::remove_directories(path); }

  std::string write(llvm::StringRef name, llvm::StringRef text) {
    llvm::SmallString<256> file(path);
    llvm::sys::path::append(file, name);
    llvm::sys::fs::create_directories(llvm::sys::path::parent_path(file));
    std::error_code ec;
    llvm::raw_fd_ostream os(file, ec);
    EXPECT_FALSE(ec) << ec.message();
    os << text;
    return std::string(file);
  }

private:
  llvm::SmallString<256> path;
};

TEST(Architectures, ImportsResolveRelativeToTheImportingFile) {
  TempDir dir;
  dir.write("models/base.loom", kBaseAndDerived);
  // Importing twice, or importing a file that imports this one, is harmless.
  dir.write("models/more.loom", "import \"base.loom\"\nimport \"../main.loom\"\n");
  std::string main = dir.write("main.loom", R"(import "models/base.loom"
import "models/more.loom"
architecture Mine extends Wide {
  vocab = 50
})");
  ParseResult result = parseFile(main);
  ASSERT_TRUE(result.spec) << result.diagnostics;
  EXPECT_EQ(result.spec->name, "Mine");
  EXPECT_EQ(result.spec->vocab, 50);
  EXPECT_EQ(result.spec->dModel, 128);
  EXPECT_EQ(result.diagnostics, "");

  // An imported architecture can be selected by name.
  result = parseFile(main, {"Deeper"});
  ASSERT_TRUE(result.spec) << result.diagnostics;
  EXPECT_EQ(result.spec->nLayers, 12);
  EXPECT_NE(result.spec->file.find("base.loom"), std::string::npos);
}

TEST(Architectures, ErrorsInImportedFilesAreReported) {
  TempDir dir;
  dir.write("bad.loom", "architecture Bad {\n  vocab = = 3\n}\n");
  std::string main = dir.write("main.loom", "import \"bad.loom\"\narchitecture Good extends Bad { }\n");
  ParseResult result = parseFile(main);
  EXPECT_FALSE(result.spec);
  EXPECT_NE(result.diagnostics.find("bad.loom:2:11: error: expected an expression, found '='"), std::string::npos)
      << result.diagnostics;
}

TEST(Architectures, MissingFile) {
  ParseResult result = parseFile("/nonexistent/spec.loom");
  EXPECT_FALSE(result.spec);
  EXPECT_NE(result.diagnostics.find("error: cannot open '/nonexistent/spec.loom'"), std::string::npos)
      << result.diagnostics;
}

//===----------------------------------------------------------------------===//
// Diagnostics
//===----------------------------------------------------------------------===//

TEST(Diagnostics, FormatHasLocationSourceLineAndCaret) {
  ParseResult result = parse(smallModel("  bad = GQA(heads = 16, kv_heads = 6, head_dim = 4, rope = none)"));
  EXPECT_FALSE(result.spec);
  EXPECT_NE(result.diagnostics.find("test.loom:14:36: error: heads (16) is not divisible by kv_heads (6)\n"
                                    "  bad = GQA(heads = 16, kv_heads = 6, head_dim = 4, rope = none)\n"
                                    "                                   ^\n"),
            std::string::npos)
      << result.diagnostics;
}

TEST(Diagnostics, SeveralErrorsPerRun) {
  ParseResult result = parse(R"(architecture T {
  vocab = )
  d_model = 64 64
  n_layers = 2
  block { x = }
  max_context = @
})");
  EXPECT_FALSE(result.spec);
  for (const char *message :
       {"test.loom:2:11: error: expected an expression, found ')'",
        "test.loom:3:16: error: expected a newline or ';' after the statement, found '64'",
        "test.loom:5:15: error: expected a block variable or a component call, found '}'",
        "test.loom:6:17: error: unexpected character '@'"})
    EXPECT_NE(result.diagnostics.find(message), std::string::npos) << message << " in\n" << result.diagnostics;
}

TEST(Diagnostics, ErrorLimitStopsTheFlood) {
  std::string source = "architecture T {\n";
  for (int k = 0; k < 1000; ++k)
    source += "  k" + std::to_string(k) + " = )\n";
  source += "}\n";
  ParseResult result = parse(source);
  EXPECT_FALSE(result.spec);
  size_t errors = 0;
  for (size_t at = result.diagnostics.find("error:"); at != std::string::npos;
       at = result.diagnostics.find("error:", at + 1))
    ++errors;
  EXPECT_EQ(errors, 20u);
  EXPECT_NE(result.diagnostics.find("note: too many errors (20); stopping here"), std::string::npos);
}

TEST(Diagnostics, UnusedKeysWarnButDoNotFail) {
  ParseResult result = parse(smallModel("  unused_constant = 3\n  spare = SwiGLU(hidden = 8)"));
  EXPECT_TRUE(result.spec) << result.diagnostics;
  EXPECT_NE(result.diagnostics.find("test.loom:14:3: warning: constant 'unused_constant' is never used"),
            std::string::npos)
      << result.diagnostics;
  EXPECT_NE(result.diagnostics.find("test.loom:15:3: warning: component 'spare' is never used"), std::string::npos)
      << result.diagnostics;
}

TEST(Diagnostics, LargeModelsAreFine) {
  ParseResult result = parse(smallModel("", 100000));
  ASSERT_TRUE(result.spec) << result.diagnostics;
  EXPECT_EQ(result.spec->layers.size(), 100000u);
  EXPECT_EQ(result.spec->layers.back().index, 99999);
}

} // namespace

namespace {

/// The diagnostics of `result` hold `text`.
::testing::AssertionResult reports(const ParseResult &result, llvm::StringRef text) {
  if (result.diagnostics.find(text.str()) != std::string::npos)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "no '" << text.str() << "' in:\n" << result.diagnostics;
}

size_t countErrors(const ParseResult &result) {
  size_t errors = 0;
  for (size_t at = result.diagnostics.find("error:"); at != std::string::npos;
       at = result.diagnostics.find("error:", at + 1))
    ++errors;
  return errors;
}

TEST(Diagnostics, BinaryDataIsOneLocatedError) {
  // A NUL byte: located, the quoted line printable (the NUL shown as '?'), and nothing else reported.
  std::string withNul = "architecture A {\n  vocab = 1";
  withNul += '\0';
  withNul += "\x01\x02\n}\n";
  ParseResult result = parse(withNul);
  EXPECT_FALSE(result.spec);
  EXPECT_TRUE(reports(result, "test.loom:2:12: error: not a .loom spec: the file holds binary data (a NUL byte)\n"
                              "  vocab = 1???\n"
                              "           ^\n"));
  EXPECT_EQ(countErrors(result), 1u) << result.diagnostics;

  // Invalid UTF-8, even inside a comment (a Latin-1 'é').
  result = parse("// caf\xe9\narchitecture A { vocab = 1 }\n");
  EXPECT_FALSE(result.spec);
  EXPECT_TRUE(reports(result, "test.loom:1:7: error: not a .loom spec: the file holds binary data (byte 0xe9 is not "
                              "valid UTF-8)\n// caf?\n"));
  EXPECT_EQ(countErrors(result), 1u) << result.diagnostics;

  // Overlong encodings and UTF-16 surrogates are not UTF-8 either; the first bad byte is reported.
  result = parse("architecture A {} // \xc0\xaf \xed\xa0\x80\n");
  EXPECT_TRUE(reports(result, "test.loom:1:22: error: not a .loom spec: the file holds binary data (byte 0xc0"));

  // A GGUF file given as a spec says what to do with it.
  result = parse(llvm::StringRef("GGUF\x03\0\0\0", 8));
  EXPECT_TRUE(reports(result, "test.loom:1:6: error: not a .loom spec: the file holds binary data (a NUL byte); it "
                              "is a GGUF file: give it as --weights"));
}

TEST(Diagnostics, ValidUtf8IsText) {
  ParseResult result = parse("// café × 日本 😀\n" + smallModel("  /* “quoted” */"));
  EXPECT_TRUE(result.spec) << result.diagnostics;
  EXPECT_EQ(result.diagnostics, "");
}

TEST(Diagnostics, BinaryDataInAnImportedFile) {
  TempDir dir;
  dir.write("weights.loom", std::string("architecture W {\0}", 18));
  std::string main = dir.write("main.loom", "import \"weights.loom\"\narchitecture M extends W { }\n");
  ParseResult result = parseFile(main);
  EXPECT_FALSE(result.spec);
  EXPECT_TRUE(reports(result, "weights.loom:1:17: error: not a .loom spec: the file holds binary data (a NUL byte)"));
  EXPECT_EQ(countErrors(result), 1u) << result.diagnostics;
}

TEST(Diagnostics, UnusedArchitectureSettingsAreErrors) {
  // Settings Loom does not model: the spec must not compile into a model without them.
  const std::pair<const char *, const char *> unmodelled[] = {
      {"final_logit_softcap = 30.0", "'final_logit_softcap' is a setting for logit soft-capping, which Loom does "
                                     "not model: nothing in the spec uses it, so the model would be compiled "
                                     "without it"},
      {"attn_logit_softcapping = 50", "'attn_logit_softcapping' is a setting for logit soft-capping"},
      {"num_experts = 8", "'num_experts' is a setting for a mixture of experts"},
      {"moe_top_k = 2", "'moe_top_k' is a setting for a mixture of experts"},
      {"rope_scaling = 8", "'rope_scaling' is a setting for RoPE scaling"},
  };
  for (const auto &[line, message] : unmodelled) {
    ParseResult result = parse(smallModel(std::string("  ") + line));
    EXPECT_FALSE(result.spec) << line;
    EXPECT_TRUE(reports(result, std::string("test.loom:14:3: error: ") + message)) << line;
  }
  // Settings Loom has under another spelling: the message says where they go.
  ParseResult capped = parse(smallModel("  router_logit_softcapping = 30"));
  EXPECT_FALSE(capped.spec);
  EXPECT_TRUE(reports(capped, "test.loom:14:3: error: 'router_logit_softcapping' reads like soft-capped router logits, "
                              "but a key by this name sets nothing and nothing uses it; write it as MoE(router_softcap "
                              "= ...)"));
  ParseResult softcapped = parse(smallModel("  final_logit_softcapping = 30"));
  EXPECT_TRUE(reports(softcapped, "test.loom:14:3: error: 'final_logit_softcapping' reads like soft-capped logits, but a "
                                  "key by this name sets nothing and nothing uses it; write it as logit_softcap = ..."));
  ParseResult result = parse(smallModel("  rope_theta = 5e5\n  sliding_window_size = 512"));
  EXPECT_FALSE(result.spec);
  EXPECT_TRUE(reports(result, "test.loom:14:3: error: 'rope_theta' reads like the RoPE base, but a key by this name "
                              "sets nothing and nothing uses it; write it as RoPE(theta = ...)"));
  EXPECT_TRUE(reports(result, "test.loom:15:3: error: 'sliding_window_size' reads like a sliding-window mask, but a "
                              "key by this name sets nothing and nothing uses it; write it as GQA(mask = "
                              "sliding_window, window = N)"));
  result = parse(smallModel("  sliding_window = 512"));
  EXPECT_TRUE(reports(result, "test.loom:14:3: error: 'sliding_window' is an enumerator and cannot be defined; a "
                              "sliding-window mask is written GQA(mask = sliding_window, window = N)"));
}

TEST(Diagnostics, UsedSettingNamesAndPlainConstantsAreFine) {
  // A setting-like name that the spec uses is an ordinary constant.
  ParseResult result = parse(smallModel("  window_size = 32\n  rope_theta = 5e5\n"
                                        "  local = attention(mask = sliding_window, window = window_size,\n"
                                        "                    rope = RoPE(theta = rope_theta))\n"
                                        "  layers 0 { attention = local }"));
  EXPECT_TRUE(result.spec) << result.diagnostics;
  EXPECT_EQ(result.diagnostics, "");
  // An unused constant that names no setting stays a warning.
  result = parse(smallModel("  window = 512"));
  EXPECT_TRUE(result.spec) << result.diagnostics;
  EXPECT_TRUE(reports(result, "test.loom:14:3: warning: constant 'window' is never used"));
}

} // namespace
