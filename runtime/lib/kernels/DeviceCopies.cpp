//===- DeviceCopies.cpp - What a GPU kit keeps in device memory -----------===//
//
// One registry per process, since the kernels' C ABI passes weights and caches
// as pointers into the runtime's memory and several models may share a
// process.
//   - Weights are keyed by the host bytes a copy mirrors (first byte and span):
//     views of one weight always span the same bytes (a matrix, or one expert
//     of a stack), so equal keys mean the same data in the same layout.
//   - A cache is keyed by its first byte. Its views start there and grow with
//     the sequence, so its device memory is allocated once for the whole
//     cache, and each view is given the same device memory.
// A cache's state says which side holds the newer rows. Halide keeps the
// flags of a view coherent within one pipeline call (copying when a host stage
// reads device rows); keepDeviceCopy carries them back into the state.
//
// LOOM_DEVICE_STATS=1 in the environment prints, at exit, how many copies
// were made and how often one was used again: the check that weights and
// caches cross to the device once (test/e2e/targets_opencl.test).
//
//===----------------------------------------------------------------------===//

#include "DeviceCopies.h"

#include "HalideBuffers.h"
#include "KernelErrors.h"
#include "loom/Runtime/Kernels.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <vector>

namespace {

using loom::kernels::kitDeviceInterface;

struct WeightKey {
  const uint8_t *host;
  size_t bytes;
  auto operator<=>(const WeightKey &) const = default;
};

struct WeightCopy {
  uint64_t device = 0; ///< 0 until a pipeline with a GPU schedule has copied the bytes.
  halide_type_t type;
  std::vector<halide_dimension_t> dims; ///< The shape it was allocated with, which freeing it needs.
};

struct CacheCopy {
  enum class Newer { Neither, Device, Host };
  uint64_t device = 0;
  size_t bytes = 0;
  Newer newer = Newer::Neither;
};

/// The whole of a cache, as bytes: how its device memory is allocated, filled, read back and freed.
halide_buffer_t wholeCache(const uint8_t *host, size_t bytes, uint64_t device, halide_dimension_t &dim) {
  dim = halide_dimension_t(0, static_cast<int32_t>(bytes), 1);
  halide_buffer_t buffer{};
  buffer.host = const_cast<uint8_t *>(host);
  buffer.device = device;
  buffer.device_interface = device ? kitDeviceInterface() : nullptr;
  buffer.type = halide_type_t(halide_type_uint, 8);
  buffer.dimensions = 1;
  buffer.dim = &dim;
  return buffer;
}

class Registry {
public:
  ~Registry() {
    if (const char *stats = std::getenv("LOOM_DEVICE_STATS"); stats && *stats && *stats != '0')
      std::fprintf(stderr,
                   "loom: device copies: weights %lld made (%lld bytes), %lld reused; caches %lld made "
                   "(%lld bytes), %lld reused, %lld read back whole\n",
                   static_cast<long long>(weightsMade), static_cast<long long>(weightBytes),
                   static_cast<long long>(weightsReused), static_cast<long long>(cachesMade),
                   static_cast<long long>(cacheBytes), static_cast<long long>(cachesReused),
                   static_cast<long long>(cachesReadBack));
  }

  void attachWeights(halide_buffer_t *view) {
    std::lock_guard<std::mutex> lock(mutex);
    auto [entry, inserted] = weights.try_emplace(weightKey(view));
    if (inserted || !entry->second.device)
      return;
    view->device = entry->second.device;
    view->device_interface = kitDeviceInterface();
    // The device holds the same bytes: nothing to copy.
    view->set_host_dirty(false);
    ++weightsReused;
  }

  void attachCache(halide_buffer_t *view, size_t bytes, const char *kernel) {
    std::lock_guard<std::mutex> lock(mutex);
    CacheCopy &cache = caches[view->host];
    if (!cache.device) {
      // The whole cache is one 1-D buffer of bytes, indexed with int32 as every Halide buffer is.
      loom::kernels::toInt32(static_cast<int64_t>(bytes), kernel, "a KV cache's bytes");
      cache = {0, bytes, CacheCopy::Newer::Host};
      ++cachesMade;
      cacheBytes += static_cast<int64_t>(bytes);
    } else {
      if (bytes > cache.bytes)
        loom_kernel_fail("%s: a view of %zu bytes of a KV cache whose device copy has %zu", kernel, bytes,
                         cache.bytes);
      ++cachesReused;
    }
    if (cache.newer == CacheCopy::Newer::Host) {
      // First use (the allocation is made here) or host code wrote it: the host's rows go to the device.
      halide_dimension_t dim;
      halide_buffer_t whole = wholeCache(view->host, cache.bytes, cache.device, dim);
      whole.set_host_dirty(true);
      if (int status = halide_copy_to_device(nullptr, &whole, kitDeviceInterface()); status != 0)
        loom_kernel_fail("%s: copying a KV cache of %zu bytes to the device failed with error %d", kernel,
                         cache.bytes, status);
      cache.device = whole.device;
      cache.newer = CacheCopy::Newer::Neither;
    }
    view->device = cache.device;
    view->device_interface = kitDeviceInterface();
    view->set_host_dirty(false);
    view->set_device_dirty(cache.newer == CacheCopy::Newer::Device);
  }

