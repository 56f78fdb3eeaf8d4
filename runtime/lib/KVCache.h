//===- KVCache.h - The state behind a loom_kv_cache handle ------*- C++ -*-===//
//
// One sequence's caches: for every cache of the descriptor a K and a V buffer
// with as many rows as its kind needs (ModelABI.h): a full cache the capacity,
// a ring or chunk cache its window plus max_chunk - 1 rows (a chunk's first
// query still sees window - 1 keys before the chunk while the chunk writes
// max_chunk new rows), never more than the capacity. Position p lives in row
// p % rows, so generated code and kernels find every row from the view alone.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_KVCACHE_H
#define LOOM_RUNTIME_KVCACHE_H

#include "Memory.h"
#include "loom/Runtime/ModelABI.h"

#include <vector>

/// The keys and values of one sequence, for every cache of the model.
struct loom_kv_cache {
  /// The model (library) the cache is laid out for.
  const loom_model_desc *desc = nullptr;
  /// Tokens the sequence may hold.
  int64_t capacity = 0;
  /// Tokens held: positions [0, position) have been appended.
  int64_t position = 0;
  /// LOOM_DTYPE_F32 or LOOM_DTYPE_F16: the element type of every K and V row.
  int64_t dtype = 0;
  /// Bytes of K and V data over all caches (excluding alignment padding).
  size_t bytes = 0;
  /// One anonymous mapping holds every cache's K and V.
  loom::rt::MemoryMapping memory;
  /// Per descriptor cache, into `memory`: the array loom_generated_forward receives.
  std::vector<loom_cache_view> views;

  loom_kv_cache() = default;
  loom_kv_cache(const loom_kv_cache &) = delete;
  loom_kv_cache &operator=(const loom_kv_cache &) = delete;
  /// A GPU kit keeps the caches in device memory, keyed by this memory: it must forget them before the memory
  /// can hold another cache.
  ~loom_kv_cache();
};

namespace loom::rt {

/// Rows a cache of `desc` keeps for a sequence of `capacity` tokens.
int64_t cacheRows(const loom_model_desc &desc, const loom_cache_desc &cache, int64_t capacity);

/// The earliest position a sequence at `position` can be truncated to and still run: a ring or chunk cache
/// has overwritten the rows of older positions that the next query would need.
int64_t earliestTruncation(const loom_kv_cache &cache);

} // namespace loom::rt

#endif // LOOM_RUNTIME_KVCACHE_H
