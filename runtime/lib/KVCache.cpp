//===- KVCache.cpp - Per-sequence key/value caches ------------------------===//

#include "KVCache.h"
#include "Error.h"
#include "Model.h"
#include "PublicAPI.h"

#include <algorithm>
#include <new>

using namespace loom::rt;

namespace {

/// Lays out every layer's K and V in one allocation, each buffer starting on a
/// kBufferAlignment boundary. Anonymous memory is zero-filled and committed
/// page by page as rows are written, so a cache sized for a long context costs
/// little until the sequence grows: most sequences use a fraction of it.
bool allocateLayers(loom_kv_cache &cache) {
  const loom_model_desc &desc = *cache.desc;
  std::vector<size_t> offsets;
  size_t total = 0;
  for (int64_t l = 0; l < desc.n_layers; ++l) {
    const loom_layer_cache_desc &layer = desc.layers[l];
    size_t bytes;
    if (__builtin_mul_overflow(size_t(cache.capacity), size_t(layer.kv_heads * layer.head_dim) * sizeof(float),
                               &bytes) ||
        __builtin_add_overflow(cache.bytes, 2 * bytes, &cache.bytes))
      return fail("a KV cache of {} tokens does not fit in memory", cache.capacity);
    for (int kv = 0; kv < 2; ++kv) {
      offsets.push_back(total);
      size_t rounded;
      if (!roundUpToAlignment(bytes, rounded) || __builtin_add_overflow(total, rounded, &total))
        return fail("a KV cache of {} tokens does not fit in memory", cache.capacity);
    }
  }
  if (!cache.memory.mapAnonymous(total, "the KV cache"))
    return false;
  for (int64_t l = 0; l < desc.n_layers; ++l) {
    cache.keys.push_back(reinterpret_cast<float *>(cache.memory.data() + offsets[2 * l]));
    cache.values.push_back(reinterpret_cast<float *>(cache.memory.data() + offsets[2 * l + 1]));
  }
  return true;
}

} // namespace

loom_kv_cache *loom_kv_cache_create(const loom_model *model, int64_t max_context) {
  if (!model) {
    fail("loom_kv_cache_create: model is NULL");
    return nullptr;
  }
  if (max_context < 0) {
    fail("loom_kv_cache_create: max_context must be >= 0, got {}", max_context);
    return nullptr;
  }
  loom_kv_cache *cache = new (std::nothrow) loom_kv_cache;
  if (!cache) {
    fail("out of memory allocating a KV cache");
    return nullptr;
  }
  cache->desc = model->desc;
  const int64_t modelContext = model->desc->max_context;
  cache->capacity = max_context == 0 ? modelContext : std::min(max_context, modelContext);
  if (!allocateLayers(*cache)) {
    delete cache;
    return nullptr;
  }
  return cache;
}

void loom_kv_cache_free(loom_kv_cache *cache) { delete cache; }

int64_t loom_kv_cache_position(const loom_kv_cache *cache) {
  if (!cache) {
    fail("loom_kv_cache_position: cache is NULL");
    return -1;
  }
  return cache->position;
}

int64_t loom_kv_cache_capacity(const loom_kv_cache *cache) {
  if (!cache) {
    fail("loom_kv_cache_capacity: cache is NULL");
    return -1;
  }
  return cache->capacity;
}

// Rows at and past the new position are left as they are: a forward pass
// stores a token's K and V before any query can attend to its row.
int loom_kv_cache_truncate(loom_kv_cache *cache, int64_t position) {
  if (!cache)
    return failStatus("loom_kv_cache_truncate: cache is NULL");
  if (position < 0 || position > cache->position)
    return failStatus("cannot truncate the KV cache to position {}: it holds {} tokens", position,
                      cache->position);
  cache->position = position;
  return 0;
}

void loom_kv_cache_reset(loom_kv_cache *cache) {
  if (cache)
    cache->position = 0;
}

size_t loom_kv_cache_bytes(const loom_kv_cache *cache) { return cache ? cache->bytes : 0; }
