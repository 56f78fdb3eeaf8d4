//===- RandomInit.cpp - Seeded random weights -----------------------------===//

#include "RandomInit.h"
#include "Error.h"
#include "Random.h"

#include "loom/Runtime/Kernels.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <string_view>
#include <vector>

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

  // Each block of a weight draws from its own stream, seeded from (seed, weight, block), so the
  // values do not depend on how many threads fill them: a 0.6B-parameter model initializes in
  // seconds instead of tens of seconds.
  constexpr size_t kBlock = size_t(1) << 18;
  struct Block {
    float *data;
    size_t count;
    float mean;
    uint64_t stream;
  };
  std::vector<Block> blocks;
  for (int64_t i = 0; i < desc.n_weights; ++i) {
    const loom_weight_desc &weight = desc.weights[i];
    size_t elements = 1;
    for (int64_t d = 0; d < weight.rank; ++d)
      elements *= static_cast<size_t>(weight.shape[d]); // Bounded by the descriptor check.
    float *data = store.allocateF32(size_t(i), elements, weight.name);
    if (!data)
      return false;
    const float mean = isNormScale(weight) ? 1.0f : 0.0f;
    for (size_t b = 0; b * kBlock < elements; ++b) {
      uint64_t stream = seed ^ (uint64_t(i) << 32) ^ b;
      blocks.push_back({data + b * kBlock, std::min(kBlock, elements - b * kBlock), mean, splitMix64(stream)});
    }
  }

  // One task per block: INT32_MAX blocks of 2^18 elements would be 2^49 weights, far past any descriptor.
  if (blocks.size() > size_t(INT32_MAX))
    return fail("random initialization of {} blocks exceeds the thread pool's task count", blocks.size());
  struct Fill {
    const std::vector<Block> &blocks;
    float stddev;
  } fill{blocks, stddev};
  loom_kernels_parallel_for(
      static_cast<int32_t>(blocks.size()),
      [](void *context, int32_t task) {
        const auto &[blocks, stddev] = *static_cast<Fill *>(context);
        const Block &block = blocks[size_t(task)];
        Random random(block.stream);
        for (size_t e = 0; e < block.count; ++e)
          block.data[e] = block.mean + stddev * static_cast<float>(random.normal());
      },
      &fill);
  return true;
}
