//===- Importer.cpp - A .loom spec from GGUF metadata or a config.json ----===//
//
// Writes a .loom spec for a checkpoint's architecture, from a GGUF file's
// metadata (read with the runtime's GGUF reader) or from a Hugging Face
// config.json. The spec uses the llama family's component names (attn_norm,
// attention, ffn_norm, ffn, final_norm), which are the names the runtime's
// GGUF table (runtime/lib/GgufNames.cpp) maps llama.cpp's tensor names to,
// so the spec loads the GGUF file it came from.
//
// RoPE pairing: llama.cpp's converter permutes the Q and K rows of `llama`
// models so that adjacent pairs rotate together (ggml's "normal" RoPE), so a
// llama GGUF needs `style = interleaved` where the Hugging Face checkpoint
// needs `half`; qwen2 and qwen3 GGUF files keep the rows (NeoX RoPE, `half`).
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
#include <optional>

using namespace llvm;
using loom::rt::GgufFile;
using loom::rt::GgufValue;

namespace {
/// Everything the spec states, in the DSL's terms.
struct ImportedModel {
  std::string family;
  std::string name;
  int64_t vocab = 0, dModel = 0, nLayers = 0, maxContext = 0;
  int64_t heads = 0, kvHeads = 0, headDim = 0, hidden = 0;
  double eps = 1e-6, theta = 10000, ropeFraction = 1;
  bool epsIsFloat32 = false, thetaIsFloat32 = false;
  bool tied = false, qkNorm = false, qkvBias = false, outBias = false, ffnBias = false;
  bool interleaved = false;
  int64_t slidingWindow = 0;
  /// Gemma 3: norms before and after both sub-layers, GeGLU, embeddings scaled by sqrt(d_model), QK-norm,
  /// and sliding-window layers with their own RoPE base except every `globalEvery`-th layer.
  bool gemma = false;
  bool normUnitOffset = false; ///< RMSNorm scales by (1 + w): Hugging Face Gemma. GGUF stores 1 + w.
  int64_t globalEvery = 0;
  /// Per layer, whether it is a sliding-window layer (from a config's layer_types); overrides globalEvery.
  std::vector<bool> slidingLayers;
  double localTheta = 10000;
  /// RoPE scaling of `attention` (Gemma 3: the global layers) and of Gemma's local_attention.
  std::optional<loom::RopeScalingSpec> ropeScaling, localRopeScaling;
  double attentionScale = 0; ///< 0: the default 1/sqrt(head_dim).
  std::vector<std::string> notes; ///< Written as comments, and as warnings.
};

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

std::string writeSpec(const ImportedModel &m, StringRef file) {
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
  if (m.gemma)
    os << "  embedding_scale = sqrt(d_model)\n";
  os << "  eps = " << formatReal(m.eps, m.epsIsFloat32) << "\n";
  std::string norm = m.normUnitOffset ? "RMSNorm(eps = eps, unit_offset = true)" : "RMSNorm(eps = eps)";
  os << "  attn_norm = " << norm << "\n";
  os << "  ffn_norm = " << norm << "\n";
  if (m.gemma) {
    os << "  post_attn_norm = " << norm << "\n";
    os << "  post_ffn_norm = " << norm << "\n";
  }
  const char *indent = "                  ";
  os << "  attention = GQA(heads = " << m.heads << ", kv_heads = " << m.kvHeads << ", head_dim = " << m.headDim
     << ",\n";
  if (m.qkNorm)
    os << indent << "qk_norm = " << norm << ",\n";
  if (m.qkvBias || m.outBias) {
    os << indent;
    if (m.qkvBias)
      os << "qkv_bias = true" << (m.outBias ? ", " : "");
    if (m.outBias)
      os << "out_bias = true";
    os << ",\n";
  }
  if (m.slidingWindow > 0 && !m.gemma)
    os << indent << "mask = sliding_window, window = " << m.slidingWindow << ",\n";
  if (m.attentionScale > 0)
    os << indent << "scale = " << formatReal(m.attentionScale, false) << ",\n";
  os << indent << "rope = RoPE(theta = " << formatReal(m.theta, m.thetaIsFloat32)
     << ", style = " << (m.interleaved ? "interleaved" : "half");
  if (m.ropeFraction != 1)
    os << ", fraction = " << formatReal(m.ropeFraction, false);
  os << scalingArgument(m.ropeScaling) << "))\n";
  bool anySliding = m.slidingLayers.empty() ? m.globalEvery != 1
                                             : std::find(m.slidingLayers.begin(), m.slidingLayers.end(), true) !=
                                                   m.slidingLayers.end();
  if (m.gemma && anySliding)
    os << "  local_attention = attention(mask = sliding_window, window = " << m.slidingWindow
       << ",\n                              rope = RoPE(theta = " << formatReal(m.localTheta, false)
       << ", style = half" << scalingArgument(m.localRopeScaling) << "))\n";
  os << "  ffn = " << (m.gemma ? "GeGLU" : "SwiGLU") << "(hidden = " << m.hidden << (m.ffnBias ? ", bias = true" : "")
     << ")\n";
  os << "  final_norm = " << norm << "\n";
  os << "  block {\n";
  if (m.gemma) {
    os << "    x = x + post_attn_norm(attention(attn_norm(x)))\n";
    os << "    x = x + post_ffn_norm(ffn(ffn_norm(x)))\n";
  } else {
    os << "    x = x + attention(attn_norm(x))\n";
    os << "    x = x + ffn(ffn_norm(x))\n";
  }
  os << "  }\n";
  if (m.gemma && !m.slidingLayers.empty()) {
    // Runs of consecutive sliding-window layers, whatever the pattern.
    for (int64_t first = 0; first < m.nLayers;) {
      if (!m.slidingLayers[size_t(first)]) {
        ++first;
        continue;
      }
      int64_t last = first;
      while (last + 1 < m.nLayers && m.slidingLayers[size_t(last + 1)])
        ++last;
      os << "  layers " << first << ".." << last << " { attention = local_attention }\n";
      first = last + 1;
    }
  } else if (m.gemma && m.globalEvery != 1) {
    if (m.globalEvery == 0)
      os << "  layers 0.." << m.nLayers - 1 << " {\n";
    else
      os << "  layers where (i + 1) % " << m.globalEvery << " != 0 {\n";
    os << "    attention = local_attention\n";
    os << "  }\n";
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

private:
  const GgufFile &file;
  std::string arch;
};

Expected<ImportedModel> importGguf(const std::string &path, const std::vector<std::string> &ignoredKeys) {
  GgufFile file;
  if (!file.open(path))
    return createStringError(Twine(loom_last_error()));
  const GgufValue *archValue = file.find("general.architecture");
  if (!archValue || archValue->type != loom::rt::GgufValueType::String)
    return createStringError("'%s': no general.architecture string in the metadata", path.c_str());
  ImportedModel m;
  m.family = std::string(archValue->string);
  if (m.family != "llama" && m.family != "qwen2" && m.family != "qwen3" && m.family != "gemma3")
    return createStringError("'%s': architecture '%s' is not supported by loom import (llama, qwen2, qwen3 and "
                             "gemma3 are)",
                             path.c_str(), m.family.c_str());
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
  if (Error err = set(m.headDim, meta.integer("attention.key_length", m.dModel / m.heads)))
    return std::move(err);
  int64_t valueDim = 0;
  if (Error err = set(valueDim, meta.integer("attention.value_length", m.headDim)))
    return std::move(err);
  if (valueDim != m.headDim)
    return createStringError("'%s': key length %lld differs from value length %lld, which Loom's GQA does not "
                             "support",
                             path.c_str(), static_cast<long long>(m.headDim), static_cast<long long>(valueDim));
  int64_t ropeDims = 0;
  if (Error err = set(ropeDims, meta.integer("rope.dimension_count", m.headDim)))
    return std::move(err);
  m.ropeFraction = m.headDim > 0 ? double(ropeDims) / double(m.headDim) : 1;

  Expected<double> eps = meta.real("attention.layer_norm_rms_epsilon", std::nullopt, m.epsIsFloat32);
  if (!eps)
    return eps.takeError();
  m.eps = *eps;
  Expected<double> theta = meta.real("rope.freq_base", 10000.0, m.thetaIsFloat32);
  if (!theta)
    return theta.takeError();
  m.theta = *theta;

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
  m.qkNorm = file.findTensor("blk.0.attn_q_norm.weight") != nullptr;
  m.qkvBias = file.findTensor("blk.0.attn_q.bias") != nullptr;
  m.outBias = file.findTensor("blk.0.attn_output.bias") != nullptr;
  m.ffnBias = file.findTensor("blk.0.ffn_up.bias") != nullptr;
  m.interleaved = m.family == "llama";
  if (m.family == "gemma3") {
    // llama.cpp's converter stores Gemma's RMSNorm scales with the 1 already added (plain RMSNorm here) and
    // keeps the Q/K rows (NeoX RoPE). Its gemma3 model assumes what older files do not say: every sixth
    // layer global, the local layers' RoPE base 10000.
    m.gemma = true;
    if (Error err = set(m.slidingWindow, meta.integer("attention.sliding_window")))
      return std::move(err);
    if (Error err = set(m.globalEvery, meta.integer("attention.sliding_window_pattern", 6)))
      return std::move(err);
    bool localThetaIsFloat32 = false;
    Expected<double> localTheta = meta.real("rope.freq_base_swa", 10000.0, localThetaIsFloat32);
    if (!localTheta)
      return localTheta.takeError();
    m.localTheta = *localTheta;
    if (m.slidingWindow <= 0)
      return createStringError("'%s': gemma3.attention.sliding_window is 0", path.c_str());
  }

  // Scaling stretches the global RoPE; llama.cpp runs Gemma 3's local layers unscaled.
  Expected<std::optional<loom::RopeScalingSpec>> scaling = loom::ropeScalingFromGguf(file, m.family, m.theta, ropeDims);
  if (!scaling)
    return scaling.takeError();
  m.ropeScaling = *scaling;

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
  if (m.family == "gemma3")
    return createStringError("'%s': model_type 'gemma3' is the multimodal Gemma 3; import the language model's "
                             "config (its \"text_config\", model_type 'gemma3_text')",
                             path.c_str());
  if (m.family != "llama" && m.family != "mistral" && m.family != "qwen2" && m.family != "qwen3" &&
      m.family != "gemma3_text")
    return createStringError("'%s': model_type '%s' is not supported by loom import (llama, mistral, qwen2, "
                             "qwen3 and gemma3_text are)",
                             path.c_str(), m.family.c_str());
  m.gemma = m.family == "gemma3_text";
  if (Error err = loom::importkeys::checkConfigKeys(path, m.family, *config, ignoredKeys, m.notes))
    return std::move(err);

  auto integer = [&](StringRef key, std::optional<int64_t> fallback, int64_t &out) -> Error {
    const json::Value *value = config->get(key);
    if (!value || value->kind() == json::Value::Null) {
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
  if (Error err = real("rms_norm_eps", std::nullopt, m.eps))
    return std::move(err);
  if (Error err = real("partial_rotary_factor", 1.0, m.ropeFraction))
    return std::move(err);

  // RoPE: transformers 5 writes "rope_parameters" ({"rope_theta", "rope_type"}, or one such object per
  // layer type for Gemma 3); older configs "rope_theta" and "rope_scaling".
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
  if (rope && m.gemma) {
    const json::Object *global = rope->getObject("full_attention");
    const json::Object *local = rope->getObject("sliding_attention");
    if (!global || !local)
      return createStringError("'%s': \"rope_parameters\" needs \"full_attention\" and \"sliding_attention\" "
                               "objects for a Gemma 3 model",
                               path.c_str());
    if (Error err = ropeOf(*global, " on global layers", 1e6, m.theta, m.ropeScaling))
      return std::move(err);
    if (Error err = ropeOf(*local, " on sliding-window layers", 10000, m.localTheta, m.localRopeScaling))
      return std::move(err);
  } else if (rope) {
    if (Error err = ropeOf(*rope, "", 10000, m.theta, m.ropeScaling))
      return std::move(err);
  } else {
    if (Error err = real("rope_theta", m.gemma ? 1e6 : 10000.0, m.theta))
      return std::move(err);
    if (Error err = real("rope_local_base_freq", 10000.0, m.localTheta))
      return std::move(err);
  }

  StringRef activationKey = m.gemma ? "hidden_activation" : "hidden_act";
  StringRef expectedActivation = m.gemma ? "gelu_pytorch_tanh" : "silu";
  if (std::optional<StringRef> act = config->getString(activationKey); act && *act != expectedActivation)
    return createStringError("'%s': %s '%s' is not supported (%s needs %s)", path.c_str(), activationKey.str().c_str(),
                             act->str().c_str(), m.gemma ? "Gemma's GeGLU" : "the llama family's SwiGLU",
                             expectedActivation.str().c_str());
  m.tied = boolean("tie_word_embeddings", m.gemma);
  m.qkNorm = m.family == "qwen3" || m.gemma;
  if (m.gemma) {
    m.normUnitOffset = true;
    double queryScalar = 0;
    if (Error err = real("query_pre_attn_scalar", double(m.headDim), queryScalar))
      return std::move(err);
    if (!(queryScalar > 0))
      return createStringError("'%s': \"query_pre_attn_scalar\" must be positive", path.c_str());
    if (queryScalar != double(m.headDim))
      m.attentionScale = 1 / std::sqrt(queryScalar);
    if (Error err = integer("sliding_window", std::nullopt, m.slidingWindow))
      return std::move(err);
    // Configs before transformers 4.53 give the pattern instead of layer_types: every
    // sliding_window_pattern-th layer global (transformers derives layer_types from it the same way).
    const json::Array *layerTypes = config->getArray("layer_types");
    if (!layerTypes) {
      // transformers 5 saves it as "_sliding_window_pattern".
      StringRef patternKey =
          config->get("sliding_window_pattern") ? "sliding_window_pattern" : "_sliding_window_pattern";
      if (Error err = integer(patternKey, 6, m.globalEvery))
        return std::move(err);
      if (m.globalEvery < 1)
        return createStringError("'%s': \"%s\" is %lld, expected a positive integer", path.c_str(),
                                 patternKey.str().c_str(), static_cast<long long>(m.globalEvery));
    } else if (layerTypes->size() != size_t(m.nLayers)) {
      return createStringError("'%s': \"layer_types\" must list %lld layers", path.c_str(),
                               static_cast<long long>(m.nLayers));
    }
    for (size_t i = 0; layerTypes && i < layerTypes->size(); ++i) {
      std::optional<StringRef> name = (*layerTypes)[i].getAsString();
      if (!name || (*name != "sliding_attention" && *name != "full_attention"))
        return createStringError("'%s': \"layer_types\" gives layer %zu %s attention, which loom import does not "
                                 "model (only \"sliding_attention\" and \"full_attention\")",
                                 path.c_str(), i, loom::importkeys::shortJson((*layerTypes)[i]).c_str());
      m.slidingLayers.push_back(*name == "sliding_attention");
    }
  }
  m.qkvBias = m.family == "qwen2" || boolean("attention_bias", false);
  m.outBias = m.family != "qwen2" && boolean("attention_bias", false);
  m.ffnBias = boolean("mlp_bias", false);
  m.interleaved = false;

  if (m.family == "mistral") {
    if (Error err = integer("sliding_window", 0, m.slidingWindow))
      return std::move(err);
    if (m.slidingWindow >= m.maxContext)
      m.slidingWindow = 0; // a window as long as the context masks nothing
  } else if (!m.gemma && boolean("use_sliding_window", false)) {
    return createStringError("'%s': use_sliding_window (on some layers only) is not supported yet", path.c_str());
  }
  // transformers 4's "rope_scaling" (transformers 5 reads it too); for Gemma 3 it scales the global layers.
  if (const json::Value *scaling = config->get("rope_scaling"); scaling && scaling->kind() != json::Value::Null) {
    const json::Object *object = scaling->getAsObject();
    if (!object)
      return createStringError("'%s': \"rope_scaling\" is not an object", path.c_str());
    Expected<std::optional<loom::RopeScalingSpec>> read =
        loom::ropeScalingFromConfig(*object, *config, path, m.gemma ? " on global layers" : "");
    if (!read)
      return read.takeError();
    m.ropeScaling = *read;
  }

  m.name = identifier(m.family);
  if (const json::Array *architectures = config->getArray("architectures"))
    if (!architectures->empty())
      if (std::optional<StringRef> first = (*architectures)[0].getAsString()) {
        StringRef base = *first;
        base.consume_back("ForCausalLM");
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
