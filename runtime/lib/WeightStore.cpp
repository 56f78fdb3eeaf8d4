//===- WeightStore.cpp - Weight memory and the loom_tensor table ----------===//

#include "WeightStore.h"
#include "Error.h"
#include "HalfFloat.h"
#include "loom/Runtime/Kernels.h"

#include <bit>
#include <cstring>
#include <utility>

using namespace loom::rt;

// Checkpoints are little-endian; tensors are used and widened in place.
static_assert(std::endian::native == std::endian::little, "the runtime assumes a little-endian host");

WeightStore::WeightStore(size_t count) : table_(count, loom_tensor{nullptr, LOOM_DTYPE_F32}), bytes_(count, 0) {}

float *WeightStore::allocateF32(size_t index, size_t elements, const char *name) {
  AlignedBuffer buffer;
  size_t bytes;
  if (__builtin_mul_overflow(elements, sizeof(float), &bytes)) {
    fail("weight '{}' of {} elements is too large to allocate", name, elements);
    return nullptr;
  }
  // Manifest weights have no zero dimensions (see Descriptor.cpp), so the buffer is never empty.
  if (!buffer.allocate(bytes, name))
    return nullptr;
  float *data = static_cast<float *>(buffer.data());
  buffers_.push_back(std::move(buffer));
  table_[index] = loom_tensor{data, LOOM_DTYPE_F32};
  bytes_[index] = bytes;
  return data;
}

namespace {

template <float (*Convert)(uint16_t)>
void widen(const uint8_t *source, size_t count, float *destination) {
  for (size_t i = 0; i < count; ++i) {
    uint16_t bits;
    // The source may be unaligned: tensors sit at arbitrary file offsets.
    std::memcpy(&bits, source + 2 * i, sizeof(bits));
    destination[i] = Convert(bits);
  }
}

} // namespace

bool WeightStore::setFromTensor(size_t index, const SafetensorsTensor &tensor, const std::string &file,
                                bool &borrowed, int64_t firstRow, int64_t rows) {
  borrowed = false;
  int64_t dtype;
  switch (tensor.dtype) {
  case SafetensorsDtype::F32:
    dtype = LOOM_DTYPE_F32;
    break;
  case SafetensorsDtype::F16:
    dtype = LOOM_DTYPE_F16;
    break;
  case SafetensorsDtype::BF16:
    dtype = LOOM_DTYPE_BF16;
    break;
  default:
    return fail("'{}': tensor '{}' has dtype {}; weights must be F32, F16 or BF16", file, tensor.name,
                safetensorsDtypeName(tensor.dtype));
  }
  const uint8_t *data = tensor.data;
  size_t bytes = tensor.bytes;
  if (rows >= 0 && !tensor.shape.empty() && tensor.shape[0] > 0) {
    size_t rowBytes = tensor.bytes / size_t(tensor.shape[0]);
    data += size_t(firstRow) * rowBytes;
    bytes = size_t(rows) * rowBytes;
  }
  return setFromFile(index, tensor.shape.size(), dtype, safetensorsDtypeName(tensor.dtype), data, bytes,
                     bytes / safetensorsDtypeSize(tensor.dtype), file, tensor.name, borrowed);
}

