//===- KVCache.cpp - Per-sequence key/value caches ------------------------===//

#include "KVCache.h"
#include "Error.h"
#include "Model.h"
#include "PublicAPI.h"
#include "loom/Runtime/Kernels.h"

#include <algorithm>
#include <new>

using namespace loom::rt;

int64_t loom::rt::cacheRows(const loom_model_desc &desc, const loom_cache_desc &cache, int64_t capacity) {
  if (cache.kind == LOOM_CACHE_FULL || cache.kind == LOOM_CACHE_LATENT)
    return capacity;
  if (cache.kind == LOOM_CACHE_RECURRENT)
    return cache.window;
  return std::min(capacity, cache.window + desc.max_chunk - 1);
}

int64_t loom::rt::earliestTruncation(const loom_kv_cache &cache) {
  int64_t earliest = 0;
  for (int64_t i = 0; i < cache.desc->n_caches; ++i) {
    const loom_cache_desc &c = cache.desc->caches[i];
    const int64_t rows = cache.views[size_t(i)].rows;
    if (c.kind == LOOM_CACHE_RECURRENT)
      return cache.position; // the state holds no earlier position than the last
    if (c.kind == LOOM_CACHE_FULL || c.kind == LOOM_CACHE_LATENT || cache.position <= rows)
      continue; // nothing overwritten yet
    // Rows hold positions [position - rows, position). A query at p needs keys from p - window + 1 (ring) or
    // from the start of its chunk (chunk), so p may restart there only if those keys are still held.
    const int64_t oldestHeld = cache.position - rows;
    if (c.kind == LOOM_CACHE_RING) {
      earliest = std::max(earliest, oldestHeld + c.window - 1);
    } else {
      // Any p at or after the held positions whose chunk start is held: the chunk containing oldestHeld
      // starts at or before it, so p must be in a later chunk unless oldestHeld is a chunk start.
      const int64_t chunkStart = (oldestHeld + c.window - 1) / c.window * c.window;
      earliest = std::max(earliest, std::min(chunkStart, cache.position));
    }
  }
  return std::min(earliest, cache.position);
}

namespace {

/// Lays out every cache's K and V in one allocation, each buffer starting on a
/// kBufferAlignment boundary. Anonymous memory is zero-filled and committed
/// page by page as rows are written, so a full cache sized for a long context
/// costs little until the sequence grows.
bool allocateCaches(loom_kv_cache &cache) {
  const loom_model_desc &desc = *cache.desc;
  std::vector<size_t> offsets;
  std::vector<int64_t> rows;
  size_t total = 0;
  for (int64_t i = 0; i < desc.n_caches; ++i) {
    const loom_cache_desc &c = desc.caches[i];
    rows.push_back(loom::rt::cacheRows(desc, c, cache.capacity));
    // A recurrent state is F32 whatever the rows of the other caches are: its convolution's last inputs, then a
    // [key_dim, value_dim] matrix per head (ModelABI.h).
    const bool recurrent = c.kind == LOOM_CACHE_RECURRENT;
    const size_t elementBytes = !recurrent && cache.dtype == LOOM_DTYPE_F16 ? 2 : 4;
    const int64_t rowElements[] = {recurrent ? c.conv_channels : c.kv_heads * c.key_dim,
                                   recurrent ? c.kv_heads * c.key_dim * c.value_dim : c.kv_heads * c.value_dim};
    const int64_t bufferRows[] = {rows.back(), recurrent ? 1 : rows.back()};
    for (int buffer = 0; buffer < 2; ++buffer) {
      size_t bytes, rounded;
      if (__builtin_mul_overflow(size_t(bufferRows[buffer]), size_t(rowElements[buffer]) * elementBytes, &bytes) ||
          __builtin_add_overflow(cache.bytes, bytes, &cache.bytes) || !roundUpToAlignment(bytes, rounded) ||
          __builtin_add_overflow(total, rounded, &total))
        return fail("a KV cache of {} tokens does not fit in memory", cache.capacity);
      offsets.push_back(total - rounded);
    }
  }
  if (!cache.memory.mapAnonymous(total, "the KV cache"))
    return false;
  for (int64_t i = 0; i < desc.n_caches; ++i)
    cache.views.push_back({cache.memory.data() + offsets[size_t(2 * i)],
                           cache.memory.data() + offsets[size_t(2 * i + 1)], rows[size_t(i)],
                           desc.caches[i].kind == LOOM_CACHE_RECURRENT ? int64_t(LOOM_DTYPE_F32) : cache.dtype});
  return true;
}

} // namespace

