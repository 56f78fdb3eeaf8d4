//===- Gguf.h - A validating GGUF reader ------------------------*- C++ -*-===//
//
// GGUF (versions 2 and 3, little-endian), the format of llama.cpp/ggml:
//
//   "GGUF" u32 version, u64 tensor count, u64 metadata count
//   metadata:     { string key, u32 value type, value }      (string = u64 length, bytes)
//   tensor infos: { string name, u32 n_dims, u64 dims[n_dims], u32 ggml type, u64 offset }
//   padding to `general.alignment` (default 32), then the data section; each tensor's
//   offset is relative to the data section and a multiple of the alignment.
//
// Dimensions are ggml's, innermost first: a matrix of `rows` rows of `cols`
// elements has dims [cols, rows]. open() checks everything about the header,
// the metadata and every tensor before any of it is used; tensor data and
// strings point into the file's memory mapping (nothing is copied).
//
// The reader depends on nothing but the standard library and fmt, so that
// both the runtime (linked into every model library) and the `loom` tool
// compile it.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_GGUF_H
#define LOOM_RUNTIME_GGUF_H

#include "Memory.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace loom::rt {

/// Metadata value types; the values are the format's.
enum class GgufValueType : uint32_t {
  Uint8 = 0,
  Int8 = 1,
  Uint16 = 2,
  Int16 = 3,
  Uint32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  Uint64 = 10,
  Int64 = 11,
  Float64 = 12,
};

/// "uint32", "string", ...
const char *ggufValueTypeName(GgufValueType type);

/// A metadata value. Strings view the file's mapping. Arrays keep their
/// elements in the form that fits their element type: raw little-endian
/// scalars (read with element()), string views, or nested arrays.
struct GgufValue {
  GgufValueType type = GgufValueType::Uint8;
  uint64_t uintValue = 0;   ///< Unsigned integer types and bool.
  int64_t intValue = 0;     ///< Signed integer types.
  double floatValue = 0;    ///< Float32 and Float64.
  std::string_view string;  ///< String.

  GgufValueType elementType = GgufValueType::Uint8; ///< Array.
  uint64_t count = 0;                               ///< Array: number of elements.
  const uint8_t *scalars = nullptr;                 ///< Array of scalars: the raw elements.
  std::vector<std::string_view> strings;            ///< Array of strings.
  std::vector<GgufValue> arrays;                    ///< Array of arrays.

  bool isArray() const { return type == GgufValueType::Array; }
  /// Element `i` of an array (i < count) as a value of its own.
  GgufValue element(uint64_t i) const;
  /// Any integer type (or bool) whose value is >= 0.
  bool toUnsigned(uint64_t &out) const;
  /// Any integer or float type.
  bool toDouble(double &out) const;
};

struct GgufKeyValue {
  std::string_view key;
  GgufValue value;
};

/// The ggml tensor types the format can hold; values are ggml's type ids and
/// equal loom_dtype's (loom/Runtime/Tensor.h) for the types Loom supports.
enum GgmlType : uint32_t {
  kGgmlF32 = 0,
  kGgmlF16 = 1,
  kGgmlQ4_0 = 2,
  kGgmlQ4_1 = 3,
  kGgmlQ8_0 = 8,
  kGgmlQ4_K = 12,
  kGgmlQ6_K = 14,
  kGgmlBF16 = 30,
};

/// The name of a ggml type id ("Q4_K"), also for ids Loom does not support;
/// nullptr for an unknown id.
const char *ggmlTypeName(uint32_t type);
/// Elements per block and bytes per block of a type Loom supports; false for
/// any other type.
bool ggmlTypeBlock(uint32_t type, size_t &blockElements, size_t &blockBytes);

struct GgufTensor {
  std::string_view name;
  uint32_t type;      ///< A ggml type id (GgmlType).
  uint32_t nDims;     ///< 1 to 4.
  int64_t dims[4];    ///< ggml order, innermost first; unused dimensions are 1.
  uint64_t offset;    ///< In the data section.
  const uint8_t *data; ///< Inside the mapping.
  size_t bytes;
  int64_t elements;

  /// The shape in Loom's (row-major, outermost first) order: dims reversed.
  std::vector<int64_t> shape() const;
};

class GgufCursor;

class GgufFile {
public:
  /// Maps and validates the file. On failure records an error naming the
  /// file (and the key or tensor at fault) and returns false.
  bool open(const std::string &path);
  /// Validates `size` bytes at `data`, which must outlive this object; `name`
  /// stands for the file in messages.
  bool parse(const uint8_t *data, size_t size, const std::string &name);

  const std::string &path() const { return path_; }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  /// In file order.
  const std::vector<GgufKeyValue> &metadata() const { return metadata_; }
  const GgufValue *find(std::string_view key) const;
  /// In file order.
  const std::vector<GgufTensor> &tensors() const { return tensors_; }
  const GgufTensor *findTensor(std::string_view name) const;

  /// Hands the mapping to a caller that keeps tensors in use after this file
  /// object is gone; tensors() and metadata() still point into it.
  MemoryMapping releaseMapping() { return std::move(mapping_); }

private:
  bool parseTensorInfos(GgufCursor &cursor, uint64_t count);
  bool placeTensors(const uint8_t *dataSection, size_t dataBytes);

  std::string path_;
  MemoryMapping mapping_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  std::vector<GgufKeyValue> metadata_;
  std::vector<GgufTensor> tensors_;
};

/// Whether the file at `path` starts with the GGUF magic. False (and no error)
/// for a file that cannot be read: the caller's loader reports that.
bool isGgufFile(const std::string &path);

/// Tensor names. GGUF files of the llama family name weights as llama.cpp's
/// converter does ("blk.3.attn_q.weight"); Loom manifests as MLIRGen does
/// ("layers.3.attention.q_proj.weight"). False for a name outside the table.
bool ggufToLoomName(std::string_view gguf, std::string &loom);
bool loomToGgufName(std::string_view loom, std::string &gguf);

} // namespace loom::rt

#endif // LOOM_RUNTIME_GGUF_H
