//===- GgufWriter.h - Building GGUF files in tests --------------*- C++ -*-===//
//
// A GGUF image assembled field by field. Well-formed by default (version 3,
// 32-byte alignment, tensors packed in order, each padded to the alignment);
// every field a corrupt-file test needs can be overridden, and tests may also
// cut or patch the built bytes.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TEST_RUNTIME_GGUFWRITER_H
#define LOOM_TEST_RUNTIME_GGUFWRITER_H

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace loom::test::gguf {

/// Value types, as the format numbers them.
enum ValueType : uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};

/// ggml type ids.
enum TensorType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ8_0 = 8,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kBF16 = 30,
};

template <typename T>
std::string le(T value) {
  std::string bytes(sizeof(T), '\0');
  std::memcpy(bytes.data(), &value, sizeof(T));
  return bytes;
}

inline std::string str(const std::string &text) { return le<uint64_t>(text.size()) + text; }

/// An array value (after its key and kArray type): element type, count, elements.
inline std::string array(uint32_t elementType, uint64_t count, const std::string &elements) {
  return le(elementType) + le(count) + elements;
}

inline std::string stringArray(const std::vector<std::string> &items) {
  std::string elements;
  for (const std::string &item : items)
    elements += str(item);
  return array(kString, items.size(), elements);
}

inline std::string f32Data(const std::vector<float> &values) {
  std::string bytes;
  for (float value : values)
    bytes += le(value);
  return bytes;
}

/// Nearest-even F16 bits of `value`; exact for normal halves and zero.
inline uint16_t f16Bits(float value) {
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  const uint16_t sign = uint16_t((bits >> 16) & 0x8000);
  if ((bits & 0x7FFFFFFF) == 0)
    return sign;
  const int exponent = int((bits >> 23) & 0xFF) - 127 + 15;
  uint32_t mantissa = bits & 0x7FFFFF;
  uint32_t half = uint32_t(exponent) << 10 | mantissa >> 13;
  const uint32_t rest = mantissa & 0x1FFF;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1)))
    ++half;
  return uint16_t(sign | half);
}

inline std::string f16Data(const std::vector<float> &values) {
  std::string bytes;
  for (float value : values)
    bytes += le(f16Bits(value));
  return bytes;
}

/// Truncating BF16; exact for values whose low 16 bits are zero.
inline std::string bf16Data(const std::vector<float> &values) {
  std::string bytes;
  for (float value : values)
    bytes += le(uint16_t(std::bit_cast<uint32_t>(value) >> 16));
  return bytes;
}

/// Q8_0: blocks of 32 values as an F16 scale d and 32 int8 q, value = d * q.
/// `values.size()` must be a multiple of 32.
inline std::string q8_0Data(const std::vector<float> &values) {
  std::string bytes;
  for (size_t block = 0; block + 32 <= values.size(); block += 32) {
    float amax = 0;
    for (size_t i = 0; i < 32; ++i)
      amax = std::fmax(amax, std::fabs(values[block + i]));
    const float d = amax / 127;
    bytes += le(f16Bits(d));
    for (size_t i = 0; i < 32; ++i)
      bytes += char(int8_t(d == 0 ? 0 : std::lround(values[block + i] / d)));
  }
  return bytes;
}

struct Tensor {
  Tensor(std::string name, std::vector<uint64_t> dims, uint32_t type, std::string data,
         std::optional<uint64_t> offset = std::nullopt)
      : name(std::move(name)), dims(std::move(dims)), type(type), data(std::move(data)), offset(offset) {}

  std::string name;
  std::vector<uint64_t> dims; ///< ggml order, innermost first; n_dims = dims.size().
  uint32_t type;
  std::string data;
  std::optional<uint64_t> offset; ///< Default: packed after the previous tensor.
};

class Builder {
public:
  std::string magic = "GGUF";
  uint32_t version = 3;
  std::optional<uint64_t> tensorCount, keyCount; ///< Default: the real counts.
  uint64_t alignment = 32;                       ///< Used for layout; written only via a key.

  /// A metadata entry with raw value bytes (the encoding after the type).
  Builder &kv(const std::string &key, uint32_t type, const std::string &value) {
    metadata += str(key) + le(type) + value;
    ++keys;
    return *this;
  }
  Builder &u32(const std::string &key, uint32_t value) { return kv(key, kUint32, le(value)); }
  Builder &f32(const std::string &key, float value) { return kv(key, kFloat32, le(value)); }
  Builder &string(const std::string &key, const std::string &value) { return kv(key, kString, str(value)); }
  Builder &tensor(Tensor t) {
    tensors.push_back(std::move(t));
    return *this;
  }

  /// File offset of each tensor's data in the last build().
  std::vector<uint64_t> dataOffsets;

  std::string build() {
    std::string image = magic + le(version) + le<uint64_t>(tensorCount.value_or(tensors.size())) +
                        le<uint64_t>(keyCount.value_or(keys)) + metadata;
    std::vector<uint64_t> offsets;
    uint64_t next = 0;
    for (const Tensor &t : tensors) {
      const uint64_t offset = t.offset.value_or(next);
      offsets.push_back(offset);
      next = std::max(next, pad(offset + t.data.size()));
      image += str(t.name) + le<uint32_t>(uint32_t(t.dims.size()));
      for (uint64_t dim : t.dims)
        image += le(dim);
      image += le(t.type) + le(offset);
    }
    image.resize(pad(image.size()), '\0');
    const uint64_t dataStart = image.size();
    dataOffsets.clear();
    for (size_t i = 0; i < tensors.size(); ++i) {
      const uint64_t at = dataStart + offsets[i];
      dataOffsets.push_back(at);
      if (image.size() < at + tensors[i].data.size())
        image.resize(at + tensors[i].data.size(), '\0');
      image.replace(at, tensors[i].data.size(), tensors[i].data);
    }
    // Writers pad the last tensor too.
    image.resize(pad(image.size()), '\0');
    return image;
  }

private:
  uint64_t pad(uint64_t n) const { return (n + alignment - 1) / alignment * alignment; }

  std::string metadata;
  uint64_t keys = 0;
  std::vector<Tensor> tensors;
};

} // namespace loom::test::gguf

#endif // LOOM_TEST_RUNTIME_GGUFWRITER_H
