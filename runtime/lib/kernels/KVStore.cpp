//===- KVStore.cpp - loom_k_kv_store --------------------------------------===//
//
// Rows are contiguous on both sides, so appending n tokens to a cache is one
// copy per tensor, or two where a ring wraps: no pipeline, since a copy of a
// few KiB to a few MiB is memcpy's job and would gain nothing from threads.
// An F16 cache rounds each value on the way in: with F16C's vcvtps2ph on x86
// (every CPU the kernels run on has it), since the compiler's own conversion
// for the baseline target is a libgcc call per value (__truncsfhf2), which
// cost 2.6% of a Qwen3-0.6B prefill.
//
//===----------------------------------------------------------------------===//

#include "HalideBuffers.h"
#include "KernelErrors.h"
#include "RunPipeline.h"
#include "loom/Runtime/Kernels.h"

#include "loom_hl_kv_store.h"
#include "loom_hl_kv_store_f16.h"

#include <algorithm>
#include <cstring>

using namespace loom::kernels;

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace {

/// destination[i] = source[i] rounded to nearest even.
#if defined(__x86_64__)
__attribute__((target("avx,f16c"))) void roundToHalf(const float *source, int64_t count, _Float16 *destination) {
  constexpr int kRound = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
  int64_t i = 0;
  for (; i + 8 <= count; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i *>(destination + i),
                     _mm256_cvtps_ph(_mm256_loadu_ps(source + i), kRound));
  for (; i < count; ++i) {
    __m128i half = _mm_cvtps_ph(_mm_set_ss(source[i]), kRound);
    std::memcpy(destination + i, &half, sizeof(_Float16));
  }
}
#else
void roundToHalf(const float *source, int64_t count, _Float16 *destination) {
  for (int64_t i = 0; i < count; ++i)
    destination[i] = static_cast<_Float16>(source[i]);
}
#endif

/// Copies `count` floats into an F32 or F16 cache (F16: rounded to nearest even, as llama.cpp stores).
void store(const float *source, int64_t count, int64_t dtype, void *destination) {
  if (dtype == LOOM_DTYPE_F32) {
    std::memcpy(destination, source, size_t(count) * sizeof(float));
    return;
  }
  roundToHalf(source, count, static_cast<_Float16 *>(destination));
}

/// Copies n rows of `rowElements` to rows start % rows, ... of a buffer of `rows` rows.
void storeRows(const float *source, int64_t n, int64_t rowElements, int64_t start, int64_t rows, int64_t dtype,
               void *buffer) {
  const size_t elementBytes = dtype == LOOM_DTYPE_F16 ? 2 : 4;
  auto *bytes = static_cast<char *>(buffer);
  const int64_t first = start % rows;
  const int64_t beforeWrap = std::min(n, rows - first);
  store(source, beforeWrap * rowElements, dtype, bytes + size_t(first * rowElements) * elementBytes);
  if (beforeWrap < n)
    store(source + beforeWrap * rowElements, (n - beforeWrap) * rowElements, dtype, bytes);
}

/// storeRows on a GPU kit's device, where the cache stays (DeviceCopies.h): the kv_store pipeline writes the
/// rows into the cache's device memory.
void storeRowsOnDevice(const float *source, int64_t n, int64_t rowElements, int64_t start, int64_t rows,
                       int64_t dtype, void *buffer) {
  constexpr const char *kernel = "loom_k_kv_store";
  const bool half = dtype == LOOM_DTYPE_F16;
  auto sourceView = BufferView<2>::dense(source, kF32, {rowElements, n}, kernel);
  auto cacheView = BufferView<2>::dense(buffer, half ? kF16 : kF32, {rowElements, rows}, kernel);
  cacheView.keepCacheOnDevice(rows * rowElements * (half ? 2 : 4), kernel);
  runPipeline(kernel, half ? loom_hl_kv_store_f16 : loom_hl_kv_store, sourceView.get(),
              static_cast<int32_t>(start % rows), cacheView.get());
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
  if (cache->dtype != LOOM_DTYPE_F32 && cache->dtype != LOOM_DTYPE_F16)
    loom_kernel_fail("loom_k_kv_store: unsupported cache dtype %lld", static_cast<long long>(cache->dtype));
  if (n == 0)
    return;
  auto append = kitDeviceInterface() ? storeRowsOnDevice : storeRows;
  append(k, n, k_row_elems, start_pos, cache->rows, cache->dtype, cache->keys);
  if (v_row_elems > 0) // a latent cache has no values
    append(v, n, v_row_elems, start_pos, cache->rows, cache->dtype, cache->values);
}
