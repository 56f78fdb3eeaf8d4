//===- KVCache.h - The state behind a loom_kv_cache handle ------*- C++ -*-===//
//
// Layout: for every layer l, a K and a V buffer of [capacity, kv_heads(l),
// head_dim(l)] F32, row p holding the token at position p. Generated code and
// kernels index rows by absolute position, which is why every layer holds the
// whole capacity today.
//
// Design note, sliding-window layers: a layer with `window` W (mask
// SLIDING_WINDOW) never reads keys older than W positions, so it needs only a
// ring of W + max_chunk - 1 rows (a chunk's first query still sees W - 1 keys
// before the chunk while its last writes max_chunk new rows) indexed by
// position modulo the ring size. That needs the ring size in the kernel ABI
// (loom_k_kv_store and loom_k_attention take absolute rows now); once it is
// there, only this file's allocation and the per-layer row count passed to the
// generated forward change, and truncate() must refuse to move back further
// than the ring still holds. CHUNKED layers can do the same with `window` rows.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_KVCACHE_H
#define LOOM_RUNTIME_KVCACHE_H

#include "Memory.h"
#include "loom/Runtime/ModelABI.h"

#include <vector>

/// The keys and values of one sequence, for every layer.
struct loom_kv_cache {
  /// The model (library) the cache is laid out for.
  const loom_model_desc *desc = nullptr;
  /// Rows per layer: tokens the sequence may hold.
  int64_t capacity = 0;
  /// Tokens held: rows [0, position) of every layer are valid.
  int64_t position = 0;
  /// Bytes of K and V data over all layers (excluding alignment padding).
  size_t bytes = 0;
  /// One anonymous mapping holds every layer's K and V.
  loom::rt::MemoryMapping memory;
  /// Per layer, into `memory`; the arrays loom_generated_forward receives.
  std::vector<float *> keys;
  std::vector<float *> values;
};

#endif // LOOM_RUNTIME_KVCACHE_H
