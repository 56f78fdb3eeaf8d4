//===- Descriptor.cpp - Checks on the generated model descriptor ----------===//
//
// The descriptor comes from the compiler, not from a user, but a mismatch
// between compiler and runtime versions must surface as an error from
// loom_model_create rather than as a crash deep inside a forward pass.
//
//===----------------------------------------------------------------------===//

#include "Descriptor.h"
#include "Error.h"

#include <algorithm>
#include <string_view>
#include <vector>

using namespace loom::rt;

namespace {

bool validateRopeRows(const loom_weight_desc &weight) {
  if (weight.rope_pairing == LOOM_ROPE_NONE)
    return weight.rope_head_dim == 0 && weight.rope_dims == 0
               ? true
               : fail("invalid model descriptor: weight '{}' has RoPE rows without a pairing", weight.name);
  if ((weight.rope_pairing != LOOM_ROPE_HALF && weight.rope_pairing != LOOM_ROPE_INTERLEAVED) ||
      weight.rope_head_dim <= 0 || weight.rope_dims <= 0 || weight.rope_dims > weight.rope_head_dim ||
      weight.rope_dims % 2 != 0 || weight.rank < 1 || weight.shape[0] % weight.rope_head_dim != 0)
    return fail("invalid model descriptor: weight '{}' has RoPE pairing {} over {} of {} dimensions", weight.name,
                weight.rope_pairing, weight.rope_dims, weight.rope_head_dim);
  return true;
}

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
    if (!validateRopeRows(weight))
      return false;
    if (weight.layout != LOOM_LAYOUT_AS_STORED &&
        (weight.layout != LOOM_LAYOUT_PRODUCT_ROWS || weight.rank != 2))
      return fail("invalid model descriptor: weight '{}' has layout {} (0, or 1 for a matrix)", weight.name,
                  weight.layout);
    names.push_back(weight.name);
  }
  std::sort(names.begin(), names.end());
  auto duplicate = std::adjacent_find(names.begin(), names.end());
  if (duplicate != names.end())
    return fail("invalid model descriptor: weight '{}' is listed twice", *duplicate);
  return true;
}

bool validateCaches(const loom_model_desc &desc) {
  if (desc.n_caches < 0 || (desc.n_caches > 0 && !desc.caches))
    return fail("invalid model descriptor: {} caches but no cache table", desc.n_caches);
  int64_t bytesPerToken = 0;
  for (int64_t i = 0; i < desc.n_caches; ++i) {
    const loom_cache_desc &cache = desc.caches[i];
    if (cache.kind == LOOM_CACHE_RECURRENT) {
      int64_t elements, matrix;
      if (cache.kv_heads <= 0 || cache.key_dim <= 0 || cache.value_dim <= 0 || cache.window <= 0 ||
          cache.conv_channels <= 0 || __builtin_mul_overflow(cache.window, cache.conv_channels, &elements) ||
          __builtin_mul_overflow(cache.key_dim, cache.value_dim, &matrix) ||
          __builtin_mul_overflow(matrix, cache.kv_heads, &matrix) || __builtin_add_overflow(elements, matrix, &elements))
        return fail("invalid model descriptor: recurrent cache {} has {} heads of {} x {}, a window of {} and {} "
                    "convolution channels",
                    i, cache.kv_heads, cache.key_dim, cache.value_dim, cache.window, cache.conv_channels);
      continue;
    }
    if (cache.conv_channels != 0)
      return fail("invalid model descriptor: cache {} of kind {} has convolution channels", i, cache.kind);
    int64_t rowElements, rowBytes;
    // A latent cache (MLA) keeps one row of key_dim values per position and no values.
    const bool latent = cache.kind == LOOM_CACHE_LATENT;
    if (cache.kv_heads <= 0 || cache.key_dim <= 0 || (latent ? cache.value_dim != 0 || cache.kv_heads != 1
                                                              : cache.value_dim <= 0) ||
        __builtin_add_overflow(cache.key_dim, cache.value_dim, &rowElements) ||
        __builtin_mul_overflow(cache.kv_heads, rowElements, &rowElements) ||
        __builtin_mul_overflow(rowElements, int64_t(sizeof(float)), &rowBytes) ||
        __builtin_add_overflow(bytesPerToken, rowBytes, &bytesPerToken))
      return fail("invalid model descriptor: cache {} has {} heads of {} key and {} value elements", i,
                  cache.kv_heads, cache.key_dim, cache.value_dim);
    if (cache.kind != LOOM_CACHE_FULL && cache.kind != LOOM_CACHE_RING && cache.kind != LOOM_CACHE_CHUNK && !latent)
      return fail("invalid model descriptor: cache {} has unknown kind {}", i, cache.kind);
    if ((cache.kind == LOOM_CACHE_FULL || latent) != (cache.window == 0) || cache.window < 0 ||
        cache.window > desc.max_context)
      return fail("invalid model descriptor: cache {} of kind {} has window {}", i, cache.kind, cache.window);
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
  if (desc->n_rope_freq_divisors < 0 || (desc->n_rope_freq_divisors > 0 && !desc->rope_freq_divisors))
    return fail("invalid model descriptor: {} RoPE frequency divisors at {}", desc->n_rope_freq_divisors,
                static_cast<const void *>(desc->rope_freq_divisors));
  return validateWeights(*desc) && validateCaches(*desc);
}

int64_t loom::rt::kvBytesPerToken(const loom_model_desc &desc) {
  int64_t bytes = 0;
  for (int64_t i = 0; i < desc.n_caches; ++i)
    if (desc.caches[i].kind != LOOM_CACHE_RECURRENT)
      bytes += desc.caches[i].kv_heads * (desc.caches[i].key_dim + desc.caches[i].value_dim) * int64_t(sizeof(float));
  return bytes;
}
