//===- WeightStore.cpp - Weight memory and the loom_tensor table ----------===//

#include "WeightStore.h"
#include "Error.h"
#include "HalfFloat.h"

#include <bit>
#include <cstring>
#include <utility>

using namespace loom::rt;

// Checkpoints are little-endian; tensors are used and widened in place.
static_assert(std::endian::native == std::endian::little, "the runtime assumes a little-endian host");

WeightStore::WeightStore(size_t count) : table_(count, loom_tensor{nullptr, LOOM_DTYPE_F32}) {}

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
                                bool &borrowed) {
  borrowed = false;
  const size_t itemSize = safetensorsDtypeSize(tensor.dtype);
  const size_t elements = tensor.bytes / itemSize;
  switch (tensor.dtype) {
  case SafetensorsDtype::F32:
    if (reinterpret_cast<uintptr_t>(tensor.data) % alignof(float) == 0) {
      table_[index] = loom_tensor{tensor.data, LOOM_DTYPE_F32};
      borrowed = true;
      return true;
    }
    // The format does not promise alignment; misaligned data is copied rather than handed to kernels.
    if (float *data = allocateF32(index, elements, tensor.name.c_str())) {
      std::memcpy(data, tensor.data, tensor.bytes);
      return true;
    }
    return false;
  case SafetensorsDtype::F16:
    if (float *data = allocateF32(index, elements, tensor.name.c_str())) {
      widen<halfToFloat>(tensor.data, elements, data);
      return true;
    }
    return false;
  case SafetensorsDtype::BF16:
    if (float *data = allocateF32(index, elements, tensor.name.c_str())) {
      widen<bfloat16ToFloat>(tensor.data, elements, data);
      return true;
    }
    return false;
  default:
    return fail("'{}': tensor '{}' has dtype {}; weights must be F32, F16 or BF16", file, tensor.name,
                safetensorsDtypeName(tensor.dtype));
  }
}

void WeightStore::keepMapping(MemoryMapping mapping) { mappings_.push_back(std::move(mapping)); }
