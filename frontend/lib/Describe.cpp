//===- Describe.cpp - Human-readable summary of an ArchSpec --------------===//
//
// What `loom check` prints: enough to see at a glance that a spec means what
// its author intended (which layers use sliding windows, which RoPE, which
// feed-forward) without listing every layer of a deep model.
//
//===----------------------------------------------------------------------===//
#include "loom/Frontend/Frontend.h"

#include "Value.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace loom {

static void printNorm(raw_ostream &os, const NormSpec &norm) {
  os << (norm.kind == NormKind::RMSNorm ? "RMSNorm" : "LayerNorm") << "(eps=" << frontend::formatNumber(norm.eps);
  if (norm.unitOffset)
    os << ", unit_offset";
  if (norm.kind == NormKind::LayerNorm && !norm.bias)
    os << ", no bias";
  os << ")";
}

static void printRopeScaling(raw_ostream &os, const RopeScalingSpec &s) {
  auto num = [](double v) { return frontend::formatNumber(v); };
  switch (s.kind) {
  case RopeScalingKind::Linear:
    os << " linear(factor=" << num(s.factor) << ")";
    return;
  case RopeScalingKind::Llama3:
    os << " llama3(factor=" << num(s.factor) << ", low=" << num(s.lowFreqFactor)
       << ", high=" << num(s.highFreqFactor) << ", original=" << s.originalContext << ")";
    return;
  case RopeScalingKind::Yarn:
    os << " yarn(factor=" << num(s.factor) << ", original=" << s.originalContext << ", beta=" << num(s.betaFast)
       << "/" << num(s.betaSlow) << ", attention_factor=" << num(s.attentionFactor)
       << (s.truncate ? "" : ", no truncate") << ")";
    return;
  }
}

static void printAttention(raw_ostream &os, const AttentionSpec &attn) {
  if (const std::optional<MLASpec> &mla = attn.mla) {
    os << "MLA(" << attn.heads << " heads, q rank " << mla->qLoraRank << ", kv rank " << mla->kvLoraRank
       << ", nope " << mla->nopeDim << " + rope " << mla->ropeDim << ", value " << mla->valueDim;
  } else {
    StringRef kind = attn.kvHeads == attn.heads ? "MHA" : attn.kvHeads == 1 ? "MQA" : "GQA";
    os << kind << "(" << attn.heads << "/" << attn.kvHeads << " heads x " << attn.headDim;
  }
  if (attn.rope) {
    os << ", rope " << (attn.rope->style == RopeStyle::Half ? "half" : "interleaved")
       << " theta=" << frontend::formatNumber(attn.rope->theta);
    if (attn.rope->fraction != 1.0)
      os << " fraction=" << frontend::formatNumber(attn.rope->fraction);
    if (attn.rope->scaling)
      printRopeScaling(os, *attn.rope->scaling);
  } else {
    os << ", no rope";
  }
  if (attn.qkNorm)
    os << (attn.qkNorm->allHeads ? ", qk_norm over all heads" : ", qk_norm");
  if (attn.mask == MaskKind::SlidingWindow)
    os << ", sliding_window " << attn.window;
  else if (attn.mask == MaskKind::Chunked)
    os << ", chunked " << attn.window;
  if (attn.qkvBias)
    os << ", qkv_bias";
  if (attn.outBias)
    os << ", out_bias";
  if (attn.scale != 0)
    os << ", scale=" << frontend::formatNumber(attn.scale);
  if (attn.valueDim != 0 && !attn.mla)
    os << ", value_dim=" << attn.valueDim;
  if (attn.valueScale != 1)
    os << ", value_scale=" << frontend::formatNumber(attn.valueScale);
  if (attn.softcap != 0)
    os << ", softcap=" << frontend::formatNumber(attn.softcap);
  if (attn.sinks)
    os << ", sinks";
  if (attn.outputGate)
    os << ", output_gate";
  if (attn.qkNormAfterRope)
    os << ", qk_norm after rope";
  if (attn.temperatureScale > 0)
    os << ", temperature " << frontend::formatNumber(attn.temperatureScale) << " per log(1 + (p + 1) / "
       << attn.temperatureFloor << ")";
  os << ")";
}

static void printMoE(raw_ostream &os, const FFNSpec &ffn, const MoESpec &moe) {
  static const char *const routings[] = {"softmax_topk", "topk_softmax", "sigmoid_topk", "topk_sigmoid"};
  static const char *const activations[] = {"silu", "gelu_tanh", "swiglu_oai"};
  os << "MoE(" << moe.experts << " experts, top " << moe.topK << ", hidden " << ffn.hidden << ", "
     << routings[static_cast<int>(moe.routing)] << ", " << activations[static_cast<int>(moe.activation)];
  if (moe.normalize)
    os << ", normalize";
  if (moe.scale != 1.0)
    os << ", scale=" << frontend::formatNumber(moe.scale);
  if (moe.groups != 1)
    os << ", " << moe.groupTopK << " of " << moe.groups << " groups";
  if (moe.selectionBias)
    os << ", selection_bias";
  if (moe.routerBias)
    os << ", router_bias";
  if (moe.routerSoftcap > 0)
    os << ", router_softcap=" << frontend::formatNumber(moe.routerSoftcap);
  if (ffn.bias)
    os << ", bias";
  if (moe.weightInput)
    os << ", weight_input";
  if (moe.sharedHidden)
    os << ", shared " << moe.sharedHidden << (moe.sharedGate ? " gated" : "");
  os << ")";
}

