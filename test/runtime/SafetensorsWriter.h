//===- SafetensorsWriter.h - Building safetensors files in tests -*- C++ -*-===//
//
// Tests write their checkpoints themselves: well-formed ones through
// safetensorsFile(), and corrupt ones by assembling a header and data by hand
// with safetensorsImage().
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TEST_RUNTIME_SAFETENSORSWRITER_H
#define LOOM_TEST_RUNTIME_SAFETENSORSWRITER_H

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace loom::test {

struct TensorBlob {
  std::string name;
  std::string dtype; ///< As the format spells it: "F32", "BF16", ...
  std::vector<int64_t> shape;
  std::string bytes; ///< Little-endian element data.
};

inline std::string encodeF32(const std::vector<float> &values) {
  std::string bytes(values.size() * 4, '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

inline std::string encodeU16(const std::vector<uint16_t> &values) {
  std::string bytes(values.size() * 2, '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

/// Exact for values whose low 16 bits are zero, which is all tests use.
inline std::string encodeBF16(const std::vector<float> &values) {
  std::vector<uint16_t> bits;
  for (float value : values)
    bits.push_back(uint16_t(std::bit_cast<uint32_t>(value) >> 16));
  return encodeU16(bits);
}

/// IEEE binary16 bits of `value`, which must be zero or a normal half exactly
/// (all values tests use are).
inline uint16_t halfBits(float value) {
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  const uint16_t sign = uint16_t((bits >> 16) & 0x8000);
  if ((bits & 0x7FFFFFFF) == 0)
    return sign;
  const uint32_t exponent = ((bits >> 23) & 0xFF) - 127 + 15;
  return uint16_t(sign | (exponent << 10) | ((bits >> 13) & 0x3FF));
}

inline std::string encodeF16(const std::vector<float> &values) {
  std::vector<uint16_t> bits;
  for (float value : values)
    bits.push_back(halfBits(value));
  return encodeU16(bits);
}

inline std::string shapeJson(const std::vector<int64_t> &shape) {
  std::string json = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    json += (i ? ", " : "") + std::to_string(shape[i]);
  return json + "]";
}

/// One header entry.
inline std::string tensorJson(const std::string &name, const std::string &dtype, const std::vector<int64_t> &shape,
                              uint64_t begin, uint64_t end) {
  return "\"" + name + "\": {\"dtype\": \"" + dtype + "\", \"shape\": " + shapeJson(shape) +
         ", \"data_offsets\": [" + std::to_string(begin) + ", " + std::to_string(end) + "]}";
}

/// The 8-byte length, `header` (padded with spaces to a multiple of 8 if
/// `pad`, as writers usually do), then `data`.
inline std::string safetensorsImage(std::string header, const std::string &data, bool pad = true) {
  while (pad && header.size() % 8 != 0)
    header += ' ';
  std::string image(8, '\0');
  uint64_t length = header.size();
  for (int i = 0; i < 8; ++i)
    image[i] = char((length >> (8 * i)) & 0xFF);
  return image + header + data;
}

/// A well-formed file holding `tensors` back to back, with some metadata.
inline std::string safetensorsFile(const std::vector<TensorBlob> &tensors, bool pad = true) {
  std::string header = "{\"__metadata__\": {\"format\": \"pt\"}";
  std::string data;
  for (const TensorBlob &tensor : tensors) {
    header += ", " + tensorJson(tensor.name, tensor.dtype, tensor.shape, data.size(), data.size() + tensor.bytes.size());
    data += tensor.bytes;
  }
  return safetensorsImage(header + "}", data, pad);
}

} // namespace loom::test

#endif // LOOM_TEST_RUNTIME_SAFETENSORSWRITER_H
