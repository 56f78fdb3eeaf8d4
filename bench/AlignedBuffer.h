//===- AlignedBuffer.h - Cache-line-aligned benchmark memory ---*- C++ -*-===//
#ifndef LOOM_BENCH_ALIGNEDBUFFER_H
#define LOOM_BENCH_ALIGNEDBUFFER_H

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace loom::bench {

/// `bytes` of uninitialized memory on a 64-byte boundary, as the runtime allocates weights and caches.
class AlignedBuffer {
public:
  explicit AlignedBuffer(size_t bytes)
      : size(bytes), memory(static_cast<std::byte *>(std::aligned_alloc(64, (bytes + 63) / 64 * 64))) {
    if (!memory) {
      std::fprintf(stderr, "loom-bench-kernels: cannot allocate %zu bytes\n", bytes);
      std::abort();
    }
  }

  void *data() { return memory.get(); }
  const void *data() const { return memory.get(); }
  size_t bytes() const { return size; }

  template <typename T> T *as() { return reinterpret_cast<T *>(memory.get()); }
  template <typename T> const T *as() const { return reinterpret_cast<const T *>(memory.get()); }

private:
  struct Free {
    void operator()(std::byte *p) const { std::free(p); }
  };
  size_t size;
  std::unique_ptr<std::byte, Free> memory;
};

} // namespace loom::bench

#endif // LOOM_BENCH_ALIGNEDBUFFER_H
