//===- QkLayout.cpp - Q/K projection rows between RoPE pairings -----------===//

#include "QkLayout.h"
#include "Error.h"

#include <string_view>
#include <vector>

using namespace loom::rt;

namespace {

/// The layer of "layers.<i>.<component>.q_proj.weight" and friends, or -1.
int64_t qkLayerOf(std::string_view name) {
  constexpr std::string_view prefix = "layers.";
  if (name.substr(0, prefix.size()) != prefix)
    return -1;
  bool projection = false;
  for (std::string_view suffix : {".q_proj.weight", ".q_proj.bias", ".k_proj.weight", ".k_proj.bias"})
    projection |= name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  if (!projection)
    return -1;
  int64_t layer = 0;
  size_t i = prefix.size();
  if (i >= name.size() || name[i] < '0' || name[i] > '9')
    return -1;
  for (; i < name.size() && name[i] >= '0' && name[i] <= '9' && layer < (int64_t(1) << 40); ++i)
    layer = layer * 10 + (name[i] - '0');
  return i < name.size() && name[i] == '.' ? layer : -1;
}

/// For each destination row of a [heads * headDim] projection, the source row it takes.
std::vector<int64_t> rowSources(int64_t rows, int64_t headDim, QkRowOrder from) {
  std::vector<int64_t> source(static_cast<size_t>(rows));
  int64_t half = headDim / 2;
  for (int64_t head = 0; head < rows / headDim; ++head)
    for (int64_t j = 0; j < half; ++j)
      for (int64_t s = 0; s < 2; ++s) {
        int64_t halfRow = head * headDim + s * half + j, interleavedRow = head * headDim + 2 * j + s;
        if (from == QkRowOrder::Half) // to interleaved
          source[size_t(interleavedRow)] = halfRow;
        else // from interleaved to half
          source[size_t(halfRow)] = interleavedRow;
      }
  return source;
}

} // namespace

bool loom::rt::adaptQkRows(const loom_model_desc &desc, QkRowOrder order, WeightStore &store,
                           const std::string &file) {
  if (order == QkRowOrder::AsSpec)
    return true;
  const int64_t fileLayout = order == QkRowOrder::Half ? LOOM_ROPE_HALF : LOOM_ROPE_INTERLEAVED;
  for (int64_t i = 0; i < desc.n_weights; ++i) {
    const loom_weight_desc &weight = desc.weights[i];
    int64_t layer = qkLayerOf(weight.name);
    if (layer < 0 || layer >= desc.n_layers)
      continue;
    const loom_layer_cache_desc &cache = desc.layers[layer];
    if (cache.rope_pairing == LOOM_ROPE_NONE || cache.rope_pairing == fileLayout)
      continue;
    int64_t rows = weight.shape[0];
    if (cache.rope_dims != cache.head_dim)
      return fail("'{}': tensor '{}' is stored for {} RoPE but layer {} rotates {} of {} dimensions in {} pairs; "
                  "reordering rows for partial RoPE is not supported",
                  file, weight.name, order == QkRowOrder::Half ? "half-paired" : "interleaved", layer,
                  cache.rope_dims, cache.head_dim, cache.rope_pairing == LOOM_ROPE_HALF ? "half" : "interleaved");
    if (cache.head_dim % 2 != 0 || rows % cache.head_dim != 0)
      return fail("'{}': tensor '{}' has {} rows, not whole heads of {} (even) dimensions", file, weight.name, rows,
                  cache.head_dim);
    if (!store.reorderRows(size_t(i), rows, rowSources(rows, cache.head_dim, order), weight.name))
      return false;
  }
  return true;
}
