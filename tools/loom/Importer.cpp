//===- Importer.cpp - A .loom spec from GGUF metadata or a config.json ----===//
//
// Writes a .loom spec for a checkpoint's architecture, from a GGUF file's
// metadata (read with the runtime's GGUF reader) or from a Hugging Face
// config.json. The file gives the numbers; the family's DecoderShape (runtime/lib/families/)
// gives the shape (norm placement, QK-norm, NoPE and sliding-window layers).
// The spec uses the component names (attn_norm, attention, ffn_norm, ffn,
// post_attn_norm, post_ffn_norm, final_norm) that the runtime's name tables
// (runtime/lib/GgufNames.cpp, HfNames.cpp) map both conventions' tensor
// names to, so the spec loads the file it came from.
//
// RoPE pairing: llama.cpp's converter permutes the Q and K rows of `llama`
// and `smollm3` models so that adjacent pairs rotate together (ggml's
// "normal" RoPE), so such a GGUF needs `style = interleaved` where the Hugging
// Face checkpoint needs `half`; the other families' GGUF files keep the rows
// (NeoX RoPE, `half`). The family's DecoderShape says which (ggufInterleaved).
//
// Before anything is read, every key of the input is accounted for
// (ImportKeys.h): a key that would change the computation in a way the spec
// cannot express, or an unknown one, is an error rather than dropped.
//
//===----------------------------------------------------------------------===//
#include "Importer.h"
#include "RopeScalingImport.h"

#include "FamilyImport.h"

#include "Gguf.h"
#include "ImportKeys.h"
#include "Family.h"
#include "loom/loom.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <tuple>

using namespace llvm;
using loom::rt::BlockStyle;
using loom::rt::DecoderShape;
using loom::rt::NoPE;
using loom::rt::QkNorm;
using loom::rt::Sliding;
using loom::rt::GgufFile;
using loom::rt::GgufValue;

namespace {
/// Everything the spec states, in the DSL's terms.
struct ImportedModel {
  std::string family;
  const DecoderShape *shape = nullptr;
  std::string name;
  int64_t vocab = 0, dModel = 0, nLayers = 0, maxContext = 0;
  int64_t heads = 0, kvHeads = 0, headDim = 0, hidden = 0;
  double eps = 1e-6, theta = 10000, ropeFraction = 1;
  bool epsIsFloat32 = false, thetaIsFloat32 = false;
  bool tied = false, qkvBias = false, outBias = false, ffnBias = false;
  QkNorm qkNorm = QkNorm::None;
  bool interleaved = false;
  int64_t slidingWindow = 0;
  bool normUnitOffset = false; ///< RMSNorm scales by (1 + w): Hugging Face Gemma. GGUF stores 1 + w.
  /// Per layer: whether it attends through a sliding window, and whether it goes without RoPE. Empty: none.
  std::vector<bool> slidingLayers, nopeLayers;
  /// The RoPE base of the sliding-window layers: Gemma 3's own, else theta.
  double localTheta = 10000;
  /// RoPE scaling of the global layers and of the sliding-window ones (the same but for Gemma 3, Olmo 3).
  std::optional<loom::RopeScalingSpec> ropeScaling, localRopeScaling;
  double attentionScale = 0; ///< 0: the default 1/sqrt(head_dim).
  /// The mixture of experts of the sparse layers (DecoderShape::experts); experts == 0: a dense model.
  int64_t experts = 0, expertsPerToken = 0, expertHidden = 0;
  bool normalizeExpertWeights = false;
  /// How the router chooses (a DSL routing name), and DeepSeek's additions to it.
  std::string routing = "softmax_topk";
  bool selectionBias = false;
  int64_t expertGroups = 1, expertGroupsKept = 1, sharedExpertHidden = 0;
  double routedScale = 1.0;
  /// gpt-oss's additions: a router bias, expert biases, the clamped SwiGLU (a DSL activation name) and its
  /// parameters, and a learned sink logit per attention head.
  bool routerBias = false, expertBias = false, sinks = false;
  /// Qwen3-Next's gated attention output and its shared expert's per-token gate.
  bool outputGate = false, sharedExpertGate = false;
  std::string expertActivation = "silu";
  double swigluAlpha = 1.702, swigluLimit = 7.0;
  /// Multi-head latent attention (DeepSeek): ranks (q 0: a plain query projection) and per-head dimensions.
  bool latent = false;
  int64_t qLoraRank = 0, kvLoraRank = 0, nopeDim = 0, ropeDim = 0, valueDim = 0;
  /// Llama 4: the RoPE layers attend within chunks of chunkSize tokens (0: no chunks) and, with ropeQkNorm, norm q
  /// and k after RoPE without a weight; the NoPE layers scale their queries by temperature tuning (scale 0: none);
  /// the routing weight scales each expert's input.
  int64_t chunkSize = 0, temperatureFloor = 0;
  double temperatureScale = 0;
  bool ropeQkNorm = false, expertWeightInput = false;
  /// AFMoE's muP: the embeddings scaled by sqrt(d_model) (as Gemma's always are).
  bool embeddingScaled = false;
  /// MiMo-V2-Flash: values multiplied by valueScale before the cache (valueDim, when not 0, is their width), and
  /// its sliding-window layers' own KV-head count (0: kvHeads) and sinks (unset: those of the other layers).
  double valueScale = 1;
  int64_t localKvHeads = 0;
  std::optional<bool> localSinks;
  /// Per layer: whether its feed-forward is the mixture of experts. Empty: all are, if the model has one.
  std::vector<bool> sparseLayers;
  /// Per layer: whether Gated DeltaNet mixes its tokens instead of attention (Qwen3-Next), and that mixer's sizes.
  std::vector<bool> linearLayers;
  int64_t linearKeyHeads = 0, linearValueHeads = 0, linearKeyDim = 0, linearValueDim = 0, linearConv = 4;
  std::vector<std::string> notes; ///< Written as comments, and as warnings.
};

/// A JSON value as text, for messages.
std::string shortJsonText(const json::Value &value) {
  std::string text;
  raw_string_ostream(text) << value;
  return text;
}

/// The shortest decimal that reads back as `value` (as a float32 if it was one).
std::string formatReal(double value, bool float32) {
  char text[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(text, sizeof(text), "%.*g", precision, value);
    double back = std::strtod(text, nullptr);
    if (float32 ? static_cast<float>(back) == static_cast<float>(value) : back == value)
      break;
  }
  // "1e+06" reads fine, but a plain integer is what a person would write.
  if (std::fabs(value) < 1e15 && value == std::floor(value))
    return std::to_string(static_cast<int64_t>(value));
  return text;
}

/// `, scaling = ...` for a RoPE's argument list, or nothing.
std::string scalingArgument(const std::optional<loom::RopeScalingSpec> &scaling) {
  if (!scaling)
    return "";
  const loom::RopeScalingSpec &s = *scaling;
  auto real = [](double v) { return formatReal(v, false); };
  switch (s.kind) {
  case loom::RopeScalingKind::Linear:
    return ", scaling = linear(factor = " + real(s.factor) + ")";
  case loom::RopeScalingKind::Llama3:
    return ", scaling = llama3(factor = " + real(s.factor) + ", low_freq_factor = " + real(s.lowFreqFactor) +
           ", high_freq_factor = " + real(s.highFreqFactor) + ", original_context = " +
           std::to_string(s.originalContext) + ")";
  case loom::RopeScalingKind::Yarn:
    return ", scaling = yarn(factor = " + real(s.factor) + ", original_context = " +
           std::to_string(s.originalContext) + ", beta_fast = " + real(s.betaFast) + ", beta_slow = " +
           real(s.betaSlow) + ", attention_factor = " + real(s.attentionFactor) +
           (s.truncate ? "" : ", truncate = false") + ")";
  }
  return "";
}

/// A DSL identifier from free text ("Qwen3 0.6B" -> "Qwen3_0_6B").
std::string identifier(StringRef text) {
  std::string id;
  for (char c : text)
    id += isAlnum(c) ? c : '_';
  if (id.empty() || isDigit(id[0]))
    id = "M" + id;
  static const char *const keywords[] = {"architecture", "extends", "import", "block", "layers",
                                         "true",         "false",   "and",    "or",    "not"};
  for (const char *keyword : keywords)
    if (id == keyword)
      id += "_";
  return id;
}

Error validate(const ImportedModel &m, StringRef file) {
  auto positive = [&](int64_t value, const char *what) -> Error {
    if (value <= 0 || value > (int64_t(1) << 31))
      return createStringError("'%s': %s is %lld, expected 1 to 2^31", file.str().c_str(), what,
                               static_cast<long long>(value));
    return Error::success();
  };
  const std::pair<int64_t, const char *> sizes[] = {
      {m.vocab, "the vocabulary size"}, {m.dModel, "the embedding width"}, {m.nLayers, "the layer count"},
      {m.maxContext, "the context length"}, {m.heads, "the head count"}, {m.kvHeads, "the KV head count"},
      {m.headDim, "the head dimension"}, {m.hidden, "the feed-forward width"}};
  for (const auto &[value, what] : sizes)
    if (Error err = positive(value, what))
      return err;
  if (m.heads % m.kvHeads != 0)
    return createStringError("'%s': %lld heads are not divisible into %lld KV heads", file.str().c_str(),
                             static_cast<long long>(m.heads), static_cast<long long>(m.kvHeads));
  if (!(m.eps > 0) || !(m.theta > 0) || !(m.ropeFraction > 0 && m.ropeFraction <= 1))
    return createStringError("'%s': RMSNorm epsilon %g, RoPE base %g and rotary fraction %g must be positive "
                             "(the fraction at most 1)",
                             file.str().c_str(), m.eps, m.theta, m.ropeFraction);
  return Error::success();
}

/// A `layers` selector for the layers marked in `selected`: a `where` over a period when the marks repeat
/// one (every 4th layer, all but every 6th), else one rule per run of consecutive layers.
std::vector<std::string> layerSelectors(const std::vector<bool> &selected) {
  int64_t n = static_cast<int64_t>(selected.size());
  std::vector<std::pair<int64_t, int64_t>> runs;
  for (int64_t first = 0; first < n;) {
    if (!selected[size_t(first)]) {
      ++first;
      continue;
    }
    int64_t last = first;
    while (last + 1 < n && selected[size_t(last + 1)])
      ++last;
    runs.push_back({first, last});
    first = last + 1;
  }
  if (runs.size() > 1)
    for (int64_t period = 2; period <= n; ++period)
      for (bool global : {true, false}) {
        bool matches = true;
        for (int64_t i = 0; i < n && matches; ++i)
          matches = selected[size_t(i)] == (((i + 1) % period == 0) == global);
        if (matches)
          return {"where (i + 1) % " + std::to_string(period) + (global ? " == 0" : " != 0")};
      }
  std::vector<std::string> selectors;
  for (auto [first, last] : runs)
    selectors.push_back(first == last ? std::to_string(first)
                                      : std::to_string(first) + ".." + std::to_string(last));
  return selectors;
}

bool all(const std::vector<bool> &flags, int64_t n) {
  return static_cast<int64_t>(flags.size()) == n && std::find(flags.begin(), flags.end(), false) == flags.end();
}

bool flag(const std::vector<bool> &flags, int64_t layer) {
  return size_t(layer) < flags.size() && flags[size_t(layer)];
}

std::string writeSpec(const ImportedModel &m, StringRef file) {
  const DecoderShape &shape = *m.shape;
  std::string text;
  raw_string_ostream os(text);
  os << "// Imported by `loom import` from " << sys::path::filename(file) << " (" << m.family << ").\n";
  for (const std::string &note : m.notes)
    os << "// Note: " << note << "\n";
  os << "architecture " << m.name << " {\n";
  os << "  vocab = " << m.vocab << "\n";
  os << "  d_model = " << m.dModel << "\n";
  os << "  n_layers = " << m.nLayers << "\n";
  os << "  max_context = " << m.maxContext << "\n";
  os << "  tie_embeddings = " << (m.tied ? "true" : "false") << "\n";
  if (shape.gemma || m.embeddingScaled)
    os << "  embedding_scale = sqrt(d_model)\n";
  os << "  eps = " << formatReal(m.eps, m.epsIsFloat32) << "\n";
  std::string norm = m.normUnitOffset ? "RMSNorm(eps = eps, unit_offset = true)" : "RMSNorm(eps = eps)";
  bool preNorms = shape.block != BlockStyle::PostNorm, postNorms = shape.block != BlockStyle::PreNorm;
  if (preNorms) {
    os << "  attn_norm = " << norm << "\n";
    os << "  ffn_norm = " << norm << "\n";
  }
  if (postNorms) {
    os << "  post_attn_norm = " << norm << "\n";
    os << "  post_ffn_norm = " << norm << "\n";
  }

  // The layer kinds: `attention` is the kind every layer has if all share it (a sliding window, or no RoPE),
  // otherwise the global RoPE one; layers of another kind get a variant derived from it.
  bool allSliding = all(m.slidingLayers, m.nLayers), allNope = all(m.nopeLayers, m.nLayers);
  auto rope = [&](bool sliding, bool nope) {
    if (nope)
      return std::string("none");
    double theta = sliding ? m.localTheta : m.theta;
    const std::optional<loom::RopeScalingSpec> &scaling = sliding ? m.localRopeScaling : m.ropeScaling;
    std::string text = "RoPE(theta = " + formatReal(theta, m.thetaIsFloat32 && theta == m.theta) +
                       ", style = " + (m.interleaved ? "interleaved" : "half");
    if (m.ropeFraction != 1)
      text += ", fraction = " + formatReal(m.ropeFraction, false);
    return text + scalingArgument(scaling) + ")";
  };
  const char *indent = "                  ";
  std::vector<std::string> flags;
  if (m.qkvBias)
    flags.push_back("qkv_bias = true");
  if (m.outBias)
    flags.push_back("out_bias = true");
  if (m.sinks)
    flags.push_back("sinks = true");
  const std::string biasFlags = join(flags, ", ");
  // Llama 4's arguments, one line each: on RoPE layers the chunks and the weightless QK-norm after RoPE, on NoPE
  // layers the temperature tuning.
  auto llama4Arguments = [&](bool nope, const std::string &at) {
    std::string text;
    if (!nope && m.ropeQkNorm)
      text += at + "qk_norm = RMSNorm(eps = eps, weight = false), qk_norm_after_rope = true,\n";
    if (!nope && m.chunkSize > 0)
      text += at + "mask = chunked, window = " + std::to_string(m.chunkSize) + ",\n";
    if (nope && m.temperatureScale > 0)
      text += at + "temperature_scale = " + formatReal(m.temperatureScale, false) +
              ", temperature_floor = " + std::to_string(m.temperatureFloor) + ",\n";
    return text;
  };
  if (m.latent) {
    os << "  attention = MLA(heads = " << m.heads;
    if (m.qLoraRank > 0) // none: a plain query projection
      os << ", q_lora_rank = " << m.qLoraRank;
    os << ", kv_lora_rank = " << m.kvLoraRank << ",\n"
       << indent << "nope_dim = " << m.nopeDim << ", rope_dim = " << m.ropeDim << ", value_dim = " << m.valueDim
       << ", norm = " << norm << ",\n";
    if (m.attentionScale > 0)
      os << indent << "scale = " << formatReal(m.attentionScale, false) << ",\n";
    os << indent << "rope = " << rope(false, false) << ")\n";
  } else {
  os << "  attention = GQA(heads = " << m.heads << ", kv_heads = " << m.kvHeads << ", head_dim = " << m.headDim
     << ",\n";
  if (m.qkNorm == QkNorm::PerHead)
    os << indent << "qk_norm = " << norm << ",\n";
  else if (m.qkNorm == QkNorm::AllHeads)
    os << indent << "qk_norm = RMSNorm(eps = eps, over = all_heads),\n";
  if (!biasFlags.empty())
    os << indent << biasFlags << ",\n";
  if (m.outputGate)
    os << indent << "output_gate = true,\n";
  if (m.valueDim > 0 && m.valueDim != m.headDim)
    os << indent << "value_dim = " << m.valueDim << ",\n";
  if (m.valueScale != 1)
    os << indent << "value_scale = " << formatReal(m.valueScale, false) << ",\n";
  if (allSliding)
    os << indent << "mask = sliding_window, window = " << m.slidingWindow << ",\n";
  os << llama4Arguments(allNope, indent);
  if (m.attentionScale > 0)
    os << indent << "scale = " << formatReal(m.attentionScale, false) << ",\n";
  os << indent << "rope = " << rope(allSliding, allNope) << ")\n";
  }

  struct Variant {
    const char *name;
    bool sliding, nope;
  };
  const Variant variants[] = {{"local_attention", true, false},
                              {"nope_attention", false, true},
                              {"local_nope_attention", true, true}};
  std::vector<std::pair<const Variant *, std::vector<bool>>> rules;
  for (const Variant &variant : variants) {
    std::vector<bool> selected(size_t(m.nLayers), false);
    bool any = false;
    for (int64_t i = 0; i < m.nLayers; ++i) {
      bool sliding = flag(m.slidingLayers, i), nope = flag(m.nopeLayers, i);
      // Only what differs from `attention` makes a layer a variant.
      if ((sliding && !allSliding) == variant.sliding && (nope && !allNope) == variant.nope &&
          (variant.sliding || variant.nope)) {
        selected[size_t(i)] = true;
        any = true;
      }
    }
    if (!any)
      continue;
    rules.push_back({&variant, std::move(selected)});
    if (variant.nope && !variant.sliding && (m.chunkSize > 0 || m.ropeQkNorm || m.temperatureScale > 0)) {
      // Llama 4's NoPE layers have neither the chunks nor the QK-norm of `attention`, which a copy cannot drop,
      // and a temperature tuning of their own: written whole.
      std::string at(std::strlen(variant.name) + 9, ' ');
      os << "  " << variant.name << " = GQA(heads = " << m.heads << ", kv_heads = " << m.kvHeads
         << ", head_dim = " << m.headDim << ",\n";
      if (!biasFlags.empty())
        os << at << biasFlags << ",\n";
      if (m.outputGate)
        os << at << "output_gate = true,\n";
      os << llama4Arguments(true, at);
      if (m.attentionScale > 0)
        os << at << "scale = " << formatReal(m.attentionScale, false) << ",\n";
      os << at << "rope = none)\n";
      continue;
    }
    os << "  " << variant.name << " = attention(";
    if (variant.sliding) {
      os << "mask = sliding_window, window = " << m.slidingWindow;
      if (m.localKvHeads > 0 && m.localKvHeads != m.kvHeads)
        os << ", kv_heads = " << m.localKvHeads;
      if (m.localSinks && *m.localSinks != m.sinks)
        os << ", sinks = " << (*m.localSinks ? "true" : "false");
    }
    bool ropeChanges = variant.nope || (variant.sliding && rope(true, false) != rope(false, false));
    if (ropeChanges)
      os << (variant.sliding ? ",\n" + std::string(std::strlen(variant.name) + 15, ' ') : "")
         << "rope = " << rope(variant.sliding, variant.nope);
    os << ")\n";
  }

  const bool anyLinear = std::find(m.linearLayers.begin(), m.linearLayers.end(), true) != m.linearLayers.end();
  if (anyLinear)
    // The gated output norm scales by w itself, even where the model's other RMSNorms are zero-centred.
    os << "  linear_attention = GatedDeltaNet(k_heads = " << m.linearKeyHeads << ", v_heads = " << m.linearValueHeads
       << ", k_head_dim = " << m.linearKeyDim << ",\n                                   v_head_dim = "
       << m.linearValueDim << ", conv = " << m.linearConv << ", norm = RMSNorm(eps = eps))\n";

  std::string denseFfn = std::string(shape.gemma ? "GeGLU" : "SwiGLU") + "(hidden = " + std::to_string(m.hidden) +
                         (m.ffnBias ? ", bias = true" : "") + ")";
  bool allSparse = m.experts > 0 && all(m.sparseLayers, m.nLayers);
  if (m.experts > 0) {
    os << "  ffn = MoE(experts = " << m.experts << ", top_k = " << m.expertsPerToken << ", hidden = " << m.expertHidden
       << ",\n            routing = " << m.routing << ", normalize = " << (m.normalizeExpertWeights ? "true" : "false");
    if (m.selectionBias)
      os << ", selection_bias = true";
    if (m.expertGroups > 1)
      os << ",\n            groups = " << m.expertGroups << ", group_top_k = " << m.expertGroupsKept;
    if (m.routedScale != 1.0)
      os << ", scale = " << formatReal(m.routedScale, false);
    if (m.sharedExpertHidden > 0)
      os << ", shared_hidden = " << m.sharedExpertHidden << (m.sharedExpertGate ? ", shared_gate = true" : "");
    if (m.expertWeightInput)
      os << ", weight_input = true";
    if (m.routerBias || m.expertBias) {
      os << ",\n           ";
      if (m.routerBias)
        os << " router_bias = true" << (m.expertBias ? "," : "");
      if (m.expertBias)
        os << " bias = true";
    }
    if (m.expertActivation != "silu") {
      os << ",\n            activation = " << m.expertActivation;
      if (m.expertActivation == "swiglu_oai")
        os << ", alpha = " << formatReal(m.swigluAlpha, false) << ", limit = " << formatReal(m.swigluLimit, false);
    }
    os << ")\n";
    if (!allSparse)
      os << "  dense_ffn = " << denseFfn << "\n";
  } else {
    os << "  ffn = " << denseFfn << "\n";
  }
  os << "  final_norm = " << norm << "\n";
  os << "  block {\n";
  const char *attentionCall = preNorms ? "attention(attn_norm(x))" : "attention(x)";
  const char *ffnCall = preNorms ? "ffn(ffn_norm(x))" : "ffn(x)";
  if (postNorms) {
    os << "    x = x + post_attn_norm(" << attentionCall << ")\n";
    os << "    x = x + post_ffn_norm(" << ffnCall << ")\n";
  } else {
    os << "    x = x + " << attentionCall << "\n";
    os << "    x = x + " << ffnCall << "\n";
  }
  os << "  }\n";
  for (const auto &[variant, selected] : rules)
    for (const std::string &selector : layerSelectors(selected))
      os << "  layers " << selector << " { attention = " << variant->name << " }\n";
  if (anyLinear)
    for (const std::string &selector : layerSelectors(m.linearLayers))
      os << "  layers " << selector << " { attention = linear_attention }\n";
  if (m.experts > 0 && !allSparse) {
    std::vector<bool> dense(size_t(m.nLayers));
    for (int64_t i = 0; i < m.nLayers; ++i)
      dense[size_t(i)] = !flag(m.sparseLayers, i);
    for (const std::string &selector : layerSelectors(dense))
      os << "  layers " << selector << " { ffn = dense_ffn }\n";
  }
  os << "}\n";
  return text;
}

//===----------------------------------------------------------------------===//
// GGUF
//===----------------------------------------------------------------------===//

class GgufMetadata {
public:
  GgufMetadata(const GgufFile &file, std::string arch) : file(file), arch(std::move(arch)) {}

