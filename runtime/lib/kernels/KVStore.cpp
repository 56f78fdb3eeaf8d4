//===- KVStore.cpp - loom_k_kv_store --------------------------------------===//
//
// Rows are contiguous on both sides, so appending n tokens to a cache is one
// copy per tensor, or two where a ring wraps: no pipeline, since a copy of a
// few KiB to a few MiB is memcpy's job and would gain nothing from threads.
//
//===----------------------------------------------------------------------===//

#include "KernelErrors.h"
#include "loom/Runtime/Kernels.h"

#include <algorithm>
#include <cstring>

namespace {

/// Copies n rows of `rowElements` to rows start % rows, ... of a buffer of `rows` rows.
void storeRows(const float *source, int64_t n, int64_t rowElements, int64_t start, int64_t rows, float *buffer) {
  const int64_t first = start % rows;
  const int64_t beforeWrap = std::min(n, rows - first);
  std::memcpy(buffer + first * rowElements, source, size_t(beforeWrap * rowElements) * sizeof(float));
  if (beforeWrap < n)
    std::memcpy(buffer, source + beforeWrap * rowElements, size_t((n - beforeWrap) * rowElements) * sizeof(float));
}

} // namespace

void loom_k_kv_store(const float *k, const float *v, int64_t n, int64_t k_row_elems, int64_t v_row_elems,
                     int64_t start_pos, const loom_cache_view *cache) {
  if (n < 0 || k_row_elems < 0 || v_row_elems < 0 || start_pos < 0)
    loom_kernel_fail("loom_k_kv_store: negative size (n = %lld, row elements = %lld and %lld, start_pos = %lld)",
                     static_cast<long long>(n), static_cast<long long>(k_row_elems),
                     static_cast<long long>(v_row_elems), static_cast<long long>(start_pos));
  if (!cache || cache->rows <= 0 || n > cache->rows)
    loom_kernel_fail("loom_k_kv_store: %lld rows do not fit a cache of %lld rows", static_cast<long long>(n),
                     static_cast<long long>(cache ? cache->rows : 0));
  if (n == 0)
    return;
  storeRows(k, n, k_row_elems, start_pos, cache->rows, cache->keys);
  storeRows(v, n, v_row_elems, start_pos, cache->rows, cache->values);
}
