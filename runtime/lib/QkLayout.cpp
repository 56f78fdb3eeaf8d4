//===- QkLayout.cpp - Q/K projection rows between RoPE pairings -----------===//

#include "QkLayout.h"
#include "Error.h"

#include <string_view>
#include <vector>

using namespace loom::rt;

namespace {

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
    // The compiler marks the weights whose rows RoPE pairs (ModelABI.h); nothing is guessed from names.
    const loom_weight_desc &weight = desc.weights[i];
    if (weight.rope_pairing == LOOM_ROPE_NONE || weight.rope_pairing == fileLayout)
      continue;
    int64_t rows = weight.shape[0];
    if (weight.rope_dims != weight.rope_head_dim)
      return fail("'{}': tensor '{}' is stored for {} RoPE but the model rotates {} of {} dimensions in {} pairs; "
                  "reordering rows for partial RoPE is not supported",
                  file, weight.name, order == QkRowOrder::Half ? "half-paired" : "interleaved", weight.rope_dims,
                  weight.rope_head_dim, weight.rope_pairing == LOOM_ROPE_HALF ? "half" : "interleaved");
    if (!store.reorderRows(size_t(i), rows, rowSources(rows, weight.rope_head_dim, order), weight.name))
      return false;
  }
  return true;
}