  /// `<arch>.<key>` as a positive integer; `fallback` when absent (if given).
  Expected<int64_t> integer(StringRef key, std::optional<int64_t> fallback = std::nullopt) const {
    std::string full = arch + "." + key.str();
    const GgufValue *value = file.find(full);
    if (!value) {
      if (fallback)
        return *fallback;
      return createStringError("'%s': metadata key '%s' is missing", file.path().c_str(), full.c_str());
    }
    uint64_t result;
    if (!value->toUnsigned(result) || result > uint64_t(INT64_MAX))
      return createStringError("'%s': metadata key '%s' is a %s, expected a non-negative integer",
                               file.path().c_str(), full.c_str(), loom::rt::ggufValueTypeName(value->type));
    return static_cast<int64_t>(result);
  }

  Expected<double> real(StringRef key, std::optional<double> fallback, bool &isFloat32) const {
    std::string full = arch + "." + key.str();
    const GgufValue *value = file.find(full);
    isFloat32 = value && value->type == loom::rt::GgufValueType::Float32;
    if (!value) {
      if (fallback)
        return *fallback;
      return createStringError("'%s': metadata key '%s' is missing", file.path().c_str(), full.c_str());
    }
    double result;
    if (!value->toDouble(result))
      return createStringError("'%s': metadata key '%s' is a %s, expected a number", file.path().c_str(),
                               full.c_str(), loom::rt::ggufValueTypeName(value->type));
    return result;
  }