loom_kv_cache *loom_kv_cache_create(const loom_model *model, int64_t max_context) {
  return loom_kv_cache_create_typed(model, max_context, LOOM_DTYPE_F32);
}

loom_kv_cache *loom_kv_cache_create_typed(const loom_model *model, int64_t max_context, int32_t kv_dtype) {
  if (!model) {
    fail("loom_kv_cache_create: model is NULL");
    return nullptr;
  }
  if (max_context < 0) {
    fail("loom_kv_cache_create: max_context must be >= 0, got {}", max_context);
    return nullptr;
  }
  if (kv_dtype != LOOM_DTYPE_F32 && kv_dtype != LOOM_DTYPE_F16) {
    fail("loom_kv_cache_create: the KV element type must be F32 (0) or F16 (1), got {}", kv_dtype);
    return nullptr;
  }
  loom_kv_cache *cache = new (std::nothrow) loom_kv_cache;
  if (!cache) {
    fail("out of memory allocating a KV cache");
    return nullptr;
  }
  cache->desc = model->desc;
  cache->dtype = kv_dtype;
  const int64_t modelContext = model->desc->max_context;
  cache->capacity = max_context == 0 ? modelContext : std::min(max_context, modelContext);
  if (!allocateCaches(*cache)) {
    delete cache;
    return nullptr;
  }
  return cache;
}

loom_kv_cache::~loom_kv_cache() {
  loom_kernels_forget_device_copies(memory.data(), static_cast<int64_t>(memory.size()));
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
// stores a token's K and V before any query can attend to its row. A ring or
// chunk cache can only roll back as far as it still holds the keys the next
// query needs, a recurrent state not at all; position 0 (a new sequence) is
// always possible, and the kernels start a state from zeros there.
int loom_kv_cache_truncate(loom_kv_cache *cache, int64_t position) {
  if (!cache)
    return failStatus("loom_kv_cache_truncate: cache is NULL");
  if (position < 0 || position > cache->position)
    return failStatus("cannot truncate the KV cache to position {}: it holds {} tokens", position,
                      cache->position);
  const int64_t earliest = earliestTruncation(*cache);
  const bool recurrent = std::any_of(cache->desc->caches, cache->desc->caches + cache->desc->n_caches,
                                     [](const loom_cache_desc &c) { return c.kind == LOOM_CACHE_RECURRENT; });
  if (recurrent && position != 0 && position < earliest)
    return failStatus("cannot truncate the KV cache to position {}: the model's recurrent (linear-attention) "
                      "layers keep one state that has absorbed every token so far, which cannot roll back; only "
                      "position {} or 0 (a new sequence) are possible",
                      position, earliest);
  if (position != 0 && position < earliest)
    return failStatus("cannot truncate the KV cache to position {}: its sliding-window or chunked layers keep "
                      "only recent positions, so it can roll back to position {} at the earliest (or to 0)",
                      position, earliest);
  cache->position = position;
  return 0;
}

void loom_kv_cache_reset(loom_kv_cache *cache) {
  if (cache)
    cache->position = 0;
}

size_t loom_kv_cache_bytes(const loom_kv_cache *cache) { return cache ? cache->bytes : 0; }
