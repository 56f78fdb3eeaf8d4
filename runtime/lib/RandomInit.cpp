//===- RandomInit.cpp - Seeded random weights -----------------------------===//

#include "RandomInit.h"
#include "Error.h"
#include "Random.h"

#include "loom/Runtime/Kernels.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string_view>
#include <thread>
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

  std::atomic<size_t> next{0};
  auto fill = [&] {
    for (size_t b; (b = next.fetch_add(1)) < blocks.size();) {
      Random random(blocks[b].stream);
      for (size_t e = 0; e < blocks[b].count; ++e)
        blocks[b].data[e] = blocks[b].mean + stddev * static_cast<float>(random.normal());
    }
  };
  int32_t threads = std::max<int32_t>(1, loom_kernels_num_threads());
  std::vector<std::thread> workers;
  for (int32_t t = 1; t < threads; ++t)
    workers.emplace_back(fill);
  fill();
  for (std::thread &worker : workers)
    worker.join();
  return true;
}
