//===- RopeScaling.cpp - RoPE scaling attributes and their frequencies ----===//
//
// The arithmetic of each kind follows the reference its checkpoints are run
// with, to the precision that reference uses:
//  - llama3: llama.cpp's converter (convert_hf_to_gguf.py), which writes the
//    table into GGUF files as rope_freqs.weight: unscaled frequencies in F32
//    (1 / theta^(2j/d), as torch computes them), the band tests and the blend
//    in double, the divisor rounded to F32. Computing it the same way lets
//    the loader compare a file's table with the spec's.
//  - linear: the divisor is the factor (transformers divides the F32
//    frequencies by it).
//  - yarn: transformers' _compute_yarn_parameters (ggml's rope_yarn is the
//    same ramp): correction range from beta_fast/beta_slow in double, ramp
//    over pair indices, frequency = extrapolated * (1 - ramp) + interpolated
//    * ramp, so the divisor is 1 / ((1 - ramp) + ramp / factor).
//
//===----------------------------------------------------------------------===//
#include "loom/Dialect/RopeScaling.h"
#include "loom/Dialect/LoomOps.h"

#include <algorithm>
#include <cmath>
#include <numbers>

using namespace mlir;

namespace loom {
namespace {

using EmitError = llvm::function_ref<InFlightDiagnostic()>;

LogicalResult verifyFactor(EmitError emitError, double factor) {
  if (!(factor >= 1.0) || !std::isfinite(factor))
    return emitError() << "expects a scaling factor of at least 1, got " << factor;
  return success();
}

LogicalResult verifyOriginalContext(EmitError emitError, int64_t originalContext) {
  if (originalContext <= 0)
    return emitError() << "expects a positive original_context, got " << originalContext;
  return success();
}

/// The pair index (fractional) at which a pair turns `rotations` times over the original context.
double correctionDim(double rotations, double dims, double theta, double original) {
  return dims * std::log(original / (rotations * 2 * std::numbers::pi)) / (2 * std::log(theta));
}

void yarnDivisors(RopeYarnAttr s, double theta, int64_t rotaryDims, llvm::SmallVectorImpl<float> &out) {
  double dims = static_cast<double>(rotaryDims), original = static_cast<double>(s.getOriginalContext());
  double low = correctionDim(s.getBetaFast().convertToDouble(), dims, theta, original);
  double high = correctionDim(s.getBetaSlow().convertToDouble(), dims, theta, original);
  double factor = s.getFactor().convertToDouble();
  if (s.getTruncate()) {
    low = std::floor(low);
    high = std::ceil(high);
  }
  low = std::max(low, 0.0);
  high = std::min(high, dims - 1);
  if (low == high)
    high += 0.001; // as transformers and ggml: a one-point ramp instead of a division by zero
  for (int64_t j = 0; j < rotaryDims / 2; ++j) {
    // ramp 0: the pair keeps its frequency (extrapolation); 1: divided by the factor (interpolation).
    double ramp = std::clamp((static_cast<double>(j) - low) / (high - low), 0.0, 1.0);
    out.push_back(static_cast<float>(1.0 / ((1.0 - ramp) + ramp / factor)));
  }
}

} // namespace

LogicalResult RopeLinearAttr::verify(EmitError emitError, APFloat factor) {
  return verifyFactor(emitError, factor.convertToDouble());
}

LogicalResult RopeLlama3Attr::verify(EmitError emitError, APFloat factorAttr, APFloat lowAttr,
                                     APFloat highAttr, int64_t originalContext) {
  double factor = factorAttr.convertToDouble(), lowFreqFactor = lowAttr.convertToDouble(),
         highFreqFactor = highAttr.convertToDouble();
  if (failed(verifyFactor(emitError, factor)) || failed(verifyOriginalContext(emitError, originalContext)))
    return failure();
  if (!(lowFreqFactor > 0) || !(highFreqFactor >= lowFreqFactor) || !std::isfinite(highFreqFactor))
    return emitError() << "expects 0 < low_freq_factor <= high_freq_factor, got " << lowFreqFactor << " and "
                       << highFreqFactor;
  return success();
}

LogicalResult RopeYarnAttr::verify(EmitError emitError, APFloat factorAttr, int64_t originalContext,
                                   APFloat betaFastAttr, APFloat betaSlowAttr,
                                   APFloat attentionAttr, bool) {
  double factor = factorAttr.convertToDouble(), betaFast = betaFastAttr.convertToDouble(),
         betaSlow = betaSlowAttr.convertToDouble(), attentionFactor = attentionAttr.convertToDouble();
  if (failed(verifyFactor(emitError, factor)) || failed(verifyOriginalContext(emitError, originalContext)))
    return failure();
  if (!(betaSlow > 0) || !(betaFast >= betaSlow) || !std::isfinite(betaFast))
    return emitError() << "expects 0 < beta_slow <= beta_fast, got beta_fast " << betaFast << " and beta_slow "
                       << betaSlow;
  if (!(attentionFactor > 0) || !std::isfinite(attentionFactor))
    return emitError() << "expects a positive attention_factor, got " << attentionFactor;
  return success();
}

float unscaledFrequencyF32(double theta, int64_t rotaryDims, int64_t pair) {
  float exponent = static_cast<float>(2 * pair) / static_cast<float>(rotaryDims);
  return 1.0f / std::pow(static_cast<float>(theta), exponent);
}

llvm::SmallVector<float> llama3FrequencyDivisors(double factor, double lowFreqFactor, double highFreqFactor,
                                                 int64_t originalContext, double theta, int64_t rotaryDims) {
  llvm::SmallVector<float> divisors;
  double original = static_cast<double>(originalContext);
  double lowWavelength = original / lowFreqFactor, highWavelength = original / highFreqFactor;
  for (int64_t j = 0; j < rotaryDims / 2; ++j) {
    double wavelength = 2 * std::numbers::pi / static_cast<double>(unscaledFrequencyF32(theta, rotaryDims, j));
    double divisor;
    if (wavelength < highWavelength) {
      divisor = 1.0;
    } else if (wavelength > lowWavelength) {
      divisor = factor;
    } else {
      // The band is empty when low == high, so this divides by a positive width.
      double smooth = (original / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
      divisor = 1.0 / ((1.0 - smooth) / factor + smooth);
    }
    divisors.push_back(static_cast<float>(divisor));
  }
  return divisors;
}

RopeFrequencyScaling ropeFrequencyScaling(Attribute scaling, double theta, int64_t rotaryDims) {
  RopeFrequencyScaling result;
  if (auto linear = dyn_cast_or_null<RopeLinearAttr>(scaling)) {
    result.divisors.assign(rotaryDims / 2, static_cast<float>(linear.getFactor().convertToDouble()));
  } else if (auto llama3 = dyn_cast_or_null<RopeLlama3Attr>(scaling)) {
    result.divisors = llama3FrequencyDivisors(
        llama3.getFactor().convertToDouble(), llama3.getLowFreqFactor().convertToDouble(),
        llama3.getHighFreqFactor().convertToDouble(), llama3.getOriginalContext(), theta, rotaryDims);
  } else if (auto yarn = dyn_cast_or_null<RopeYarnAttr>(scaling)) {
    yarnDivisors(yarn, theta, rotaryDims, result.divisors);
    result.attentionFactor = static_cast<float>(yarn.getAttentionFactor().convertToDouble());
  }
  return result;
}

} // namespace loom
