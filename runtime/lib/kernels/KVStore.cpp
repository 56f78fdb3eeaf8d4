//===- KVStore.cpp - loom_k_kv_store --------------------------------------===//
//
// Rows are contiguous on both sides, so appending n tokens to a cache is one
// copy per tensor: no pipeline, since a copy of a few KiB to a few MiB is
// memcpy's job and would gain nothing from threads.
//
//===----------------------------------------------------------------------===//

#include "KernelErrors.h"
#include "loom/Runtime/Kernels.h"

#include <cstring>

void loom_k_kv_store(const float *k, const float *v, int64_t n, int64_t row_elems, int64_t start_pos, float *k_cache,
                     float *v_cache) {
  if (n < 0 || row_elems < 0 || start_pos < 0)
    loom_kernel_fail("loom_k_kv_store: negative size (n = %lld, row_elems = %lld, start_pos = %lld)",
                     static_cast<long long>(n), static_cast<long long>(row_elems),
                     static_cast<long long>(start_pos));
  size_t bytes = static_cast<size_t>(n * row_elems) * sizeof(float);
  if (bytes == 0)
    return;
  size_t offset = static_cast<size_t>(start_pos * row_elems);
  std::memcpy(k_cache + offset, k, bytes);
  std::memcpy(v_cache + offset, v, bytes);
}