static void printFFN(raw_ostream &os, const FFNSpec &ffn) {
  if (ffn.moe)
    return printMoE(os, ffn, *ffn.moe);
  os << (ffn.kind == FFNKind::SwiGLU ? "SwiGLU" : ffn.kind == FFNKind::GeGLU ? "GeGLU" : "GeluMLP") << "("
     << ffn.hidden;
  if (ffn.bias)
    os << ", bias";
  os << ")";
}

static void printDeltaNet(raw_ostream &os, const DeltaNetSpec &mixer) {
  os << "GatedDeltaNet(" << mixer.kHeads << " key heads x " << mixer.kHeadDim << ", " << mixer.vHeads
     << " value heads x " << mixer.vHeadDim << ", conv " << mixer.convKernel << ", norm ";
  printNorm(os, mixer.norm);
  os << ")";
}

static void printBlockExpr(raw_ostream &os, const BlockExpr &expr) {
  switch (expr.kind) {
  case BlockExpr::Kind::Var:
    os << expr.name;
    return;
  case BlockExpr::Kind::Add:
    printBlockExpr(os, *expr.operands[0]);
    os << " + ";
    printBlockExpr(os, *expr.operands[1]);
    return;
  case BlockExpr::Kind::Call:
    os << expr.name << "(";
    printBlockExpr(os, *expr.operands[0]);
    os << ")";
    return;
  }
}

static void printBlock(raw_ostream &os, const std::vector<BlockStmt> &block) {
  interleave(
      block, os,
      [&](const BlockStmt &stmt) {
        os << stmt.target << " = ";
        printBlockExpr(os, *stmt.value);
      },
      "; ");
}

/// One layer's components, and its block if the model has several. Norms
/// rarely differ within a layer, so identical ones are listed once.
static std::string describeLayer(const LayerSpec &layer, ArrayRef<const std::vector<BlockStmt> *> blocks) {
  std::string text;
  raw_string_ostream os(text);
  if (blocks.size() > 1)
    os << "block " << (find(blocks, layer.block.get()) - blocks.begin() + 1) << "; ";

  SmallVector<std::pair<StringRef, std::string>, 4> norms;
  for (const Component &component : layer.components)
    if (const auto *norm = std::get_if<NormSpec>(&component.spec)) {
      std::string printed;
      raw_string_ostream normOs(printed);
      printNorm(normOs, *norm);
      norms.push_back({component.name, printed});
    }
  bool uniformNorms =
      all_of(norms, [&](const auto &norm) { return norm.second == norms.front().second; });

  ListSeparator separator("; ");
  for (const Component &component : layer.components) {
    if (const auto *attn = std::get_if<AttentionSpec>(&component.spec)) {
      os << separator << component.name << " ";
      printAttention(os, *attn);
    } else if (const auto *ffn = std::get_if<FFNSpec>(&component.spec)) {
      os << separator << component.name << " ";
      printFFN(os, *ffn);
    } else if (const auto *mixer = std::get_if<DeltaNetSpec>(&component.spec)) {
      os << separator << component.name << " ";
      printDeltaNet(os, *mixer);
    } else if (!uniformNorms) {
      os << separator << component.name << " ";
      printNorm(os, std::get<NormSpec>(component.spec));
    }
  }
  if (uniformNorms && !norms.empty())
    os << separator << "norms " << norms.front().second;
  return text;
}

std::string describeArchSpec(const ArchSpec &spec) {
  std::string text;
  raw_string_ostream os(text);
  os << "architecture " << spec.name;
  if (!spec.loc.file.empty())
    os << " (" << spec.loc.file << ":" << spec.loc.line << ")";
  os << "\n  vocab " << spec.vocab << ", d_model " << spec.dModel << ", " << spec.nLayers << " layers, max_context "
     << spec.maxContext << (spec.tieEmbeddings ? ", tied embeddings" : ", untied embeddings");
  if (spec.embeddingScale != 1.0)
    os << ", embedding_scale " << frontend::formatNumber(spec.embeddingScale);
  if (spec.logitScale != 1.0)
    os << ", logit_scale " << frontend::formatNumber(spec.logitScale);
  if (spec.logitSoftcap != 0.0)
    os << ", logit_softcap " << frontend::formatNumber(spec.logitSoftcap);
  if (spec.positions == PositionKind::Learned)
    os << ", learned positions";
  os << "\n  final_norm: ";
  printNorm(os, spec.finalNorm);
  os << "\n";

  SmallVector<const std::vector<BlockStmt> *, 4> blocks;
  for (const LayerSpec &layer : spec.layers)
    if (!is_contained(blocks, layer.block.get()))
      blocks.push_back(layer.block.get());
  for (auto [index, block] : enumerate(blocks)) {
    os << "  block";
    if (blocks.size() > 1)
      os << " " << index + 1;
    os << ": ";
    printBlock(os, *block);
    os << "\n";
  }

  // Consecutive layers with the same description share one line.
  for (size_t first = 0; first < spec.layers.size();) {
    std::string description = describeLayer(spec.layers[first], blocks);
    size_t last = first;
    while (last + 1 < spec.layers.size() && describeLayer(spec.layers[last + 1], blocks) == description)
      ++last;
    if (first == last)
      os << "  layer " << first;
    else
      os << "  layers " << first << "-" << last;
    os << ": " << description << "\n";
    first = last + 1;
  }
  return text;
}

} // namespace loom
