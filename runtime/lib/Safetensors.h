//===- Safetensors.h - A validating safetensors reader ----------*- C++ -*-===//
//
// Layout: an 8-byte little-endian header length N, N bytes of JSON mapping
// tensor names to {"dtype", "shape", "data_offsets": [begin, end]} (plus an
// optional "__metadata__" object), then the data section that the offsets,
// relative to its start, index. The file is memory-mapped so that tensors
// can be used in place; open() validates everything about every tensor before
// any of them is used.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_SAFETENSORS_H
#define LOOM_RUNTIME_SAFETENSORS_H

#include "Memory.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace loom::rt {

/// The element types of the safetensors format.
enum class SafetensorsDtype { BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64 };

/// The name the format spells `dtype` with ("F32").
const char *safetensorsDtypeName(SafetensorsDtype dtype);
size_t safetensorsDtypeSize(SafetensorsDtype dtype);

struct SafetensorsTensor {
  std::string name;
  SafetensorsDtype dtype;
  std::vector<int64_t> shape;
  const uint8_t *data; ///< Inside the file's mapping.
  size_t bytes;        ///< Exactly product(shape) * dtype size.
};

class SafetensorsFile {
public:
  /// Maps and validates the file. On failure records an error naming the
  /// file (and the tensor, if one is at fault) and returns false.
  bool open(const std::string &path);

  const std::string &path() const { return path_; }
  /// In header order.
  const std::vector<SafetensorsTensor> &tensors() const { return tensors_; }
  /// Hands the mapping to a caller that keeps tensors in use after this file
  /// object is gone; tensors() still point into it.
  MemoryMapping releaseMapping() { return std::move(mapping_); }

private:
  bool parseHeader(const uint8_t *header, size_t headerBytes, const uint8_t *dataSection, size_t dataBytes);
  bool checkNoOverlap() const;

  std::string path_;
  MemoryMapping mapping_;
  std::vector<SafetensorsTensor> tensors_;
};

} // namespace loom::rt

#endif // LOOM_RUNTIME_SAFETENSORS_H
