//===- RopeFreqs.cpp - A GGUF file's Llama 3.1 RoPE table -----------------===//
#include "RopeFreqs.h"

#include "Error.h"

#include <cmath>
#include <cstring>

using namespace loom::rt;

namespace {
/// The converter computes the unscaled frequencies with torch's F32 pow and Loom with the C library's, which
/// may differ by an ulp; that moves a blended divisor by about 1e-7 of itself. A different factor, band or
/// original context moves the blended divisors by far more than this.
constexpr double kRelativeTolerance = 1e-5;
} // namespace

bool loom::rt::checkRopeFreqs(const loom_model_desc &desc, const GgufTensor &tensor, const std::string &path) {
  if (desc.n_rope_freq_divisors == 0)
    return fail("'{}': tensor '{}' holds Llama 3.1 RoPE frequency factors, but the model's RoPE has no llama3 "
                "scaling (give its RoPE scaling = llama3(...), as `loom import` of this file does)",
                path, tensor.name);
  if (tensor.type != kGgmlF32 || tensor.nDims != 1 || tensor.dims[0] != desc.n_rope_freq_divisors)
    return fail("'{}': tensor '{}' is {} with {} elements, but the model's llama3 RoPE scaling has {} F32 "
                "frequency factors",
                path, tensor.name, ggmlTypeName(tensor.type), tensor.elements, desc.n_rope_freq_divisors);
  for (int64_t j = 0; j < desc.n_rope_freq_divisors; ++j) {
    float stored;
    std::memcpy(&stored, tensor.data + j * sizeof(float), sizeof(float)); // GGUF data is only 1-byte aligned
    double expected = desc.rope_freq_divisors[j];
    if (!(std::fabs(double(stored) - expected) <= kRelativeTolerance * std::fabs(expected)))
      return fail("'{}': tensor '{}' gives RoPE pair {} the frequency factor {}, but the spec's llama3 scaling "
                  "implies {}: the file was made for other RoPE scaling parameters",
                  path, tensor.name, j, stored, expected);
  }
  return true;
}
