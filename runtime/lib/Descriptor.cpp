//===- Descriptor.cpp - Checks on the generated model descriptor ----------===//
//
// The descriptor comes from the compiler, not from a user, but a mismatch
// between compiler and runtime versions must surface as an error from
// loom_model_create rather than as a crash deep inside a forward pass.
//
//===----------------------------------------------------------------------===//

#include "Descriptor.h"
#include "Error.h"
#include "loom/Runtime/Kernels.h"

#include <algorithm>
#include <string_view>
#include <vector>

using namespace loom::rt;

namespace {

bool validateWeights(const loom_model_desc &desc) {
  if (desc.n_weights > 0 && !desc.weights)
    return fail("invalid model descriptor: {} weights but no weight table", desc.n_weights);
  std::vector<std::string_view> names;
  for (int64_t i = 0; i < desc.n_weights; ++i) {
    const loom_weight_desc &weight = desc.weights[i];
    if (!weight.name || !*weight.name)
      return fail("invalid model descriptor: weight {} has no name", i);
    if (weight.rank < 0 || weight.rank > LOOM_MAX_RANK)
      return fail("invalid model descriptor: weight '{}' has rank {} (at most {})", weight.name, weight.rank,
                  LOOM_MAX_RANK);
    int64_t elements = 1;
    for (int64_t d = 0; d < weight.rank; ++d)
      if (weight.shape[d] <= 0 || __builtin_mul_overflow(elements, weight.shape[d], &elements))
        return fail("invalid model descriptor: weight '{}' has dimension {} of size {}", weight.name, d,
                    weight.shape[d]);
    names.push_back(weight.name);
  }
  std::sort(names.begin(), names.end());
  auto duplicate = std::adjacent_find(names.begin(), names.end());
  if (duplicate != names.end())
    return fail("invalid model descriptor: weight '{}' is listed twice", *duplicate);
  return true;
}

bool validateLayers(const loom_model_desc &desc) {
  if (desc.n_layers > 0 && !desc.layers)
    return fail("invalid model descriptor: {} layers but no layer table", desc.n_layers);
  int64_t bytesPerToken = 0;
  for (int64_t l = 0; l < desc.n_layers; ++l) {
    const loom_layer_cache_desc &layer = desc.layers[l];
    int64_t layerBytes;
    if (layer.kv_heads <= 0 || layer.head_dim <= 0 ||
        __builtin_mul_overflow(layer.kv_heads, layer.head_dim, &layerBytes) ||
        __builtin_mul_overflow(layerBytes, int64_t(2 * sizeof(float)), &layerBytes) ||
        __builtin_add_overflow(bytesPerToken, layerBytes, &bytesPerToken))
      return fail("invalid model descriptor: layer {} has a KV cache of {} heads of {} elements", l,
                  layer.kv_heads, layer.head_dim);
    if (layer.mask != LOOM_MASK_GLOBAL && layer.mask != LOOM_MASK_SLIDING_WINDOW && layer.mask != LOOM_MASK_CHUNKED)
      return fail("invalid model descriptor: layer {} has unknown mask kind {}", l, layer.mask);
    if (layer.window < 0)
      return fail("invalid model descriptor: layer {} has window {}", l, layer.window);
    if (layer.rope_pairing < LOOM_ROPE_NONE || layer.rope_pairing > LOOM_ROPE_INTERLEAVED ||
        layer.rope_dims < 0 || layer.rope_dims > layer.head_dim || (layer.rope_pairing == LOOM_ROPE_NONE) != (layer.rope_dims == 0))
      return fail("invalid model descriptor: layer {} has RoPE pairing {} over {} of {} dimensions", l,
                  layer.rope_pairing, layer.rope_dims, layer.head_dim);
  }
  return true;
}

} // namespace

bool loom::rt::validateDescriptor(const loom_model_desc *desc) {
  if (!desc)
    return fail("the model library provides no descriptor");
  if (desc->abi_version != LOOM_ABI_VERSION)
    return fail("the model library has ABI version {} but this runtime implements version {}", desc->abi_version,
                LOOM_ABI_VERSION);
  if (desc->vocab <= 0 || desc->d_model <= 0 || desc->n_layers < 0 || desc->max_context <= 0 ||
      desc->max_chunk <= 0 || desc->scratch_bytes < 0 || desc->n_weights < 0)
    return fail("invalid model descriptor: vocab {}, d_model {}, n_layers {}, max_context {}, max_chunk {}, "
                "scratch_bytes {}, n_weights {}",
                desc->vocab, desc->d_model, desc->n_layers, desc->max_context, desc->max_chunk,
                desc->scratch_bytes, desc->n_weights);
  return validateWeights(*desc) && validateLayers(*desc);
}

int64_t loom::rt::kvBytesPerToken(const loom_model_desc &desc) {
  int64_t bytes = 0;
  for (int64_t l = 0; l < desc.n_layers; ++l)
    bytes += 2 * desc.layers[l].kv_heads * desc.layers[l].head_dim * int64_t(sizeof(float));
  return bytes;
}
