//===- RopeScalingImport.cpp - RoPE scaling from checkpoint metadata ------===//
#include "RopeScalingImport.h"

#include "Gguf.h"
#include "loom/Dialect/RopeScaling.h"

#include <cmath>
#include <cstring>
#include <numbers>
#include <vector>

using namespace llvm;
using loom::rt::GgufFile;
using loom::rt::GgufValue;

namespace loom {
namespace {

/// YaRN's default attention factor ("mscale"), as transformers and llama.cpp compute it.
double yarnMscale(double factor, double mscale = 1.0) {
  return factor <= 1.0 ? 1.0 : 0.1 * mscale * std::log(factor) + 1.0;
}

Error unmodelled(const std::string &path, StringRef asker, StringRef type, StringRef what) {
  return createStringError("'%s': the %s asks for '%s' RoPE scaling%s, which Loom does not model (linear, llama3 "
                           "and yarn are)",
                           path.c_str(), asker.str().c_str(), type.str().c_str(), what.str().c_str());
}

} // namespace

Expected<std::optional<RopeScalingSpec>> ropeScalingFromConfig(const json::Object &rope, const json::Object &config,
                                                              const std::string &path, StringRef what) {
  std::optional<StringRef> type = rope.getString("rope_type");
  if (!type)
    type = rope.getString("type");
  if (!type || *type == "default")
    return std::nullopt;

  // A number, or nothing when absent or null (Python's `get`); another type is an error.
  auto number = [&](const json::Object &object, StringRef key) -> Expected<std::optional<double>> {
    const json::Value *value = object.get(key);
    if (!value || value->kind() == json::Value::Null)
      return std::nullopt;
    if (std::optional<double> result = value->getAsNumber())
      return result;
    return createStringError("'%s': RoPE scaling key \"%s\"%s is not a number", path.c_str(), key.str().c_str(),
                             what.str().c_str());
  };
  auto required = [&](StringRef key, double &out) -> Error {
    Expected<std::optional<double>> value = number(rope, key);
    if (!value)
      return value.takeError();
    if (!*value)
      return createStringError("'%s': '%s' RoPE scaling%s needs \"%s\"", path.c_str(), type->str().c_str(),
                               what.str().c_str(), key.str().c_str());
    out = **value;
    return Error::success();
  };
  // transformers' standardize_rope_params: a top-level original_max_position_embeddings takes priority, then
  // the RoPE object's, then max_position_embeddings.
  auto originalContext = [&](int64_t &out) -> Error {
    for (auto [object, key] : {std::pair{&config, "original_max_position_embeddings"},
                               std::pair{&rope, "original_max_position_embeddings"},
                               std::pair{&config, "max_position_embeddings"}}) {
      const json::Value *value = object->get(key);
      if (!value || value->kind() == json::Value::Null)
        continue;
      std::optional<int64_t> integer = value->getAsInteger();
      if (!integer)
        return createStringError("'%s': \"%s\" is not an integer", path.c_str(), key);
      out = *integer;
      return Error::success();
    }
    return createStringError("'%s': '%s' RoPE scaling%s needs \"original_max_position_embeddings\"", path.c_str(),
                             type->str().c_str(), what.str().c_str());
  };

  RopeScalingSpec s;
  if (*type == "linear") {
    s.kind = RopeScalingKind::Linear;
    if (Error err = required("factor", s.factor))
      return std::move(err);
    return s;
  }
  if (*type == "llama3") {
    s.kind = RopeScalingKind::Llama3;
    if (Error err = required("factor", s.factor))
      return std::move(err);
    if (Error err = required("low_freq_factor", s.lowFreqFactor))
      return std::move(err);
    if (Error err = required("high_freq_factor", s.highFreqFactor))
      return std::move(err);
    if (Error err = originalContext(s.originalContext))
      return std::move(err);
    return s;
  }
  if (*type != "yarn")
    return unmodelled(path, "config", *type, what);

  // transformers' _compute_yarn_parameters, default by default.
  s.kind = RopeScalingKind::Yarn;
  if (Error err = originalContext(s.originalContext))
    return std::move(err);
  Expected<std::optional<double>> factor = number(rope, "factor");
  if (!factor)
    return factor.takeError();
  if (*factor) {
    s.factor = **factor;
  } else {
    // DeepSeek-V3 style: the factor is the ratio of the two contexts.
    const json::Value *maxPositions = config.get("max_position_embeddings");
    std::optional<int64_t> positions = maxPositions ? maxPositions->getAsInteger() : std::nullopt;
    if (!positions)
      return createStringError("'%s': 'yarn' RoPE scaling%s has no \"factor\" and no \"max_position_embeddings\"",
                               path.c_str(), what.str().c_str());
    s.factor = double(*positions) / double(s.originalContext);
  }
  Expected<std::optional<double>> attention = number(rope, "attention_factor");
  Expected<std::optional<double>> mscale = number(rope, "mscale");
  Expected<std::optional<double>> mscaleAllDim = number(rope, "mscale_all_dim");
  Expected<std::optional<double>> betaFast = number(rope, "beta_fast");
  Expected<std::optional<double>> betaSlow = number(rope, "beta_slow");
  for (auto *value : {&attention, &mscale, &mscaleAllDim, &betaFast, &betaSlow})
    if (!*value)
      return value->takeError();
  if (*attention)
    s.attentionFactor = **attention;
  else if (*mscale && **mscale != 0 && *mscaleAllDim && **mscaleAllDim != 0)
    s.attentionFactor = yarnMscale(s.factor, **mscale) / yarnMscale(s.factor, **mscaleAllDim);
  else
    s.attentionFactor = yarnMscale(s.factor);
  // Python's `get(...) or default`: 0 counts as absent.
  s.betaFast = *betaFast && **betaFast != 0 ? **betaFast : 32.0;
  s.betaSlow = *betaSlow && **betaSlow != 0 ? **betaSlow : 1.0;
  s.truncate = rope.getBoolean("truncate").value_or(true);
  return s;
}

namespace {

/// Llama 3.1's parameters from the divisors llama.cpp's converter stored. The table fixes only the two band
/// edges (original / low and original / high wavelengths) and the factor, so low_freq_factor is taken as 1, as in
/// every Llama 3 checkpoint; the blend band's divisors give the edges by a least-squares line through
/// smooth = original / wavelength - low over high - low.
Expected<RopeScalingSpec> llama3FromTable(const float *table, int64_t pairs, double theta, const std::string &path) {
  constexpr const char *tensor = "rope_freqs.weight";
  RopeScalingSpec s;
  s.kind = RopeScalingKind::Llama3;
  s.lowFreqFactor = 1;
  s.factor = 1;
  for (int64_t j = 0; j < pairs; ++j)
    s.factor = std::max(s.factor, double(table[j]));
  double sx = 0, sy = 0, sxx = 0, sxy = 0, n = 0;
  double maxUnscaled = 0, minScaled = INFINITY; // wavelengths of pairs below and at the factor
  for (int64_t j = 0; j < pairs; ++j) {
    double wavelength = 2 * std::numbers::pi / double(unscaledFrequencyF32(theta, 2 * pairs, j));
    if (table[j] != s.factor)
      maxUnscaled = std::max(maxUnscaled, wavelength);
    else
      minScaled = std::min(minScaled, wavelength);
    if (table[j] == 1.0f || table[j] == s.factor)
      continue;
    double x = 1 / wavelength, smooth = (1 / double(table[j]) - 1 / s.factor) / (1 - 1 / s.factor);
    sx += x, sy += smooth, sxx += x * x, sxy += x * smooth, n += 1;
  }
  if (s.factor == 1) {
    s.highFreqFactor = 1;
    s.originalContext = 1; // no pair is scaled whatever the bands
  } else if (n >= 2) {
    double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx), intercept = (sy - slope * sx) / n;
    // smooth = slope / wavelength + intercept, slope = original / (high - low), intercept = -low / (high - low).
    s.highFreqFactor = 1 - 1 / intercept;
    s.originalContext = std::llround(-slope / intercept);
    s.highFreqFactor = std::round(s.highFreqFactor * 1e6) / 1e6;
  } else if (n == 0 && std::isfinite(minScaled)) {
    // No blend band: both edges lie between the last unscaled and the first scaled wavelength.
    s.originalContext = std::llround(std::sqrt(std::max(maxUnscaled, 1.0) * minScaled));
    s.highFreqFactor = 1;
  } else {
    return createStringError("'%s': %s has one blended RoPE pair, too few to recover the llama3 scaling's bands; "
                             "write the scaling into the spec by hand",
                             path.c_str(), tensor);
  }
  auto recomputed = llama3FrequencyDivisors(s.factor, s.lowFreqFactor, s.highFreqFactor, s.originalContext, theta,
                                            2 * pairs);
  for (int64_t j = 0; j < pairs; ++j)
    if (!(std::fabs(double(recomputed[j]) - double(table[j])) <= 1e-5 * double(table[j])))
      return createStringError("'%s': %s is not a Llama 3.1 RoPE scaling table (pair %lld: %g, the closest llama3 "
                               "scaling gives %g)",
                               path.c_str(), tensor, static_cast<long long>(j), double(table[j]),
                               double(recomputed[j]));
  return s;
}

std::optional<double> ggufReal(const GgufFile &file, const std::string &key) {
  const GgufValue *value = file.find(key);
  double result;
  if (!value || !value->toDouble(result))
    return std::nullopt;
  return result;
}

} // namespace