bool WeightStore::setTransposed(size_t index, const SafetensorsTensor &tensor, const std::string &file,
                                int64_t firstColumn, int64_t columns) {
  int64_t dtype = tensor.dtype == SafetensorsDtype::F32    ? LOOM_DTYPE_F32
                  : tensor.dtype == SafetensorsDtype::F16  ? LOOM_DTYPE_F16
                  : tensor.dtype == SafetensorsDtype::BF16 ? LOOM_DTYPE_BF16
                                                           : -1;
  if (dtype < 0 || tensor.shape.size() != 2)
    return fail("'{}': tensor '{}' is stored transposed and must be an F32, F16 or BF16 matrix, got {} of rank {}",
                file, tensor.name, safetensorsDtypeName(tensor.dtype), tensor.shape.size());
  if (dtype != LOOM_DTYPE_F32 && !loom_kernels_supports(dtype))
    return fail("'{}': tensor '{}' has dtype {}, which the kernels of this model library do not support", file,
                tensor.name, safetensorsDtypeName(tensor.dtype));
  const size_t in = size_t(tensor.shape[0]), out = size_t(tensor.shape[1]);
  const size_t first = size_t(firstColumn), rows = columns < 0 ? out : size_t(columns);
  const size_t element = safetensorsDtypeSize(tensor.dtype), bytes = rows * in * element;
  AlignedBuffer buffer;
  if (!buffer.allocate(bytes, tensor.name.c_str()))
    return false;
  // Row r of the weight is column first + r of the file's matrix.
  auto *to = static_cast<uint8_t *>(buffer.data());
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < in; ++c)
      std::memcpy(to + (r * in + c) * element, tensor.data + (c * out + first + r) * element, element);
  table_[index] = loom_tensor{buffer.data(), dtype};
  bytes_[index] = bytes;
  buffers_.push_back(std::move(buffer));
  return true;
}

bool WeightStore::setFromFile(size_t index, size_t rank, int64_t dtype, const char *dtypeName, const uint8_t *data,
                              size_t bytes, size_t elements, const std::string &file, const std::string &name,
                              bool &borrowed) {
  borrowed = false;
  if (dtype == LOOM_DTYPE_F32 || rank == 2) {
    if (dtype != LOOM_DTYPE_F32 && !loom_kernels_supports(dtype))
      return fail("'{}': tensor '{}' has dtype {}, which the kernels of this model library do not support", file,
                  name, dtypeName);
    // Files do not promise alignment; misaligned data is copied rather than handed to kernels.
    bytes_[index] = bytes;
    if (reinterpret_cast<uintptr_t>(data) % alignof(float) == 0) {
      table_[index] = loom_tensor{data, dtype};
      borrowed = true;
      return true;
    }
    AlignedBuffer buffer;
    if (!buffer.allocate(bytes, name.c_str()))
      return false;
    std::memcpy(buffer.data(), data, bytes);
    table_[index] = loom_tensor{buffer.data(), dtype};
    buffers_.push_back(std::move(buffer));
    return true;
  }
  if (dtype != LOOM_DTYPE_F16 && dtype != LOOM_DTYPE_BF16)
    return fail("'{}': tensor '{}' of rank {} has dtype {}; only matrices may be quantized, other weights must be "
                "F32, F16 or BF16",
                file, name, rank, dtypeName);
  float *widened = allocateF32(index, elements, name.c_str());
  if (!widened)
    return false;
  if (dtype == LOOM_DTYPE_F16)
    widen<halfToFloat>(data, elements, widened);
  else
    widen<bfloat16ToFloat>(data, elements, widened);
  return true;
}

bool WeightStore::reorderRows(size_t index, int64_t rows, const std::vector<int64_t> &sources, const char *name) {
  size_t bytes = bytes_[index];
  if (rows <= 0 || sources.size() != size_t(rows) || bytes % size_t(rows) != 0)
    return fail("weight '{}' of {} bytes cannot be reordered as {} rows", name, bytes, rows);
  size_t rowBytes = bytes / size_t(rows);
  AlignedBuffer buffer;
  if (!buffer.allocate(bytes, name))
    return false;
  auto *to = static_cast<uint8_t *>(buffer.data());
  const auto *from = static_cast<const uint8_t *>(table_[index].data);
  for (size_t r = 0; r < size_t(rows); ++r)
    std::memcpy(to + r * rowBytes, from + size_t(sources[r]) * rowBytes, rowBytes);
  table_[index].data = buffer.data();
  buffers_.push_back(std::move(buffer));
  return true;
}

void WeightStore::keepMapping(MemoryMapping mapping) { mappings_.push_back(std::move(mapping)); }