  /// `<arch>.<key>` as a number, or nullopt when absent (or not a number).
  std::optional<double> optionalReal(StringRef key) const {
    const GgufValue *value = file.find(arch + "." + key.str());
    double result;
    if (!value || !value->toDouble(result))
      return std::nullopt;
    return result;
  }
  bool has(StringRef key) const { return file.find(arch + "." + key.str()) != nullptr; }

private:
  const GgufFile &file;
  std::string arch;
};

/// Sets `field` from a metadata integer (or fails with its error).
Error setCount(int64_t &field, Expected<int64_t> value) {
  if (!value)
    return value.takeError();
  field = *value;
  return Error::success();
}

/// YaRN's mscale as transformers and llama.cpp compute it.
double yarnMscale(double factor, double mscale) { return factor <= 1 ? 1.0 : 0.1 * mscale * std::log(factor) + 1.0; }

/// llama.cpp's deepseek2 (DeepSeek V3, Kimi K2) as its loader reads it, into the spec readDeepSeek writes from
/// the model's config.json. Files written for the absorbed form (the converter since 2025) give the latent row in
/// key_length (kv_lora_rank + rope) and value_length (kv_lora_rank) and the per-head widths in the _mla keys;
/// older files give the per-head widths in key_length and value_length.
Error readDeepSeekGguf(const GgufFile &file, const GgufMetadata &meta, int64_t ropeDims, ImportedModel &m) {
  const std::string &path = file.path();
  const char *arch = m.family.c_str();
  m.latent = true;
  m.ropeDim = ropeDims;
  int64_t keyLength = 0, valueLength = 0, headKey = 0;
  if (Error err = setCount(m.qLoraRank, meta.integer("attention.q_lora_rank", 0))) // none: a plain q projection
    return err;
  if (Error err = setCount(m.kvLoraRank, meta.integer("attention.kv_lora_rank")))
    return err;
  if (Error err = setCount(keyLength, meta.integer("attention.key_length")))
    return err;
  if (Error err = setCount(valueLength, meta.integer("attention.value_length")))
    return err;
  headKey = keyLength;
  m.valueDim = valueLength;
  if (meta.has("attention.key_length_mla") || meta.has("attention.value_length_mla")) {
    if (Error err = setCount(headKey, meta.integer("attention.key_length_mla")))
      return err;
    if (Error err = setCount(m.valueDim, meta.integer("attention.value_length_mla")))
      return err;
    if (keyLength != m.kvLoraRank + ropeDims || valueLength != m.kvLoraRank)
      return createStringError("'%s': %s.attention.key_length %lld and value_length %lld are not the latent row "
                               "(kv_lora_rank + rope dimensions = %lld, kv_lora_rank = %lld) that files with "
                               "key_length_mla give",
                               path.c_str(), arch, static_cast<long long>(keyLength),
                               static_cast<long long>(valueLength), static_cast<long long>(m.kvLoraRank + ropeDims),
                               static_cast<long long>(m.kvLoraRank));
  }
  if (headKey <= ropeDims || ropeDims % 2 != 0 || m.valueDim == 0 || m.kvLoraRank == 0)
    return createStringError("'%s': a key of %lld values of which %lld rotate, values of %lld and a latent rank of "
                             "%lld are not a latent attention Loom can run",
                             path.c_str(), static_cast<long long>(headKey), static_cast<long long>(ropeDims),
                             static_cast<long long>(m.valueDim), static_cast<long long>(m.kvLoraRank));
  m.nopeDim = headKey - ropeDims;
  m.headDim = headKey;
  m.kvHeads = m.heads; // head_count_kv is 1 in files for the absorbed form: every head reads the one latent row
  m.ropeFraction = 1;
  m.interleaved = true; // llama.cpp rotates adjacent pairs and its converter keeps DeepSeek's rows as they are

  // The softmax scale. With YaRN, llama.cpp cancels YaRN's own magnitude on the rotated part and takes the file's
  // yarn_log_multiplier (0.1 * mscale_all_dim, divided back by 0.1f) into the scale instead, squared, as
  // transformers does; the magnitude left on the rotated part is then the file's attn_factor.
  double scale = 1.0 / std::sqrt(double(headKey));
  if (m.ropeScaling && m.ropeScaling->kind == loom::RopeScalingKind::Yarn) {
    double factor = m.ropeScaling->factor;
    double logMultiplier = double(float(meta.optionalReal("rope.scaling.yarn_log_multiplier").value_or(0)) / 0.1f);
    double magnitude = (logMultiplier != 0 ? 1.0 : yarnMscale(factor, 1.0)) *
                       meta.optionalReal("rope.scaling.attn_factor").value_or(1.0);
    double mscale = magnitude * (logMultiplier != 0 ? yarnMscale(factor, logMultiplier) : 1.0);
    m.ropeScaling->attentionFactor = magnitude;
    scale *= mscale * mscale;
  }
  m.attentionScale = scale;
  return Error::success();
}

/// DeepSeek V3's experts as llama.cpp's deepseek2 (and, with `glm`, its glm4moe) reads them: sigmoid scores with a
/// selection bias (exp_probs_b) choose, the chosen weights renormalised (expert_weights_norm) and scaled
/// (expert_weights_scale), expert_shared_count always-on experts, the first leading_dense_block_count layers dense.
/// deepseek2 also limits the choice to groups and takes a file without expert_gating_func for DeepSeek V2's softmax;
/// glm4moe reads no groups, takes sigmoid when the file says none, and always has the selection bias.
Error readDeepSeekGgufExperts(const GgufFile &file, const GgufMetadata &meta, bool glm, ImportedModel &m) {
  const std::string &path = file.path();
  const char *arch = m.family.c_str();
  int64_t shared = 0, denseLayers = 0, gating = 0, normalize = 0;
  for (auto [key, field, fallback] :
       {std::tuple<StringRef, int64_t *, std::optional<int64_t>>{"expert_count", &m.experts, std::nullopt},
        {"expert_used_count", &m.expertsPerToken, std::nullopt},
        {"expert_feed_forward_length", &m.expertHidden, std::nullopt},
        {"expert_shared_count", &shared, glm ? std::nullopt : std::optional<int64_t>(0)},
        {"leading_dense_block_count", &denseLayers, 0},
        {"expert_group_count", &m.expertGroups, 1},
        {"expert_group_used_count", &m.expertGroupsKept, 1},
        // llama.cpp takes a deepseek2 file without it for DeepSeek V2's softmax, a glm4moe one for sigmoid.
        {"expert_gating_func", &gating, glm ? 2 : 1},
        {"expert_weights_norm", &normalize, 0}})
    if (Error err = setCount(*field, meta.integer(key, fallback)))
      return err;
  if (glm && gating == 0) // LLAMA_EXPERT_GATING_FUNC_TYPE_NONE: glm4moe's loader makes it sigmoid
    gating = 2;
  m.expertGroups = std::max<int64_t>(m.expertGroups, 1);
  m.expertGroupsKept = std::max<int64_t>(m.expertGroupsKept, 1);
  // Zero (or absent) leaves the weights unscaled in llama.cpp.
  double weightsScale = meta.optionalReal("expert_weights_scale").value_or(0);
  m.routedScale = weightsScale != 0 ? weightsScale : 1.0;
  m.normalizeExpertWeights = normalize != 0;
  m.sharedExpertHidden = shared * m.expertHidden;
  if (m.experts == 0 || m.expertsPerToken == 0 || m.expertsPerToken > m.experts || m.expertHidden == 0)
    return createStringError("'%s': %lld routed experts of width %lld with %lld per token is not a mixture of "
                             "experts Loom can run",
                             path.c_str(), static_cast<long long>(m.experts), static_cast<long long>(m.expertHidden),
                             static_cast<long long>(m.expertsPerToken));
  // The selection bias is optional in llama.cpp's deepseek2 loader: the first sparse layer says whether the file has
  // one. glm4moe's requires it (the loader names it when it is missing).
  m.selectionBias = glm || file.findTensor("blk." + std::to_string(denseLayers) + ".exp_probs_b.bias") != nullptr;
  if (gating == 2) { // sigmoid: DeepSeek V3, Kimi K2
    m.routing = "sigmoid_topk";
  } else if (gating == 1 && m.expertGroups == 1 && !m.selectionBias) { // softmax: DeepSeek V2-Lite
    m.routing = "softmax_topk";
  } else {
    return createStringError("'%s': %s.expert_gating_func %lld%s is not a routing Loom models (2, sigmoid, is; 1, "
                             "softmax, only without expert groups and selection bias)",
                             path.c_str(), arch, static_cast<long long>(gating),
                             gating == 1 ? " with expert groups or a selection bias (DeepSeek V2)" : "");
  }
  for (int64_t i = 0; i < m.nLayers; ++i)
    m.sparseLayers.push_back(i >= denseLayers);
  return Error::success();
}

/// llama.cpp's gpt-oss, as its loader reads it: every layer a mixture of experts with router and expert biases,
/// the clamped SwiGLU with the constants it hard-codes (alpha 1.702, limit 7, what the released configs say),
/// sinks, and a sliding window on every even layer (its fixed pattern).
Error readGptOssGguf(const GgufFile &file, const GgufMetadata &meta, ImportedModel &m) {
  if (Error err = setCount(m.experts, meta.integer("expert_count")))
    return err;
  if (Error err = setCount(m.expertsPerToken, meta.integer("expert_used_count")))
    return err;
  if (Error err = setCount(m.expertHidden, meta.integer("expert_feed_forward_length", m.hidden)))
    return err;
  if (Error err = setCount(m.slidingWindow, meta.integer("attention.sliding_window")))
    return err;
  if (m.experts == 0 || m.expertsPerToken == 0 || m.expertsPerToken > m.experts || m.expertHidden == 0)
    return createStringError("'%s': %lld experts of width %lld with %lld per token is not a mixture of experts Loom "
                             "can run",
                             file.path().c_str(), static_cast<long long>(m.experts),
                             static_cast<long long>(m.expertHidden), static_cast<long long>(m.expertsPerToken));
  m.routing = "topk_softmax";
  m.normalizeExpertWeights = false; // the softmax over the chosen logits sums to 1 already
  m.routerBias = m.expertBias = true;
  m.expertActivation = "swiglu_oai";
  m.sparseLayers.assign(size_t(m.nLayers), true);
  m.sinks = m.shape->attentionSinks;
  if (m.slidingWindow > 0 && m.slidingWindow < m.maxContext)
    for (int64_t i = 0; i < m.nLayers; ++i)
      m.slidingLayers.push_back(i % 2 == 0);
  return Error::success();
}

/// llama.cpp's llama4, as its loader reads it. The file gives the experts and which layers have them (every
/// interleave_moe_layer_step-th, from step - 1 on); the rest is fixed in llama.cpp's code, whatever the model's
/// config said: the RoPE layers (three in four, importGguf) attend within chunks of 8192 tokens (attention_chunk_size
/// of Scout and Maverick), the NoPE ones scale their queries by temperature tuning (attn_scale 0.1, floor_scale
/// 8192), and q and k are normed after RoPE unless the model has 128 experts (Maverick; use_qk_norm is false in its
/// config). The top experts by sigmoid score (the top router logits) each get their score as a weight on their
/// input; the shared expert is as wide as the routed ones, the dense layers as feed_forward_length.
Error readLlama4Gguf(const GgufFile &file, const GgufMetadata &meta, ImportedModel &m) {
  const std::string &path = file.path();
  // llama.cpp reads a window of 0 as MobileLLM-R1's: no chunks, RoPE on every layer but the last, no temperature
  // tuning. Another value it replaces by 8192.
  if (meta.has("attention.sliding_window"))
    return createStringError("'%s': llama4.attention.sliding_window is in the file; llama.cpp then attends without "
                             "chunks (0, MobileLLM-R1) or in chunks of 8192 whatever it says, which loom import does "
                             "not model",
                             path.c_str());
  int64_t step = 0;
  for (auto [key, field] : {std::pair<StringRef, int64_t *>{"expert_count", &m.experts},
                            {"expert_used_count", &m.expertsPerToken},
                            {"expert_feed_forward_length", &m.expertHidden},
                            {"interleave_moe_layer_step", &step}})
    if (Error err = setCount(*field, meta.integer(key)))
      return err;
  if (m.experts == 0 || m.expertsPerToken == 0 || m.expertsPerToken > m.experts || m.expertHidden == 0 || step == 0)
    return createStringError("'%s': %lld experts of width %lld with %lld per token in every %lld-th layer is not a "
                             "mixture of experts Loom can run",
                             path.c_str(), static_cast<long long>(m.experts), static_cast<long long>(m.expertHidden),
                             static_cast<long long>(m.expertsPerToken), static_cast<long long>(step));
  for (int64_t i = 0; i < m.nLayers; ++i)
    m.sparseLayers.push_back((i + 1) % step == 0);
  m.sharedExpertHidden = m.expertHidden;
  m.routing = "topk_sigmoid";
  m.normalizeExpertWeights = false;
  m.expertWeightInput = true;
  // Chunks as long as the context mask nothing, and the temperature first changes at position floor - 1: a file of
  // a shorter context has neither (the descriptor allows no window past the context).
  constexpr int64_t kChunk = 8192, kFloor = 8192;
  m.chunkSize = kChunk < m.maxContext ? kChunk : 0;
  m.temperatureScale = kFloor <= m.maxContext ? 0.1 : 0;
  m.temperatureFloor = kFloor;
  m.ropeQkNorm = m.experts != 128;
  return Error::success();
}

Expected<ImportedModel> importGguf(const std::string &path, const std::vector<std::string> &ignoredKeys) {
  GgufFile file;
  if (!file.open(path))
    return createStringError(Twine(loom_last_error()));
  const GgufValue *archValue = file.find("general.architecture");
  if (!archValue || archValue->type != loom::rt::GgufValueType::String)
    return createStringError("'%s': no general.architecture string in the metadata", path.c_str());
  ImportedModel m;
  m.family = std::string(archValue->string);
  const loom::rt::Family *ofFile = loom::rt::familyOfGguf(m.family);
  m.shape = ofFile && !ofFile->declaresSpec() ? &ofFile->decoder : nullptr;
  if (!m.shape)
    return createStringError("'%s': architecture '%s' is not supported by loom import (%s are)", path.c_str(),
                             m.family.c_str(), loom::rt::supportedFamilies(/*gguf=*/true).c_str());
  if (Error err = loom::importkeys::checkGgufKeys(file, m.family, ignoredKeys, m.notes))
    return std::move(err);
  GgufMetadata meta(file, m.family);

  auto set = [](int64_t &field, Expected<int64_t> value) -> Error {
    if (!value)
      return value.takeError();
    field = *value;
    return Error::success();
  };
  if (Error err = set(m.nLayers, meta.integer("block_count")))
    return std::move(err);
  // GLM-4.5's multi-token-prediction layers follow the model's and are counted in block_count; llama.cpp's glm4moe
  // loads their tensors and skips them, and so does Loom (the loader ignores blk.<i>.* past the spec's layers).
  if (int64_t nextn = 0; m.family == "glm4moe") {
    if (Error err = set(nextn, meta.integer("nextn_predict_layers", 0)))
      return std::move(err);
    if (nextn >= m.nLayers)
      return createStringError("'%s': glm4moe.nextn_predict_layers (%lld) leaves none of the %lld blocks to the model",
                               path.c_str(), static_cast<long long>(nextn), static_cast<long long>(m.nLayers));
    m.nLayers -= nextn;
  }
  if (Error err = set(m.dModel, meta.integer("embedding_length")))
    return std::move(err);
  if (Error err = set(m.hidden, meta.integer("feed_forward_length")))
    return std::move(err);
  if (Error err = set(m.maxContext, meta.integer("context_length")))
    return std::move(err);
  if (Error err = set(m.heads, meta.integer("attention.head_count")))
    return std::move(err);
  if (Error err = set(m.kvHeads, meta.integer("attention.head_count_kv", m.heads)))
    return std::move(err);
  if (m.heads <= 0)
    return createStringError("'%s': %s.attention.head_count is 0", path.c_str(), m.family.c_str());
  int64_t ropeDims = 0;
  if (m.shape->latentAttention) {
    // Latent attention's key and value lengths are read with the rest of it (readDeepSeekGguf); RoPE turns the
    // decoupled key whole.
    if (Error err = set(ropeDims, meta.integer("rope.dimension_count")))
      return std::move(err);
  } else {
    if (Error err = set(m.headDim, meta.integer("attention.key_length", m.dModel / m.heads)))
      return std::move(err);
    int64_t valueDim = 0;
    if (Error err = set(valueDim, meta.integer("attention.value_length", m.headDim)))
      return std::move(err);
    if (valueDim != m.headDim)
      return createStringError("'%s': key length %lld differs from value length %lld, which Loom's GQA does not "
                               "support",
                               path.c_str(), static_cast<long long>(m.headDim), static_cast<long long>(valueDim));
    if (Error err = set(ropeDims, meta.integer("rope.dimension_count", m.headDim)))
      return std::move(err);
    m.ropeFraction = m.headDim > 0 ? double(ropeDims) / double(m.headDim) : 1;
  }

  Expected<double> eps = meta.real("attention.layer_norm_rms_epsilon", std::nullopt, m.epsIsFloat32);
  if (!eps)
    return eps.takeError();
  m.eps = *eps;
  Expected<double> theta = meta.real("rope.freq_base", 10000.0, m.thetaIsFloat32);
  if (!theta)
    return theta.takeError();
  m.theta = *theta;
  m.localTheta = m.theta;

  // The vocabulary: the explicit size, else the tokenizer's list, else the embedding table's rows.
  Expected<int64_t> vocab = meta.integer("vocab_size", -1);
  if (!vocab)
    return vocab.takeError();
  m.vocab = *vocab;
  if (m.vocab < 0) {
    const GgufValue *tokens = file.find("tokenizer.ggml.tokens");
    const loom::rt::GgufTensor *embedding = file.findTensor("token_embd.weight");
    if (tokens && tokens->isArray())
      m.vocab = static_cast<int64_t>(tokens->count);
    else if (embedding && embedding->nDims == 2)
      m.vocab = embedding->dims[1];
    else
      return createStringError("'%s': no %s.vocab_size, tokenizer.ggml.tokens or token_embd.weight gives the "
                               "vocabulary size",
                               path.c_str(), m.family.c_str());
  }

  m.tied = !file.findTensor("output.weight");
  // A QK-norm as wide as the whole q projection normalizes all heads at once (OLMo 2's).
  if (const loom::rt::GgufTensor *qNorm = file.findTensor("blk.0.attn_q_norm.weight"))
    m.qkNorm = qNorm->nDims == 1 && m.heads > 1 && qNorm->dims[0] == m.heads * m.headDim
                   ? QkNorm::AllHeads
                   : QkNorm::PerHead;
  m.qkvBias = file.findTensor("blk.0.attn_q.bias") != nullptr;
  m.outBias = file.findTensor("blk.0.attn_output.bias") != nullptr;
  m.ffnBias = file.findTensor("blk.0.ffn_up.bias") != nullptr;
  m.interleaved = m.shape->ggufInterleaved;
  if (m.shape->nope == NoPE::EveryNth) {
    // llama.cpp's smollm3 hard-codes the step (n_no_rope_layer_step = 4); the file does not say it.
    for (int64_t i = 0; i < m.nLayers; ++i)
      m.nopeLayers.push_back((i + 1) % 4 == 0);
  }
  if (m.shape->gemma) {
    // llama.cpp's converter stores Gemma's RMSNorm scales with the 1 already added (plain RMSNorm here) and
    // keeps the Q/K rows (NeoX RoPE). Its gemma3 model assumes what older files do not say: every sixth
    // layer global, the local layers' RoPE base 10000.
    if (Error err = set(m.slidingWindow, meta.integer("attention.sliding_window")))
      return std::move(err);
    int64_t globalEvery = 0;
    if (Error err = set(globalEvery, meta.integer("attention.sliding_window_pattern", 6)))
      return std::move(err);
    // 0: no global layer at all; 1: every layer global.
    for (int64_t i = 0; i < m.nLayers; ++i)
      m.slidingLayers.push_back(globalEvery == 0 || (i + 1) % globalEvery != 0);
    bool localThetaIsFloat32 = false;
    Expected<double> localTheta = meta.real("rope.freq_base_swa", 10000.0, localThetaIsFloat32);
    if (!localTheta)
      return localTheta.takeError();
    m.localTheta = *localTheta;
    if (m.slidingWindow <= 0)
      return createStringError("'%s': gemma3.attention.sliding_window is 0", path.c_str());
  }

  if (m.shape->experts == loom::rt::Experts::Qwen) {
    // llama.cpp's qwen3moe renormalises the chosen experts' weights whatever the model was trained with, and
    // makes every layer sparse.
    if (Error err = set(m.experts, meta.integer("expert_count")))
      return std::move(err);
    if (Error err = set(m.expertsPerToken, meta.integer("expert_used_count")))
      return std::move(err);
    if (Error err = set(m.expertHidden, meta.integer("expert_feed_forward_length",
                                                     m.expertsPerToken > 0 ? m.hidden / m.expertsPerToken : 0)))
      return std::move(err);
    m.normalizeExpertWeights = true;
    m.sparseLayers.assign(size_t(m.nLayers), true);
  }

  // Scaling stretches the global RoPE; llama.cpp runs Gemma 3's local layers unscaled, the other families'
  // sliding-window layers (if any) like the rest.
  Expected<std::optional<loom::RopeScalingSpec>> scaling = loom::ropeScalingFromGguf(file, m.family, m.theta, ropeDims);
  if (!scaling)
    return scaling.takeError();
  m.ropeScaling = *scaling;
  if (m.shape->latentAttention)
    if (Error err = readDeepSeekGguf(file, meta, ropeDims, m))
      return std::move(err);
  if (m.shape->experts == loom::rt::Experts::DeepSeek)
    if (Error err = readDeepSeekGgufExperts(file, meta, /*glm=*/m.family == "glm4moe", m))
      return std::move(err);
  if (m.shape->experts == loom::rt::Experts::Llama4)
    if (Error err = readLlama4Gguf(file, meta, m))
      return std::move(err);
  if (m.shape->experts == loom::rt::Experts::GptOss)
    if (Error err = readGptOssGguf(file, meta, m))
      return std::move(err);
  if (!m.shape->ropePerLayerType)
    m.localRopeScaling = m.ropeScaling;

  const GgufValue *generalName = file.find("general.name");
  if (generalName && generalName->type == loom::rt::GgufValueType::String && !generalName->string.empty())
    m.name = identifier(StringRef(generalName->string.data(), generalName->string.size()));
  else
    m.name = identifier(m.family);
  return m;
}

//===----------------------------------------------------------------------===//
// Hugging Face config.json
//===----------------------------------------------------------------------===//

/// Which layers use the sliding window, from "layer_types" or else the family's pattern key. Sets
/// m.slidingLayers; leaves it empty when the model has no window (sliding_window null).
Error readSlidingLayers(const json::Object &config, const std::string &path, const DecoderShape &shape,
                        ImportedModel &m) {
  // SmolLM3 keeps layer_types even when use_sliding_window turns the windows off.
  if (m.slidingWindow <= 0 || (shape.nope == NoPE::EveryNth && !config.getBoolean("use_sliding_window").value_or(false)))
    return Error::success();
  auto bad = [&](const Twine &what) {
    return createStringError(Twine("'") + path + "': " + what);
  };
  if (const json::Array *layerTypes = config.getArray("layer_types")) {
    if (layerTypes->size() != size_t(m.nLayers))
      return bad("\"layer_types\" must list " + Twine(m.nLayers) + " layers");
    for (size_t i = 0; i < layerTypes->size(); ++i) {
      std::optional<StringRef> name = (*layerTypes)[i].getAsString();
      if (!name || (*name != "sliding_attention" && *name != "full_attention"))
        return bad("\"layer_types\" gives layer " + Twine(i) + " " + loom::importkeys::shortJson((*layerTypes)[i]) +
                   " attention, which loom import does not model (only \"sliding_attention\" and "
                   "\"full_attention\")");
      m.slidingLayers.push_back(*name == "sliding_attention");
    }
    return Error::success();
  }
  // Without layer_types, the pattern transformers would derive them from: every N-th layer global (an
  // integer), or one letter per layer, L(ocal) or G(lobal), repeated (EXAONE's "LLLG").
  int64_t globalEvery = shape.globalEvery;
  std::string letters;
  // transformers 5 saves Gemma 3's as "_sliding_window_pattern".
  // AFMoE's is global_attn_every_n_layers.
  StringRef patternKey = config.get("sliding_window_pattern")       ? "sliding_window_pattern"
                         : config.get("global_attn_every_n_layers") ? "global_attn_every_n_layers"
                                                                    : "_sliding_window_pattern";
  if (const json::Value *pattern = config.get(patternKey); pattern && pattern->kind() != json::Value::Null) {
    if (std::optional<int64_t> every = pattern->getAsInteger())
      globalEvery = *every;
    else if (std::optional<StringRef> text = pattern->getAsString(); text && !text->empty() &&
                                                                      text->find_first_not_of("LG") == StringRef::npos)
      letters = text->str();
    else
      return bad("\"" + patternKey + "\" must be a positive integer or a string of L and G");
  }
  if (globalEvery <= 0)
    return bad("\"" + patternKey + "\" is " + Twine(globalEvery) + ", expected a positive integer");
  for (int64_t i = 0; i < m.nLayers; ++i)
    m.slidingLayers.push_back(letters.empty() ? (i + 1) % globalEvery != 0 : letters[size_t(i) % letters.size()] == 'L');
  return Error::success();
}

/// Which layers attend without RoPE. Sets m.nopeLayers (empty: none).
Error readNopeLayers(const json::Object &config, const std::string &path, const DecoderShape &shape, ImportedModel &m) {
  if (shape.nope == NoPE::GlobalLayers) {
    // EXAONE 4 rotates q and k only when the model has no window at all or the layer is a sliding one.
    if (m.slidingWindow > 0) {
      m.nopeLayers.assign(size_t(m.nLayers), true);
      for (size_t i = 0; i < m.slidingLayers.size(); ++i)
        m.nopeLayers[i] = !m.slidingLayers[i];
    }
    return Error::success();
  }
  if (shape.nope != NoPE::EveryNth)
    return Error::success();
  // Llama 4's config takes an empty list for none given; both models index the list by layer, so entries past the
  // last layer are never read.
  const json::Array *ropeLayers = config.getArray("no_rope_layers");
  if (ropeLayers && !ropeLayers->empty()) {
    // Despite the name, 1 marks a layer WITH RoPE (transformers' SmolLM3Attention.use_rope).
    if (ropeLayers->size() < size_t(m.nLayers))
      return createStringError("'%s': \"no_rope_layers\" must list %lld layers", path.c_str(),
                               static_cast<long long>(m.nLayers));
    for (size_t i = 0; i < size_t(m.nLayers); ++i) {
      std::optional<int64_t> useRope = (*ropeLayers)[i].getAsInteger();
      if (!useRope || (*useRope != 0 && *useRope != 1))
        return createStringError("'%s': \"no_rope_layers\" must hold 0 (no RoPE) or 1 (RoPE) per layer",
                                 path.c_str());
      m.nopeLayers.push_back(*useRope == 0);
    }
    return Error::success();
  }
  int64_t interval = 4;
  if (const json::Value *value = config.get("no_rope_layer_interval"); value && value->kind() != json::Value::Null) {
    std::optional<int64_t> n = value->getAsInteger();
    if (!n || *n <= 0)
      return createStringError("'%s': \"no_rope_layer_interval\" must be a positive integer", path.c_str());
    interval = *n;
  }
  for (int64_t i = 0; i < m.nLayers; ++i)
    m.nopeLayers.push_back((i + 1) % interval == 0);
  return Error::success();
}

/// A non-negative integer key; `fallback` when absent or null (an error without one).
Error configCount(const json::Object &config, const std::string &path, StringRef key, std::optional<int64_t> fallback,
                  int64_t &out) {
  const json::Value *value = config.get(key);
  std::optional<int64_t> number = value ? value->getAsInteger() : std::nullopt;
  if (!value || value->kind() == json::Value::Null) {
    if (!fallback)
      return createStringError("'%s': \"%s\" is missing", path.c_str(), key.str().c_str());
    out = *fallback;
  } else if (!number || *number < 0) {
    return createStringError("'%s': \"%s\" is not a non-negative integer", path.c_str(), key.str().c_str());
  } else {
    out = *number;
  }
  return Error::success();
}

/// Qwen3-Next: which layers mix tokens with Gated DeltaNet rather than attention, and that mixer's sizes.
/// transformers takes the kinds from layer_types, else makes every full_attention_interval-th layer (4) full
/// attention and the others linear.
Error readLinearAttentionLayers(const json::Object &config, const std::string &path, ImportedModel &m) {
  m.linearLayers.assign(size_t(m.nLayers), false);
  if (const json::Array *types = config.getArray("layer_types")) {
    if (types->size() != size_t(m.nLayers))
      return createStringError("'%s': \"layer_types\" must list %lld layers", path.c_str(),
                               static_cast<long long>(m.nLayers));
    for (size_t i = 0; i < types->size(); ++i) {
      std::optional<StringRef> type = (*types)[i].getAsString();
      if (!type || (*type != "full_attention" && *type != "linear_attention"))
        return createStringError("'%s': \"layer_types\" gives layer %zu %s, expected \"full_attention\" or "
                                 "\"linear_attention\"",
                                 path.c_str(), i, loom::importkeys::shortJson((*types)[i]).c_str());
      m.linearLayers[i] = *type == "linear_attention";
    }
  } else {
    int64_t interval = 4;
    if (Error err = configCount(config, path, "full_attention_interval", 4, interval))
      return err;
    if (interval <= 0)
      return createStringError("'%s': \"full_attention_interval\" must be positive", path.c_str());
    for (int64_t i = 0; i < m.nLayers; ++i)
      m.linearLayers[size_t(i)] = (i + 1) % interval != 0;
  }
  if (std::find(m.linearLayers.begin(), m.linearLayers.end(), true) == m.linearLayers.end())
    return Error::success();
  // Qwen3NextConfig's defaults.
  for (auto [key, fallback, out] : {std::tuple{"linear_num_key_heads", 16, &m.linearKeyHeads},
                                    {"linear_num_value_heads", 32, &m.linearValueHeads},
                                    {"linear_key_head_dim", 128, &m.linearKeyDim},
                                    {"linear_value_head_dim", 128, &m.linearValueDim},
                                    {"linear_conv_kernel_dim", 4, &m.linearConv}}) {
    if (Error err = configCount(config, path, key, fallback, *out))
      return err;
    if (*out <= 0)
      return createStringError("'%s': \"%s\" must be positive", path.c_str(), key);
  }
  if (m.linearValueHeads % m.linearKeyHeads != 0)
    return createStringError("'%s': \"linear_num_value_heads\" (%lld) is not a multiple of \"linear_num_key_heads\" "
                             "(%lld)",
                             path.c_str(), static_cast<long long>(m.linearValueHeads),
                             static_cast<long long>(m.linearKeyHeads));
  if (m.linearConv < 2)
    return createStringError("'%s': \"linear_conv_kernel_dim\" must be at least 2", path.c_str());
  return Error::success();
}

/// Qwen3-MoE's experts: sizes, renormalisation, and which layers are sparse (every decoder_sparse_step-th,
/// except those in mlp_only_layers), as transformers' Qwen3MoeDecoderLayer decides.
Error readQwenExperts(const json::Object &config, const std::string &path, ImportedModel &m) {
  auto count = [&](StringRef key, std::optional<int64_t> fallback, int64_t &out) {
    return configCount(config, path, key, fallback, out);
  };
  int64_t step = 1;
  // transformers 5 writes num_local_experts (its attribute map's name for num_experts).
  StringRef expertsKey = config.get("num_experts") ? "num_experts" : "num_local_experts";
  if (Error err = count(expertsKey, std::nullopt, m.experts))
    return err;
  if (Error err = count("num_experts_per_tok", std::nullopt, m.expertsPerToken))
    return err;
  if (Error err = count("moe_intermediate_size", std::nullopt, m.expertHidden))
    return err;
  if (Error err = count("decoder_sparse_step", 1, step))
    return err;
  m.normalizeExpertWeights = config.getBoolean("norm_topk_prob").value_or(false);
  if (m.experts == 0) // transformers' model is then dense
    return Error::success();
  if (m.expertsPerToken <= 0 || m.expertsPerToken > m.experts)
    return createStringError("'%s': \"num_experts_per_tok\" (%lld) must be between 1 and num_experts (%lld)",
                             path.c_str(), static_cast<long long>(m.expertsPerToken), static_cast<long long>(m.experts));
  if (m.expertHidden <= 0)
    return createStringError("'%s': \"moe_intermediate_size\" must be positive", path.c_str());
  std::vector<bool> mlpOnly(size_t(m.nLayers), false);
  if (const json::Value *list = config.get("mlp_only_layers"); list && list->kind() != json::Value::Null) {
    const json::Array *array = list->getAsArray();
    if (!array)
      return createStringError("'%s': \"mlp_only_layers\" is not a list of layer indices", path.c_str());
    for (const json::Value &entry : *array) {
      std::optional<int64_t> layer = entry.getAsInteger();
      if (!layer || *layer < 0 || *layer >= m.nLayers)
        return createStringError("'%s': \"mlp_only_layers\" holds %s, not a layer index below %lld", path.c_str(),
                                 shortJsonText(entry).c_str(), static_cast<long long>(m.nLayers));
      mlpOnly[size_t(*layer)] = true;
    }
  }
  for (int64_t i = 0; i < m.nLayers; ++i)
    m.sparseLayers.push_back(!mlpOnly[size_t(i)] && step > 0 && (i + 1) % step == 0);
  return Error::success();
}

/// DeepSeek V3's latent attention, as transformers' DeepseekV3 model reads its config.
Error readDeepSeek(const json::Object &config, const std::string &path, ImportedModel &m) {
  m.latent = true;
  int64_t qkHead = 0;
  for (auto [key, field] : {std::pair<StringRef, int64_t *>{"q_lora_rank", &m.qLoraRank},
                            {"kv_lora_rank", &m.kvLoraRank}, {"qk_nope_head_dim", &m.nopeDim},
                            {"qk_rope_head_dim", &m.ropeDim}, {"v_head_dim", &m.valueDim}})
    if (Error err = configCount(config, path, key, key == "q_lora_rank" ? std::optional<int64_t>(0) : std::nullopt,
                                *field))
      return err;
  if (Error err = configCount(config, path, "qk_head_dim", m.nopeDim + m.ropeDim, qkHead))
    return err;
  if (qkHead != m.nopeDim + m.ropeDim)
    return createStringError("'%s': \"qk_head_dim\" (%lld) is not qk_nope_head_dim + qk_rope_head_dim (%lld)",
                             path.c_str(), static_cast<long long>(qkHead),
                             static_cast<long long>(m.nopeDim + m.ropeDim));
  // The RoPE part rotates adjacent pairs unless the config says the weights were de-interleaved.
  m.interleaved = config.getBoolean("rope_interleave").value_or(true);
  m.headDim = m.nopeDim + m.ropeDim;
  m.kvHeads = m.heads;
  // transformers multiplies the softmax scale by YaRN's mscale(factor, mscale_all_dim) squared.
  double scale = 1.0 / std::sqrt(double(qkHead));
  const json::Object *rope = config.getObject("rope_parameters");
  if (!rope)
    rope = config.getObject("rope_scaling");
  if (rope && m.ropeScaling && m.ropeScaling->kind == loom::RopeScalingKind::Yarn)
    if (std::optional<double> all = rope->getNumber("mscale_all_dim"); all && *all != 0) {
      double factor = m.ropeScaling->factor, mscale = factor <= 1 ? 1.0 : 0.1 * *all * std::log(factor) + 1.0;
      scale *= mscale * mscale;
    }
  m.attentionScale = scale;
  // Mistral 4's config keeps the RoPE share of a latent head in its RoPE object, for transformers' tables: the
  // spec's rope_dim says it already.
  if (const json::Object *parameters = config.getObject("rope_parameters")) {
    if (std::optional<double> fraction = parameters->getNumber("partial_rotary_factor");
        fraction && std::fabs(*fraction * double(qkHead) - double(m.ropeDim)) > 1e-9)
      return createStringError("'%s': \"rope_parameters\" gives a partial_rotary_factor of %g, but qk_rope_head_dim is "
                               "%lld of %lld",
                               path.c_str(), *fraction, static_cast<long long>(m.ropeDim),
                               static_cast<long long>(qkHead));
    m.ropeFraction = 1;
    // Llama 4's query temperature (Mistral 4): queries at position p are scaled by
    // 1 + beta ln(1 + floor(p / original_max_position_embeddings)), which is 1 below that position. Loom does not
    // model it, so the spec's context stops there instead of dropping it.
    if (std::optional<double> beta = parameters->getNumber("llama_4_scaling_beta"); beta && *beta != 0) {
      std::optional<int64_t> original = parameters->getInteger("original_max_position_embeddings");
      if (!original || *original <= 0)
        return createStringError("'%s': \"rope_parameters\" has llama_4_scaling_beta but no positive "
                                 "original_max_position_embeddings",
                                 path.c_str());
      if (m.maxContext > *original) {
        m.notes.push_back("Llama 4's query temperature (llama_4_scaling_beta " + formatReal(*beta, false) +
                          ") scales the queries from position " + std::to_string(*original) +
                          " on, which Loom does not model: max_context is " + std::to_string(*original) +
                          " instead of " + std::to_string(m.maxContext));
        m.maxContext = *original;
      }
    }
  }

  return Error::success();
}

/// DeepSeek V3's experts (Experts::DeepSeek), as transformers' DeepseekV3 (and Glm4Moe, Mistral4) models read
/// their config.
Error readDeepSeekExperts(const json::Object &config, const std::string &path, ImportedModel &m) {
  int64_t denseLayers = 0, shared = 0;
  const bool softmaxScores = m.shape->softmaxExpertScores;
  if (std::optional<StringRef> scoring = config.getString("scoring_func");
      scoring && *scoring != (softmaxScores ? "softmax" : "sigmoid"))
    return createStringError("'%s': scoring_func '%s' is not supported (%s)", path.c_str(), scoring->str().c_str(),
                             softmaxScores ? "this family routes by softmax" : "DeepSeek V3 routes by sigmoid");
  if (std::optional<StringRef> method = config.getString("topk_method");
      method && *method != (softmaxScores ? "greedy" : "noaux_tc"))
    return createStringError("'%s': topk_method '%s' is not supported (DeepSeek V3's noaux_tc is)", path.c_str(),
                             method->str().c_str());
  if (Error err = configCount(config, path, "n_routed_experts", std::nullopt, m.experts))
    return err;
  if (Error err = configCount(config, path, "num_experts_per_tok", std::nullopt, m.expertsPerToken))
    return err;
  if (Error err = configCount(config, path, "moe_intermediate_size", std::nullopt, m.expertHidden))
    return err;
  if (Error err = configCount(config, path, "n_group", 1, m.expertGroups))
    return err;
  if (Error err = configCount(config, path, "topk_group", 1, m.expertGroupsKept))
    return err;
  if (Error err = configCount(config, path, "n_shared_experts", 0, shared))
    return err;
  if (Error err = configCount(config, path, "first_k_dense_replace", 0, denseLayers))
    return err;
  if (std::optional<double> factor = config.getNumber("routed_scaling_factor"))
    m.routedScale = *factor;
  m.routing = softmaxScores ? "softmax_topk" : "sigmoid_topk";
  m.selectionBias = !softmaxScores;
  // Loom limits the choice to groups of experts for sigmoid scores only.
  if (softmaxScores && m.expertGroups > 1)
    return createStringError("'%s': \"n_group\" is %lld: group-limited routing over softmax scores, which Loom does "
                             "not model (only with DeepSeek V3's sigmoid scores)",
                             path.c_str(), static_cast<long long>(m.expertGroups));
  m.normalizeExpertWeights = config.getBoolean("norm_topk_prob").value_or(true);
  m.sharedExpertHidden = shared * m.expertHidden;
  if (m.experts == 0 || m.expertsPerToken == 0 || m.expertsPerToken > m.experts || m.expertHidden == 0)
    return createStringError("'%s': %lld routed experts of width %lld with %lld per token is not a mixture of "
                             "experts Loom can run",
                             path.c_str(), static_cast<long long>(m.experts), static_cast<long long>(m.expertHidden),
                             static_cast<long long>(m.expertsPerToken));
  for (int64_t i = 0; i < m.nLayers; ++i)
    m.sparseLayers.push_back(i >= denseLayers);
  return Error::success();
}

/// gpt-oss's experts and attention biases, as transformers' GptOss model reads its config: in every layer
/// num_local_experts experts of width intermediate_size, the num_experts_per_tok largest logits of a router
/// with bias chosen and weighted by a softmax over them, each expert a SwiGLU with biases whose gate is clamped
/// above and up on both sides at swiglu_limit, its sigmoid scaled by swiglu_alpha; q, k, v and o biases
/// unless attention_bias is false.
Error readGptOss(const json::Object &config, const std::string &path, ImportedModel &m) {
  if (Error err = configCount(config, path, "num_local_experts", std::nullopt, m.experts))
    return err;
  if (Error err = configCount(config, path, "num_experts_per_tok", std::nullopt, m.expertsPerToken))
    return err;
  // The released configs also carry OpenAI's own name for it, which transformers does not read.
  int64_t openAiCount = 0;
  if (Error err = configCount(config, path, "experts_per_token", m.expertsPerToken, openAiCount))
    return err;
  if (openAiCount != m.expertsPerToken)
    return createStringError("'%s': \"experts_per_token\" (%lld) differs from \"num_experts_per_tok\" (%lld), "
                             "which transformers uses",
                             path.c_str(), static_cast<long long>(openAiCount),
                             static_cast<long long>(m.expertsPerToken));
  if (m.experts == 0 || m.expertsPerToken == 0 || m.expertsPerToken > m.experts)
    return createStringError("'%s': %lld experts with %lld per token is not a mixture of experts Loom can run",
                             path.c_str(), static_cast<long long>(m.experts),
                             static_cast<long long>(m.expertsPerToken));
  for (auto [key, field] :
       {std::pair<StringRef, double *>{"swiglu_alpha", &m.swigluAlpha}, {"swiglu_limit", &m.swigluLimit}})
    if (const json::Value *value = config.get(key); value && value->kind() != json::Value::Null) {
      std::optional<double> number = value->getAsNumber();
      if (!number || !(*number > 0))
        return createStringError("'%s': \"%s\" is %s, expected a positive number", path.c_str(), key.str().c_str(),
                                 shortJsonText(*value).c_str());
      *field = *number;
    }
  m.expertHidden = m.hidden;
  m.routing = "topk_softmax";
  m.normalizeExpertWeights = false; // the softmax over the chosen logits sums to 1 already
  m.routerBias = m.expertBias = true;
  m.expertActivation = "swiglu_oai";
  m.sparseLayers.assign(size_t(m.nLayers), true);
  m.qkvBias = m.outBias = config.getBoolean("attention_bias").value_or(true);
  return Error::success();
}

/// MiniMax-M2's experts, attention kinds and partial RoPE, as transformers' MiniMaxM2 model reads its config: in
/// every layer num_local_experts experts of width intermediate_size, the num_experts_per_tok best sigmoid scores
/// plus the selection bias chosen and their plain scores renormalised; RoPE on rotary_dim values of each head.
/// The released config also states switches that transformers' model has no other setting of (the routing, the
/// QK-norm over all heads, softmax attention in every layer): other values are errors naming the key.
Error readMiniMax(const json::Object &config, const std::string &path, ImportedModel &m) {
  if (Error err = configCount(config, path, "num_local_experts", std::nullopt, m.experts))
    return err;
  if (Error err = configCount(config, path, "num_experts_per_tok", std::nullopt, m.expertsPerToken))
    return err;
  if (m.experts == 0 || m.expertsPerToken == 0 || m.expertsPerToken > m.experts)
    return createStringError("'%s': %lld experts with %lld per token is not a mixture of experts Loom can run",
                             path.c_str(), static_cast<long long>(m.experts),
                             static_cast<long long>(m.expertsPerToken));
  auto expect = [&](StringRef key, const json::Value &wanted, StringRef meaning) -> Error {
    const json::Value *value = config.get(key);
    if (!value || value->kind() == json::Value::Null || *value == wanted)
      return Error::success();
    return createStringError("'%s': \"%s\" is %s, but transformers' minimax_m2 always has %s (%s)", path.c_str(),
                             key.str().c_str(), shortJsonText(*value).c_str(), meaning.str().c_str(),
                             shortJsonText(wanted).c_str());
  };
  if (Error err = expect("scoring_func", "sigmoid", "sigmoid expert scores"))
    return err;
  if (Error err = expect("use_routing_bias", true, "a selection bias on the expert scores"))
    return err;
  if (Error err = expect("use_qk_norm", true, "a QK-norm"))
    return err;
  if (Error err = expect("qk_norm_type", "per_layer", "its QK-norm over all heads"))
    return err;
  if (const json::Value *types = config.get("attn_type_list"); types && types->kind() != json::Value::Null) {
    const json::Array *list = types->getAsArray();
    if (!list || list->size() != size_t(m.nLayers))
      return createStringError("'%s': \"attn_type_list\" must list %lld layers", path.c_str(),
                               static_cast<long long>(m.nLayers));
    for (size_t i = 0; i < list->size(); ++i)
      if ((*list)[i].getAsInteger() != std::optional<int64_t>(1))
        return createStringError("'%s': \"attn_type_list\" gives layer %zu type %s, not 1 (softmax attention): "
                                 "MiniMax-01's lightning attention, which Loom does not run",
                                 path.c_str(), i, shortJsonText((*list)[i]).c_str());
  }
  // The released config gives the rotated width; transformers turns it into partial_rotary_factor, which a
  // config it wrote may carry as well.
  if (const json::Value *value = config.get("rotary_dim"); value && value->kind() != json::Value::Null) {
    std::optional<int64_t> rotary = value->getAsInteger();
    if (!rotary || *rotary <= 0 || *rotary > m.headDim)
      return createStringError("'%s': \"rotary_dim\" is %s, expected 1 to head_dim (%lld)", path.c_str(),
                               shortJsonText(*value).c_str(), static_cast<long long>(m.headDim));
    double fraction = double(*rotary) / double(m.headDim);
    const json::Object *rope = config.getObject("rope_parameters");
    bool stated = config.get("partial_rotary_factor") || (rope && rope->get("partial_rotary_factor"));
    if (stated && std::fabs(m.ropeFraction - fraction) > 1e-12)
      return createStringError("'%s': \"rotary_dim\" (%lld of head_dim %lld) differs from partial_rotary_factor (%g)",
                               path.c_str(), static_cast<long long>(*rotary), static_cast<long long>(m.headDim),
                               m.ropeFraction);
    m.ropeFraction = fraction;
  }
  m.expertHidden = m.hidden;
  m.routing = "sigmoid_topk";
  m.selectionBias = true;
  m.normalizeExpertWeights = true;
  m.sparseLayers.assign(size_t(m.nLayers), true);
  return Error::success();
}

/// Llama 4's text model, as transformers' Llama4TextModel reads its config (readNopeLayers has the NoPE layers). The
/// RoPE layers attend within chunks of attention_chunk_size tokens and, with use_qk_norm, norm q and k after RoPE
/// without a weight (its L2Norm, of eps rms_norm_eps); layer_types, when given, must chunk exactly those layers.
/// The NoPE layers, with attn_temperature_tuning, scale the query at position p by
/// 1 + attn_scale * ln(1 + floor((p + 1) / floor_scale)). The moe_layers (else every interleave_moe_layer_step-th
/// layer, from step - 1 on) have num_local_experts experts of width intermediate_size, the num_experts_per_tok
/// largest router logits chosen and each one's sigmoid scaling the expert's input, and a shared expert as wide; the
/// others a dense SwiGLU of intermediate_size_mlp.
Error readLlama4(const json::Object &config, const std::string &path, ImportedModel &m) {
  auto bad = [&](StringRef key, const Twine &what) {
    return createStringError(Twine("'") + path + "': \"" + key + "\" " + what);
  };
  // Python's truth, which transformers tests these by (Scout's config gives attn_temperature_tuning as 4).
  auto truth = [&](StringRef key, bool fallback, bool &out) -> Error {
    const json::Value *value = config.get(key);
    out = fallback;
    if (!value || value->kind() == json::Value::Null)
      return Error::success();
    if (std::optional<bool> b = value->getAsBoolean())
      out = *b;
    else if (std::optional<double> number = value->getAsNumber())
      out = *number != 0;
    else
      return bad(key, "is " + shortJsonText(*value) + ", expected a boolean");
    return Error::success();
  };

  // transformers builds the chunked mask for every model, and fails without a size.
  if (const json::Value *chunk = config.get("attention_chunk_size"); chunk && chunk->kind() == json::Value::Null)
    return bad("attention_chunk_size", "is null, but transformers' Llama 4 attends in chunks on its RoPE layers");
  if (Error err = configCount(config, path, "attention_chunk_size", 8192, m.chunkSize))
    return err;
  if (m.chunkSize == 0)
    return bad("attention_chunk_size", "is 0, expected a positive chunk length");
  if (const json::Value *types = config.get("layer_types"); types && types->kind() != json::Value::Null) {
    const json::Array *list = types->getAsArray();
    if (!list || list->size() < size_t(m.nLayers))
      return bad("layer_types", "must list " + Twine(m.nLayers) + " layers");
    for (int64_t i = 0; i < m.nLayers; ++i) {
      std::optional<StringRef> type = (*list)[size_t(i)].getAsString();
      bool rope = !flag(m.nopeLayers, i);
      if (!type || (*type != "chunked_attention" && *type != "full_attention"))
        return bad("layer_types", "gives layer " + Twine(i) + " " + shortJsonText((*list)[size_t(i)]) +
                                      ", expected \"chunked_attention\" or \"full_attention\"");
      if ((*type == "chunked_attention") != rope)
        return bad("layer_types", "gives layer " + Twine(i) + " " + *type + ", but it is a " + (rope ? "" : "No") +
                                      "RoPE layer (no_rope_layers); loom import models Llama 4's chunks on exactly "
                                      "the RoPE layers");
    }
  }
  if (Error err = truth("use_qk_norm", true, m.ropeQkNorm))
    return err;

  bool tuning = true;
  if (Error err = truth("attn_temperature_tuning", true, tuning))
    return err;
  double floorScale = 8192;
  m.temperatureScale = 0.1;
  for (auto [key, field] : {std::pair<StringRef, double *>{"floor_scale", &floorScale}, {"attn_scale", &m.temperatureScale}})
    if (const json::Value *value = config.get(key); value && value->kind() != json::Value::Null) {
      std::optional<double> number = value->getAsNumber();
      if (!number || !(*number >= 0))
        return bad(key, "is " + shortJsonText(*value) + ", expected a non-negative number");
      *field = *number;
    }
  if (!tuning || m.temperatureScale == 0) {
    m.temperatureScale = 0;
  } else if (floorScale < 1 || floorScale != std::floor(floorScale) || floorScale > double(int64_t(1) << 31)) {
    return bad("floor_scale", "is " + Twine(formatReal(floorScale, false)) +
                                  ", expected a whole number of tokens (Loom's temperature_floor)");
  } else {
    m.temperatureFloor = int64_t(floorScale);
  }

  if (Error err = configCount(config, path, "num_local_experts", 16, m.experts))
    return err;
  if (Error err = configCount(config, path, "num_experts_per_tok", 1, m.expertsPerToken))
    return err;
  if (m.experts == 0 || m.expertsPerToken == 0 || m.expertsPerToken > m.experts)
    return createStringError("'%s': %lld experts with %lld per token is not a mixture of experts Loom can run",
                             path.c_str(), static_cast<long long>(m.experts),
                             static_cast<long long>(m.expertsPerToken));
  int64_t denseHidden = 0, step = 1;
  if (Error err = configCount(config, path, "intermediate_size_mlp", 16384, denseHidden))
    return err;
  std::vector<bool> sparse(size_t(m.nLayers), false);
  if (const json::Value *list = config.get("moe_layers"); list && list->kind() != json::Value::Null) {
    const json::Array *layers = list->getAsArray();
    if (!layers)
      return bad("moe_layers", "is not a list of layer indices");
    for (const json::Value &entry : *layers) {
      std::optional<int64_t> layer = entry.getAsInteger();
      if (!layer || *layer < 0 || *layer >= m.nLayers)
        return bad("moe_layers", "holds " + shortJsonText(entry) + ", not a layer index below " + Twine(m.nLayers));
      sparse[size_t(*layer)] = true;
    }
  } else {
    if (Error err = configCount(config, path, "interleave_moe_layer_step", 1, step))
      return err;
    if (step == 0)
      return bad("interleave_moe_layer_step", "is 0, expected a positive step");
    for (int64_t i = step - 1; i < m.nLayers; i += step)
      sparse[size_t(i)] = true;
  }
  m.expertHidden = m.sharedExpertHidden = m.hidden;
  m.hidden = denseHidden;
  if (std::find(sparse.begin(), sparse.end(), true) == sparse.end()) { // every layer dense: no experts to write
    m.experts = 0;
    return Error::success();
  }
  m.sparseLayers = std::move(sparse);
  m.routing = "topk_sigmoid";
  m.normalizeExpertWeights = false;
  m.expertWeightInput = true;
  return Error::success();
}

/// A config key that must be absent, null or `expected` (a switch of the original code that transformers'
/// model has no other setting of): any other value is an error naming the key.
Error requireSetting(const json::Object &config, const std::string &path, StringRef key, const json::Value &expected,
                     StringRef why) {
  const json::Value *value = config.get(key);
  if (!value || value->kind() == json::Value::Null || *value == expected)
    return Error::success();
  return createStringError("'%s': \"%s\" is %s, but %s", path.c_str(), key.str().c_str(), shortJsonText(*value).c_str(),
                           why.str().c_str());
}

/// A positive number key; `fallback` when absent or null.
Error configPositive(const json::Object &config, const std::string &path, StringRef key, double fallback,
                     double &out) {
  const json::Value *value = config.get(key);
  if (!value || value->kind() == json::Value::Null) {
    out = fallback;
    return Error::success();
  }
  std::optional<double> number = value->getAsNumber();
  if (!number || !(*number > 0) || !std::isfinite(*number))
    return createStringError("'%s': \"%s\" is %s, expected a positive number", path.c_str(), key.str().c_str(),
                             shortJsonText(*value).c_str());
  out = *number;
  return Error::success();
}

/// AFMoE (Arcee Trinity), as transformers' afmoe model reads its config: after num_dense_layers dense layers,
/// num_experts experts of width moe_intermediate_size, the num_experts_per_tok best sigmoid scores plus the
/// expert_bias chosen and their plain scores renormalised and multiplied by route_scale; num_shared_experts
/// shared experts as one SwiGLU of their summed width; the gated attention output; muP's embedding scale.
Error readAfmoe(const json::Object &config, const std::string &path, ImportedModel &m) {
  int64_t denseLayers = 0, shared = 0;
  if (Error err = configCount(config, path, "num_experts", 64, m.experts))
    return err;
  if (Error err = configCount(config, path, "num_experts_per_tok", 6, m.expertsPerToken))
    return err;
  if (Error err = configCount(config, path, "moe_intermediate_size", 1408, m.expertHidden))
    return err;
  if (Error err = configCount(config, path, "num_dense_layers", 1, denseLayers))
    return err;
  if (Error err = configCount(config, path, "num_shared_experts", 2, shared))
    return err;
  if (Error err = configPositive(config, path, "route_scale", 1.0, m.routedScale))
    return err;
  if (m.experts == 0 || m.expertsPerToken == 0 || m.expertsPerToken > m.experts || m.expertHidden == 0)
    return createStringError("'%s': %lld experts of width %lld with %lld per token is not a mixture of experts Loom "
                             "can run",
                             path.c_str(), static_cast<long long>(m.experts), static_cast<long long>(m.expertHidden),
                             static_cast<long long>(m.expertsPerToken));
  // The released configs also state the original code's routing, which transformers' model always does this way.
  const char *always = "transformers' afmoe always routes by sigmoid scores, renormalised, without expert groups";
  if (Error err = requireSetting(config, path, "score_func", "sigmoid", always))
    return err;
  if (Error err = requireSetting(config, path, "route_norm", true, always))
    return err;
  for (StringRef key : {"n_group", "topk_group", "num_expert_groups", "num_limited_groups"})
    if (Error err = requireSetting(config, path, key, 1, always))
      return err;
  // Its full-attention layers go without RoPE only next to windowed ones; transformers' model has no other kind.
  if (m.slidingWindow <= 0)
    return createStringError("'%s': \"sliding_window\" must be a positive window for afmoe", path.c_str());
  m.routing = "sigmoid_topk";
  m.selectionBias = true;
  m.normalizeExpertWeights = true;
  m.sharedExpertHidden = shared * m.expertHidden;
  m.outputGate = true;
  m.embeddingScaled = config.getBoolean("mup_enabled").value_or(false);
  for (int64_t i = 0; i < m.nLayers; ++i)
    m.sparseLayers.push_back(i >= denseLayers);
  return Error::success();
}

/// A per-layer list of `config[key]`: each entry `first` or `second` (strings or integers), true for `second`.
/// False in `found` when the key is absent or null.
Error readLayerKinds(const json::Object &config, const std::string &path, StringRef key, const json::Value &first,
                     const json::Value &second, int64_t nLayers, std::vector<bool> &kinds, bool &found) {
  const json::Value *value = config.get(key);
  found = value && value->kind() != json::Value::Null;
  if (!found)
    return Error::success();
  const json::Array *list = value->getAsArray();
  if (!list || list->size() != size_t(nLayers))
    return createStringError("'%s': \"%s\" must list %lld layers", path.c_str(), key.str().c_str(),
                             static_cast<long long>(nLayers));
  kinds.clear();
  for (size_t i = 0; i < list->size(); ++i) {
    if ((*list)[i] != first && (*list)[i] != second)
      return createStringError("'%s': \"%s\" gives layer %zu %s, expected %s or %s", path.c_str(), key.str().c_str(),
                               i, shortJsonText((*list)[i]).c_str(), shortJsonText(first).c_str(),
                               shortJsonText(second).c_str());
    kinds.push_back((*list)[i] == second);
  }
  return Error::success();
}

/// MiMo-V2-Flash's attention and layer kinds, after readDeepSeekExperts has read its experts, as transformers'
/// mimo_v2_flash model reads its config, or the released config's own keys where transformers' are absent
/// (hybrid_layer_pattern, moe_layer_freq, sliding_window_size, swa_*, swa_rope_theta, the sink switches).
Error readMiMoV2Flash(const json::Object &config, const std::string &path, ImportedModel &m) {
  // The window: transformers' sliding_window counts the query; the released sliding_window_size does not.
  int64_t windowSize = 0;
  if (Error err = configCount(config, path, "sliding_window_size", 0, windowSize))
    return err;
  if (windowSize > 0)
    m.slidingWindow = windowSize + 1;
  else if (m.slidingWindow <= 0)
    m.slidingWindow = 129;

  // Which layers attend through the window: layer_types, else hybrid_layer_pattern (1 marks one), else the
  // first layer and every sixth full attention (transformers' default).
  bool found = false;
  if (config.get("layer_types")) {
    m.slidingLayers.clear();
    if (Error err = readSlidingLayers(config, path, *m.shape, m))
      return err;
  } else if (Error err = readLayerKinds(config, path, "hybrid_layer_pattern", 0, 1, m.nLayers, m.slidingLayers, found)) {
    return err;
  } else if (!found) {
    m.slidingLayers.clear();
    for (int64_t i = 0; i < m.nLayers; ++i)
      m.slidingLayers.push_back(i != 0 && (i + 1) % 6 != 0);
  }
  // Which feed-forwards are sparse: mlp_layer_types, else moe_layer_freq (1 marks one), else all but the first.
  if (Error err = readLayerKinds(config, path, "mlp_layer_types", "dense", "sparse", m.nLayers, m.sparseLayers, found))
    return err;
  if (!found)
    if (Error err = readLayerKinds(config, path, "moe_layer_freq", 0, 1, m.nLayers, m.sparseLayers, found))
      return err;
  if (!found)
    for (int64_t i = 0; i < m.nLayers; ++i)
      m.sparseLayers[size_t(i)] = i != 0;

  // The sliding-window layers' heads: the released config states them, transformers doubles the KV heads.
  int64_t heads = 0, headDim = 0, valueDim = 0;
  if (Error err = configCount(config, path, "v_head_dim", 128, m.valueDim))
    return err;
  if (Error err = configCount(config, path, "swa_num_key_value_heads", 2 * m.kvHeads, m.localKvHeads))
    return err;
  for (auto [key, field, same] : {std::tuple<StringRef, int64_t *, int64_t>{"swa_num_attention_heads", &heads, m.heads},
                                  {"swa_head_dim", &headDim, m.headDim},
                                  {"swa_v_head_dim", &valueDim, m.valueDim}}) {
    if (Error err = configCount(config, path, key, same, *field))
      return err;
    if (*field != same)
      return createStringError("'%s': \"%s\" (%lld) differs from the full-attention layers' (%lld), which "
                               "transformers' mimo_v2_flash does not model",
                               path.c_str(), key.str().c_str(), static_cast<long long>(*field),
                               static_cast<long long>(same));
  }
  if (m.valueDim == 0 || m.localKvHeads == 0 || m.heads % m.localKvHeads != 0)
    return createStringError("'%s': %lld heads with value heads of %lld over %lld sliding-window KV heads are not an "
                             "attention Loom can run",
                             path.c_str(), static_cast<long long>(m.heads), static_cast<long long>(m.valueDim),
                             static_cast<long long>(m.localKvHeads));
  if (Error err = configPositive(config, path, "attention_value_scale", 0.707, m.valueScale))
    return err;
  m.sinks = config.getBoolean("add_full_attention_sink_bias").value_or(false);
  m.localSinks = config.getBoolean("add_swa_attention_sink_bias").value_or(true);

  // RoPE turns int(head_dim * partial_rotary_factor) values of each head; transformers 5 keeps the factor in each
  // layer type's rope_parameters, the released config at the top (read already).
  const json::Object *rope = config.getObject("rope_parameters");
  const json::Object *global = rope ? rope->getObject("full_attention") : nullptr;
  const json::Object *local = rope ? rope->getObject("sliding_attention") : nullptr;
  if (global || local) {
    double fullFactor = (global ? global : local)->getNumber("partial_rotary_factor").value_or(0.334);
    double localFactor = (local ? local : global)->getNumber("partial_rotary_factor").value_or(0.334);
    if (fullFactor != localFactor)
      return createStringError("'%s': \"rope_parameters\" rotates a fraction %g of the full-attention layers' heads "
                               "and %g of the sliding-window layers', which loom import does not model",
                               path.c_str(), fullFactor, localFactor);
    m.ropeFraction = fullFactor;
  } else {
    // Without rope_parameters the released config gives the sliding-window layers' base apart.
    if (Error err = configPositive(config, path, "swa_rope_theta", 10000.0, m.localTheta))
      return err;
  }
  int64_t rotated = static_cast<int64_t>(double(m.headDim) * m.ropeFraction);
  if (!(m.ropeFraction > 0 && m.ropeFraction <= 1) || rotated <= 0 || rotated % 2 != 0)
    return createStringError("'%s': a rotary fraction of %g turns int(%lld * %g) = %lld values of each head, which "
                             "must be a positive even number",
                             path.c_str(), m.ropeFraction, static_cast<long long>(m.headDim), m.ropeFraction,
                             static_cast<long long>(rotated));
  m.ropeFraction = double(rotated) / double(m.headDim);
  return Error::success();
}

Expected<ImportedModel> importConfig(const std::string &path, const std::vector<std::string> &ignoredKeys) {
  auto buffer = MemoryBuffer::getFile(path);
  if (!buffer)
    return createStringError(buffer.getError(), "cannot read '%s'", path.c_str());
  Expected<json::Value> parsed = json::parse((*buffer)->getBuffer());
  if (!parsed)
    return createStringError("'%s': invalid JSON: %s", path.c_str(), toString(parsed.takeError()).c_str());
  const json::Object *config = parsed->getAsObject();
  if (!config)
    return createStringError("'%s': expected a JSON object", path.c_str());

  ImportedModel m;
  std::optional<StringRef> modelType = config->getString("model_type");
  if (!modelType)
    return createStringError("'%s': no \"model_type\" string", path.c_str());
  m.family = modelType->str();
  // The multimodal Llama 4, Gemma 3 and Mistral 3 (how Scout, Maverick, Gemma 3 4B-27B and Mistral Small 3.1 are
  // released) hold their text model's config in text_config, which is what the spec describes: the vision encoder
  // never sees a text prompt. The outer object names the model.
  const json::Object *named = config;
  std::optional<bool> outerTied;
  if (const loom::importkeys::MultimodalWrapper *wrapper = loom::importkeys::multimodalWrapper(m.family)) {
    if (Error err = loom::importkeys::checkMultimodalWrapper(path, *wrapper, *config, ignoredKeys, m.notes))
      return std::move(err);
    outerTied = config->getBoolean("tie_word_embeddings");
    config = config->getObject("text_config");
    if (!config)
      return createStringError("'%s': model_type '%s' has no \"text_config\" object (the text model's config)",
                               path.c_str(), m.family.c_str());
    if (std::optional<StringRef> textType = config->getString("model_type");
        textType && *textType != wrapper->textModelType)
      return createStringError("'%s': \"text_config\" is of model_type '%s', expected '%s'", path.c_str(),
                               textType->str().c_str(), wrapper->textModelType.str().c_str());
    m.family = wrapper->textModelType.str();
  }
  const loom::rt::Family *ofConfig = loom::rt::familyOfConfig(m.family);
  m.shape = ofConfig && !ofConfig->declaresSpec() ? &ofConfig->decoder : nullptr;
  if (!m.shape)
    return createStringError("'%s': model_type '%s' is not supported by loom import (%s are)", path.c_str(),
                             m.family.c_str(), loom::rt::supportedFamilies(/*gguf=*/false).c_str());
  const DecoderShape &shape = *m.shape;
  if (Error err = loom::importkeys::checkConfigKeys(path, m.family, *config, ignoredKeys, m.notes))
    return std::move(err);

  // A key the config leaves out takes the family's config-class default, else the importer's fallback (as does a
  // null, which is the class's None rather than its default).
  auto familyDefault = [&](StringRef key) -> std::optional<double> {
    for (const loom::rt::ConfigDefault &entry : shape.configDefaults)
      if (StringRef(entry.key.data(), entry.key.size()) == key)
        return entry.value;
    return std::nullopt;
  };
  auto integer = [&](StringRef key, std::optional<int64_t> fallback, int64_t &out) -> Error {
    const json::Value *value = config->get(key);
    if (!value || value->kind() == json::Value::Null) {
      if (std::optional<double> preset = familyDefault(key); preset && !value)
        fallback = static_cast<int64_t>(*preset);
      if (!fallback)
        return createStringError("'%s': \"%s\" is missing", path.c_str(), key.str().c_str());
      out = *fallback;
      return Error::success();
    }
    std::optional<int64_t> number = value->getAsInteger();
    if (!number)
      return createStringError("'%s': \"%s\" is not an integer", path.c_str(), key.str().c_str());
    out = *number;
    return Error::success();
  };
  auto real = [&](StringRef key, std::optional<double> fallback, double &out) -> Error {
    const json::Value *value = config->get(key);
    if (!value || value->kind() == json::Value::Null) {
      if (std::optional<double> preset = familyDefault(key); preset && !value)
        fallback = *preset;
      if (!fallback)
        return createStringError("'%s': \"%s\" is missing", path.c_str(), key.str().c_str());
      out = *fallback;
      return Error::success();
    }
    std::optional<double> number = value->getAsNumber();
    if (!number)
      return createStringError("'%s': \"%s\" is not a number", path.c_str(), key.str().c_str());
    out = *number;
    return Error::success();
  };
  auto boolean = [&](StringRef key, bool fallback) {
    std::optional<bool> value = config->getBoolean(key);
    return value ? *value : fallback;
  };

  if (Error err = integer("vocab_size", std::nullopt, m.vocab))
    return std::move(err);
  if (Error err = integer("hidden_size", std::nullopt, m.dModel))
    return std::move(err);
  if (Error err = integer("num_hidden_layers", std::nullopt, m.nLayers))
    return std::move(err);
  if (Error err = integer("max_position_embeddings", std::nullopt, m.maxContext))
    return std::move(err);
  if (Error err = integer("intermediate_size", std::nullopt, m.hidden))
    return std::move(err);
  if (Error err = integer("num_attention_heads", std::nullopt, m.heads))
    return std::move(err);
  if (m.heads <= 0)
    return createStringError("'%s': \"num_attention_heads\" is %lld", path.c_str(), static_cast<long long>(m.heads));
  if (Error err = integer("num_key_value_heads", m.heads, m.kvHeads))
    return std::move(err);
  if (Error err = integer("head_dim", m.dModel / m.heads, m.headDim))
    return std::move(err);
  // MiMo-V2-Flash's released config spells it layernorm_epsilon (its family file lists the key; no other does).
  StringRef epsKey = config->get("rms_norm_eps") || !config->get("layernorm_epsilon") ? "rms_norm_eps"
                                                                                      : "layernorm_epsilon";
  if (Error err = real(epsKey, std::nullopt, m.eps))
    return std::move(err);
  if (Error err = real("partial_rotary_factor", shape.defaultRopeFraction, m.ropeFraction))
    return std::move(err);

  // RoPE: transformers 5 writes "rope_parameters" ({"rope_theta", "rope_type"}, or one such object per
  // layer type for Gemma 3 and Olmo 3); older configs "rope_theta" and "rope_scaling".
  auto ropeOf = [&](const json::Object &parameters, StringRef what, double fallback, double &theta,
                    std::optional<loom::RopeScalingSpec> &scaling) -> Error {
    std::optional<double> value = parameters.getNumber("rope_theta");
    theta = value ? *value : fallback;
    Expected<std::optional<loom::RopeScalingSpec>> read = loom::ropeScalingFromConfig(parameters, *config, path, what);
    if (!read)
      return read.takeError();
    scaling = *read;
    return Error::success();
  };
  const json::Object *rope = config->getObject("rope_parameters");
  // Qwen3-Next's config class moves partial_rotary_factor into its one RoPE object (the families whose
  // ropeObjectHoldsRotaryFraction is set may have it there).
  if (std::optional<double> fraction = rope ? rope->getNumber("partial_rotary_factor") : std::nullopt) {
    if (config->get("partial_rotary_factor") && *fraction != m.ropeFraction)
      return createStringError("'%s': \"partial_rotary_factor\" (%g) differs from the one in \"rope_parameters\" (%g)",
                               path.c_str(), m.ropeFraction, *fraction);
    m.ropeFraction = *fraction;
  }
  const json::Object *globalRope = rope ? rope->getObject("full_attention") : nullptr;
  const json::Object *localRope = rope ? rope->getObject("sliding_attention") : nullptr;
  double defaultTheta = shape.gemma ? 1e6 : shape.defaultRopeTheta;
  if (rope && shape.gemma && (!globalRope || !localRope))
    return createStringError("'%s': \"rope_parameters\" needs \"full_attention\" and \"sliding_attention\" "
                             "objects for a Gemma 3 model",
                             path.c_str());
  if (globalRope || localRope) {
    if (Error err = ropeOf(globalRope ? *globalRope : *localRope, " on global layers", defaultTheta, m.theta,
                           m.ropeScaling))
      return std::move(err);
    if (Error err = ropeOf(localRope ? *localRope : *globalRope, " on sliding-window layers",
                           shape.gemma ? 10000 : m.theta, m.localTheta, m.localRopeScaling))
      return std::move(err);
  } else if (rope) {
    if (Error err = ropeOf(*rope, "", defaultTheta, m.theta, m.ropeScaling))
      return std::move(err);
    m.localTheta = m.theta;
    m.localRopeScaling = m.ropeScaling;
  } else {
    if (Error err = real("rope_theta", defaultTheta, m.theta))
      return std::move(err);
    if (Error err = real("rope_local_base_freq", shape.gemma ? 10000.0 : m.theta, m.localTheta))
      return std::move(err);
  }

  StringRef activationKey = shape.gemma ? "hidden_activation" : "hidden_act";
  StringRef expectedActivation = shape.gemma ? "gelu_pytorch_tanh" : "silu";
  // gpt-oss's experts have an activation of their own (readGptOss), whatever hidden_act says.
  if (std::optional<StringRef> act = config->getString(activationKey);
      act && *act != expectedActivation && shape.experts != loom::rt::Experts::GptOss)
    return createStringError("'%s': %s '%s' is not supported (%s needs %s)", path.c_str(), activationKey.str().c_str(),
                             act->str().c_str(), shape.gemma ? "Gemma's GeGLU" : "the llama family's SwiGLU",
                             expectedActivation.str().c_str());
  m.tied = boolean("tie_word_embeddings", shape.tiedByDefault);
  // transformers ties a multimodal model's head by the outer config's flag, whatever text_config says (a saved
  // Mistral 3 config has true outside and false inside, and the model is tied).
  if (outerTied)
    m.tied = *outerTied;
  m.qkNorm = shape.qkNormSwitched && !boolean("use_qk_norm", false) ? QkNorm::None : shape.qkNorm;
  if (shape.gemma) {
    m.normUnitOffset = true;
    double queryScalar = 0;
    if (Error err = real("query_pre_attn_scalar", double(m.headDim), queryScalar))
      return std::move(err);
    if (!(queryScalar > 0))
      return createStringError("'%s': \"query_pre_attn_scalar\" must be positive", path.c_str());
    if (queryScalar != double(m.headDim))
      m.attentionScale = 1 / std::sqrt(queryScalar);
  }
  m.qkvBias = shape.qkvBiasAlways || boolean("attention_bias", false);
  m.outBias = !shape.qkvBiasAlways && !shape.attentionBiasWithoutOutput && boolean("attention_bias", false);
  m.ffnBias = boolean("mlp_bias", false);
  m.sinks = shape.attentionSinks;
  m.interleaved = shape.hfInterleavedRope;
  if (shape.zeroCentredNorms)
    m.normUnitOffset = true;
  m.outputGate = shape.gatedAttention;
  if (shape.linearAttentionLayers)
    if (Error err = readLinearAttentionLayers(*config, path, m))
      return std::move(err);

  if (Error err = integer("sliding_window", 0, m.slidingWindow))
    return std::move(err);
  if (m.slidingWindow < 0)
    return createStringError("'%s': \"sliding_window\" is %lld", path.c_str(), static_cast<long long>(m.slidingWindow));
  switch (shape.sliding) {
  case Sliding::None:
    if (boolean("use_sliding_window", false))
      return createStringError("'%s': use_sliding_window (on some layers only) is not supported yet", path.c_str());
    m.slidingWindow = 0;
    break;
  case Sliding::AllLayers:
    // A window as long as the context masks nothing.
    if (m.slidingWindow > 0 && m.slidingWindow < m.maxContext)
      m.slidingLayers.assign(size_t(m.nLayers), true);
    break;
  case Sliding::LayerTypes:
    if (Error err = readSlidingLayers(*config, path, shape, m))
      return std::move(err);
    break;
  }
  if (shape.gemma && m.slidingWindow <= 0)
    return createStringError("'%s': \"sliding_window\" is missing", path.c_str());
  if (Error err = readNopeLayers(*config, path, shape, m))
    return std::move(err);

  // transformers 4's "rope_scaling" (transformers 5 reads it too); for Gemma 3 and Olmo 3 it scales the
  // full-attention layers only.
  if (const json::Value *scaling = config->get("rope_scaling"); scaling && scaling->kind() != json::Value::Null) {
    const json::Object *object = scaling->getAsObject();
    if (!object)
      return createStringError("'%s': \"rope_scaling\" is not an object", path.c_str());
    Expected<std::optional<loom::RopeScalingSpec>> read =
        loom::ropeScalingFromConfig(*object, *config, path, shape.ropePerLayerType ? " on global layers" : "");
    if (!read)
      return read.takeError();
    m.ropeScaling = *read;
    if (!shape.ropePerLayerType)
      m.localRopeScaling = m.ropeScaling;
  }

  if (shape.experts == loom::rt::Experts::Qwen) {
    if (Error err = readQwenExperts(*config, path, m))
      return std::move(err);
    // Qwen3-Next's sparse blocks add a shared expert, its output scaled by sigmoid(shared_expert_gate x).
    if (shape.sharedExpertGate && m.experts > 0) {
      if (Error err = configCount(*config, path, "shared_expert_intermediate_size", std::nullopt,
                                  m.sharedExpertHidden))
        return std::move(err);
      m.sharedExpertGate = m.sharedExpertHidden > 0;
    }
  }
  if (shape.latentAttention) {
    if (Error err = readDeepSeek(*config, path, m))
      return std::move(err);
  }
  if (shape.experts == loom::rt::Experts::DeepSeek) {
    if (Error err = readDeepSeekExperts(*config, path, m))
      return std::move(err);
  }
  if (shape.experts == loom::rt::Experts::MiniMax) {
    if (Error err = readMiniMax(*config, path, m))
      return std::move(err);
  }
  if (shape.experts == loom::rt::Experts::Afmoe) {
    if (Error err = readAfmoe(*config, path, m))
      return std::move(err);
  }
  if (shape.mimo) {
    if (Error err = readMiMoV2Flash(*config, path, m))
      return std::move(err);
  }
  if (shape.experts == loom::rt::Experts::GptOss) {
    if (Error err = readGptOss(*config, path, m))
      return std::move(err);
  }
  if (shape.experts == loom::rt::Experts::Llama4) {
    if (Error err = readLlama4(*config, path, m))
      return std::move(err);
  }

  m.name = identifier(m.family);
  if (const json::Array *architectures = named->getArray("architectures"))
    if (!architectures->empty())
      if (std::optional<StringRef> first = (*architectures)[0].getAsString()) {
        StringRef base = *first;
        if (!base.consume_back("ForCausalLM")) // the multimodal Llama 4's
          base.consume_back("ForConditionalGeneration");
        if (!base.empty())
          m.name = identifier(base);
      }
  return m;
}
} // namespace

std::string loom::specIdentifier(StringRef text) { return identifier(text); }
std::string loom::specReal(double value, bool float32) { return formatReal(value, float32); }

Expected<std::string> loom::importSpec(const std::string &path, const std::string &architectureName,
                                      std::vector<std::string> &notes, const std::vector<std::string> &ignoredKeys) {
  // Families declared in one file of runtime/lib/families (GPT-2) import from that declaration.
  Expected<std::optional<std::string>> declared = importFamilySpec(path, architectureName, ignoredKeys, notes);
  if (!declared)
    return declared.takeError();
  if (*declared)
    return std::move(**declared);
  Expected<ImportedModel> model =
      loom::rt::isGgufFile(path) ? importGguf(path, ignoredKeys) : importConfig(path, ignoredKeys);
  if (!model)
    return model.takeError();
  if (!architectureName.empty())
    model->name = identifier(architectureName);
  if (Error err = validate(*model, path))
    return std::move(err);
  notes = model->notes;
  return writeSpec(*model, path);
}