Expected<std::optional<RopeScalingSpec>> ropeScalingFromGguf(const GgufFile &file, const std::string &arch,
                                                            double theta, int64_t rotaryDims) {
  const std::string &path = file.path();
  const std::string prefix = arch + ".rope.scaling.";
  // llama.cpp's defaults: type linear, and a missing or zero factor is no scaling.
  std::string type = "linear";
  if (const GgufValue *value = file.find(prefix + "type")) {
    if (value->type != rt::GgufValueType::String)
      return createStringError("'%s': %stype is not a string", path.c_str(), prefix.c_str());
    type = std::string(value->string);
  }
  double factor = ggufReal(file, prefix + "factor").value_or(ggufReal(file, arch + ".rope.scale_linear").value_or(0));
  const rt::GgufTensor *table = file.findTensor("rope_freqs.weight");

  std::optional<RopeScalingSpec> scaling;
  if (type == "linear" || type == "none") {
    if (type == "linear" && factor != 0 && factor != 1) {
      scaling = RopeScalingSpec{};
      scaling->kind = RopeScalingKind::Linear;
      scaling->factor = factor;
    }
  } else if (type == "yarn") {
    // llama.cpp's context setup: YaRN's own mscale (times the file's attn_factor), the ramp at full strength.
    RopeScalingSpec s;
    s.kind = RopeScalingKind::Yarn;
    s.factor = factor == 0 ? 1 : factor;
    std::optional<double> original = ggufReal(file, prefix + "original_context_length");
    if (!original)
      return createStringError("'%s': YaRN RoPE scaling needs %soriginal_context_length", path.c_str(),
                               prefix.c_str());
    s.originalContext = static_cast<int64_t>(*original);
    s.betaFast = ggufReal(file, prefix + "yarn_beta_fast").value_or(32);
    s.betaSlow = ggufReal(file, prefix + "yarn_beta_slow").value_or(1);
    double extFactor = ggufReal(file, prefix + "yarn_ext_factor").value_or(-1);
    if (extFactor >= 0 && extFactor != 1)
      return createStringError("'%s': %syarn_ext_factor = %g (a partial YaRN ramp) is not modelled by Loom",
                               path.c_str(), prefix.c_str(), extFactor);
    double logMultiplier = ggufReal(file, prefix + "yarn_log_multiplier").value_or(0);
    s.attentionFactor = logMultiplier != 0 ? yarnMscale(s.factor) / yarnMscale(s.factor, logMultiplier)
                                           : yarnMscale(s.factor);
    s.attentionFactor *= ggufReal(file, prefix + "attn_factor").value_or(1);
    scaling = s;
  } else {
    return unmodelled(path, "file", type, "");
  }

  if (!table)
    return scaling;
  if (scaling)
    return createStringError("'%s': the file has both %s RoPE scaling and rope_freqs.weight, a combination Loom "
                             "does not model",
                             path.c_str(), type.c_str());
  int64_t pairs = rotaryDims / 2;
  if (table->type != rt::kGgmlF32 || table->nDims != 1 || table->dims[0] != pairs)
    return createStringError("'%s': rope_freqs.weight is %s with %lld elements, expected %lld F32 values (one per "
                             "rotated pair)",
                             path.c_str(), rt::ggmlTypeName(table->type), static_cast<long long>(table->elements),
                             static_cast<long long>(pairs));
  std::vector<float> values(static_cast<size_t>(pairs));
  std::memcpy(values.data(), table->data, values.size() * sizeof(float));
  Expected<RopeScalingSpec> llama3 = llama3FromTable(values.data(), pairs, theta, path);
  if (!llama3)
    return llama3.takeError();
  return *llama3;
}

} // namespace loom
