//===- FileIO.h - Whole-file reads and writes for the loom-*-rows tools -*- C++ -*-===//
//
// The tools that run one kernel on files for the Python reference tests
// (test/reference/test_ggml_*.py) read and write raw little-endian arrays.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TEST_KERNELS_FILEIO_H
#define LOOM_TEST_KERNELS_FILEIO_H

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

namespace loom::test {

/// The bytes of `path`; false (with a message) if it cannot be read.
inline bool readBytes(const char *path, std::vector<unsigned char> &bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path);
    return false;
  }
  bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

/// Exactly `count` F32 values from `path`; false (with a message) otherwise.
inline bool readFloats(const char *path, size_t count, std::vector<float> &values) {
  std::vector<unsigned char> bytes;
  if (!readBytes(path, bytes))
    return false;
  if (bytes.size() != count * sizeof(float)) {
    std::fprintf(stderr, "%s holds %zu bytes, expected %zu floats\n", path, bytes.size(), count);
    return false;
  }
  values.resize(count);
  std::memcpy(values.data(), bytes.data(), bytes.size());
  return true;
}

inline void writeFloats(const char *path, const std::vector<float> &values) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char *>(values.data()), static_cast<std::streamsize>(values.size() * 4));
}

} // namespace loom::test

#endif // LOOM_TEST_KERNELS_FILEIO_H
