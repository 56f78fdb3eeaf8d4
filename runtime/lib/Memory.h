//===- Memory.h - Owned aligned buffers and memory mappings -----*- C++ -*-===//
//
// The runtime allocates large blocks (weights, scratch, KV caches) itself
// rather than through operator new: the build has no exceptions, so a failed
// `new` would abort, while these report failure as an error the caller returns.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_MEMORY_H
#define LOOM_RUNTIME_MEMORY_H

#include <cstddef>
#include <cstdint>

namespace loom::rt {

/// Alignment of every owned buffer: a cache line, and enough for any vector
/// load the kernels issue.
inline constexpr size_t kBufferAlignment = 64;

/// Rounds `bytes` up to a multiple of kBufferAlignment; false on overflow.
bool roundUpToAlignment(size_t bytes, size_t &rounded);

/// An owned, kBufferAlignment-aligned, uninitialized block of heap memory.
class AlignedBuffer {
public:
  AlignedBuffer() = default;
  AlignedBuffer(AlignedBuffer &&other) noexcept;
  AlignedBuffer &operator=(AlignedBuffer &&other) noexcept;
  AlignedBuffer(const AlignedBuffer &) = delete;
  AlignedBuffer &operator=(const AlignedBuffer &) = delete;
  ~AlignedBuffer();

  /// Allocates `bytes` (0 gives an empty buffer); on failure records an error
  /// naming `what` and returns false.
  bool allocate(size_t bytes, const char *what);

  void *data() const { return data_; }
  size_t size() const { return size_; }

private:
  void *data_ = nullptr;
  size_t size_ = 0;
};

/// An owned memory mapping: either a read-only view of a whole file or
/// anonymous zero-filled memory whose pages are committed on first touch.
class MemoryMapping {
public:
  MemoryMapping() = default;
  MemoryMapping(MemoryMapping &&other) noexcept;
  MemoryMapping &operator=(MemoryMapping &&other) noexcept;
  MemoryMapping(const MemoryMapping &) = delete;
  MemoryMapping &operator=(const MemoryMapping &) = delete;
  ~MemoryMapping();

  /// Maps the file at `path` read-only. An empty file gives an empty mapping.
  bool mapFile(const char *path);
  /// Maps `bytes` of anonymous memory (page-aligned, zero-filled).
  bool mapAnonymous(size_t bytes, const char *what);

  uint8_t *data() const { return static_cast<uint8_t *>(data_); }
  size_t size() const { return size_; }

private:
  void reset();

  void *data_ = nullptr;
  size_t size_ = 0;
};

/// Gives the whole pages of [data, data + bytes) in a file mapping back to the system (they are read
/// from the file again if touched): for mapped data that has been copied elsewhere.
void releaseMappedPages(const void *data, size_t bytes);

} // namespace loom::rt

#endif // LOOM_RUNTIME_MEMORY_H
