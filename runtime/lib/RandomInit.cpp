//===- RandomInit.cpp - Seeded random weights -----------------------------===//

#include "RandomInit.h"
#include "Error.h"
#include "Random.h"

#include <cmath>
#include <string_view>

using namespace loom::rt;

namespace {

bool isNormScale(const loom_weight_desc &weight) {
  std::string_view name = weight.name;
  std::string_view suffix = "norm.weight";
  return weight.rank == 1 && name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
}

} // namespace

bool loom::rt::initRandomWeights(const loom_model_desc &desc, uint64_t seed, float stddev, WeightStore &store) {
  if (!std::isfinite(stddev) || stddev < 0)
    return fail("random initialization needs a finite stddev >= 0, got {}", stddev);
  Random random(seed);
  for (int64_t i = 0; i < desc.n_weights; ++i) {
    const loom_weight_desc &weight = desc.weights[i];
    size_t elements = 1;
    for (int64_t d = 0; d < weight.rank; ++d)
      elements *= static_cast<size_t>(weight.shape[d]); // Bounded by the descriptor check.
    float *data = store.allocateF32(size_t(i), elements, weight.name);
    if (!data)
      return false;
    const float mean = isNormScale(weight) ? 1.0f : 0.0f;
    for (size_t e = 0; e < elements; ++e)
      data[e] = mean + stddev * static_cast<float>(random.normal());
  }
  return true;
}
