//===- Memory.cpp - Owned aligned buffers and memory mappings -------------===//

#include "Memory.h"
#include "Error.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

using namespace loom::rt;

bool loom::rt::roundUpToAlignment(size_t bytes, size_t &rounded) {
  if (bytes > SIZE_MAX - (kBufferAlignment - 1))
    return false;
  rounded = (bytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
  return true;
}

AlignedBuffer::AlignedBuffer(AlignedBuffer &&other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

AlignedBuffer &AlignedBuffer::operator=(AlignedBuffer &&other) noexcept {
  if (this != &other) {
    std::free(data_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

AlignedBuffer::~AlignedBuffer() { std::free(data_); }

bool AlignedBuffer::allocate(size_t bytes, const char *what) {
  std::free(data_);
  data_ = nullptr;
  size_ = 0;
  if (bytes == 0)
    return true;
  size_t rounded;
  // aligned_alloc requires the size to be a multiple of the alignment.
  if (!roundUpToAlignment(bytes, rounded) || !(data_ = std::aligned_alloc(kBufferAlignment, rounded)))
    return fail("out of memory allocating {} bytes for {}", bytes, what);
  size_ = bytes;
  return true;
}

MemoryMapping::MemoryMapping(MemoryMapping &&other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

MemoryMapping &MemoryMapping::operator=(MemoryMapping &&other) noexcept {
  if (this != &other) {
    reset();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

MemoryMapping::~MemoryMapping() { reset(); }

void MemoryMapping::reset() {
  if (data_)
    munmap(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

bool MemoryMapping::mapFile(const char *path) {
  reset();
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail("cannot open '{}': {}", path, std::strerror(errno));
  struct stat info;
  if (fstat(fd, &info) != 0) {
    int error = errno;
    close(fd);
    return fail("cannot stat '{}': {}", path, std::strerror(error));
  }
  if (!S_ISREG(info.st_mode)) {
    close(fd);
    return fail("'{}' is not a regular file", path);
  }
  // mmap rejects a zero length; an empty file is reported by the reader.
  if (info.st_size == 0) {
    close(fd);
    return true;
  }
  void *data = mmap(nullptr, static_cast<size_t>(info.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  int error = errno;
  // The mapping keeps the file's contents reachable; the descriptor is not needed.
  close(fd);
  if (data == MAP_FAILED)
    return fail("cannot map '{}': {}", path, std::strerror(error));
  data_ = data;
  size_ = static_cast<size_t>(info.st_size);
  return true;
}

bool MemoryMapping::mapAnonymous(size_t bytes, const char *what) {
  reset();
  if (bytes == 0)
    return true;
  void *data = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (data == MAP_FAILED)
    return fail("out of memory mapping {} bytes for {}: {}", bytes, what, std::strerror(errno));
  data_ = data;
  size_ = bytes;
  return true;
}

void loom::rt::releaseMappedPages(const void *data, size_t bytes) {
  const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<uintptr_t>(data);
  const uintptr_t first = (begin + page - 1) / page * page, last = (begin + bytes) / page * page;
  // Advice only: on failure the pages stay resident, which costs memory and nothing else.
  if (last > first)
    (void)madvise(reinterpret_cast<void *>(first), last - first, MADV_DONTNEED);
}