  void cacheToHost(const void *host, const char *kernel) {
    std::lock_guard<std::mutex> lock(mutex);
    auto entry = caches.find(static_cast<const uint8_t *>(host));
    if (entry == caches.end() || entry->second.newer != CacheCopy::Newer::Device)
      return;
    halide_dimension_t dim;
    halide_buffer_t whole = wholeCache(entry->first, entry->second.bytes, entry->second.device, dim);
    whole.set_device_dirty(true);
    if (int status = halide_copy_to_host(nullptr, &whole); status != 0)
      loom_kernel_fail("%s: copying a KV cache back from the device failed with error %d", kernel, status);
    entry->second.newer = CacheCopy::Newer::Neither;
    ++cachesReadBack;
  }

  bool keep(halide_buffer_t *buffer) {
    std::lock_guard<std::mutex> lock(mutex);
    if (auto entry = weights.find(weightKey(buffer)); entry != weights.end()) {
      WeightCopy &copy = entry->second;
      if (!copy.device) {
        copy.device = buffer->device;
        copy.type = buffer->type;
        copy.dims.assign(buffer->dim, buffer->dim + buffer->dimensions);
        ++weightsMade;
        weightBytes += static_cast<int64_t>(entry->first.bytes);
      }
    } else if (auto cache = caches.find(buffer->host); cache != caches.end() && buffer->device == cache->second.device) {
      // A device stage wrote the view, or a host stage did; otherwise whichever side was newer still is (a
      // host stage that read a view got only the view's rows).
      if (buffer->device_dirty())
        cache->second.newer = CacheCopy::Newer::Device;
      else if (buffer->host_dirty())
        cache->second.newer = CacheCopy::Newer::Host;
    } else {
      return false;
    }
    buffer->device = 0;
    buffer->device_interface = nullptr;
    buffer->flags = 0;
    return true;
  }

  void forget(const void *data, size_t bytes) {
    const auto *begin = static_cast<const uint8_t *>(data);
    std::lock_guard<std::mutex> lock(mutex);
    for (auto entry = weights.lower_bound({begin, 0}); entry != weights.end() && entry->first.host < begin + bytes;) {
      if (entry->second.device)
        freeWeights(entry->first, entry->second);
      entry = weights.erase(entry);
    }
    for (auto entry = caches.lower_bound(begin); entry != caches.end() && entry->first < begin + bytes;) {
      halide_dimension_t dim;
      halide_buffer_t whole = wholeCache(entry->first, entry->second.bytes, entry->second.device, dim);
      // A failure to free leaks device memory but harms no result; Halide's handler has printed it.
      (void)halide_device_free(nullptr, &whole);
      entry = caches.erase(entry);
    }
  }

private:
  static WeightKey weightKey(const halide_buffer_t *buffer) { return {buffer->begin(), buffer->size_in_bytes()}; }

  static void freeWeights(const WeightKey &key, WeightCopy &copy) {
    halide_buffer_t buffer{};
    buffer.device = copy.device;
    buffer.device_interface = kitDeviceInterface();
    buffer.host = const_cast<uint8_t *>(key.host);
    buffer.type = copy.type;
    buffer.dimensions = static_cast<int32_t>(copy.dims.size());
    buffer.dim = copy.dims.data();
    (void)halide_device_free(nullptr, &buffer);
  }

  std::mutex mutex;
  std::map<WeightKey, WeightCopy> weights;
  std::map<const uint8_t *, CacheCopy> caches;
  int64_t weightsMade = 0, weightBytes = 0, weightsReused = 0;
  int64_t cachesMade = 0, cacheBytes = 0, cachesReused = 0, cachesReadBack = 0;
};

Registry &registry() {
  static Registry instance;
  return instance;
}

} // namespace

void loom::kernels::attachDeviceWeights(halide_buffer_t *weights) {
  if (kitDeviceInterface())
    registry().attachWeights(weights);
}

void loom::kernels::attachDeviceCache(halide_buffer_t *view, size_t cacheBytes, const char *kernel) {
  if (kitDeviceInterface())
    registry().attachCache(view, cacheBytes, kernel);
}

void loom::kernels::cacheToHost(const void *cache, const char *kernel) {
  if (kitDeviceInterface())
    registry().cacheToHost(cache, kernel);
}

bool loom::kernels::keepDeviceCopy(halide_buffer_t *buffer) {
  return kitDeviceInterface() && registry().keep(buffer);
}

void loom_kernels_forget_device_copies(const void *data, int64_t bytes) {
  if (kitDeviceInterface() && data && bytes > 0)
    registry().forget(data, static_cast<size_t>(bytes));
}
