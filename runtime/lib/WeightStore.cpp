//===- WeightStore.cpp - Weight memory and the loom_tensor table ----------===//

#include "WeightStore.h"
#include "Error.h"
#include "HalfFloat.h"
#include "loom/Runtime/Kernels.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <string_view>
#include <utility>

using namespace loom::rt;

// Checkpoints are little-endian; tensors are used and widened in place.
static_assert(std::endian::native == std::endian::little, "the runtime assumes a little-endian host");

WeightStore::WeightStore(size_t count) : table_(count, loom_tensor{nullptr, LOOM_DTYPE_F32}), bytes_(count, 0) {}

WeightStore::~WeightStore() { forgetDeviceCopies(); }

WeightStore::WeightStore(WeightStore &&other) noexcept
    : table_(std::exchange(other.table_, {})), bytes_(std::exchange(other.bytes_, {})),
      buffers_(std::exchange(other.buffers_, {})), mappings_(std::exchange(other.mappings_, {})) {}

WeightStore &WeightStore::operator=(WeightStore &&other) noexcept {
  if (this != &other) {
    forgetDeviceCopies();
    table_ = std::exchange(other.table_, {});
    bytes_ = std::exchange(other.bytes_, {});
    buffers_ = std::exchange(other.buffers_, {});
    mappings_ = std::exchange(other.mappings_, {});
  }
  return *this;
}

void WeightStore::forgetDeviceCopies() const {
  for (size_t i = 0; i < table_.size(); ++i)
    loom_kernels_forget_device_copies(table_[i].data, static_cast<int64_t>(bytes_[i]));
}

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

/// The loom_dtype of a safetensors dtype the loaders take; false for the others.
bool loomDtypeOf(SafetensorsDtype dtype, int64_t &out) {
  switch (dtype) {
  case SafetensorsDtype::F32:
    out = LOOM_DTYPE_F32;
    return true;
  case SafetensorsDtype::F16:
    out = LOOM_DTYPE_F16;
    return true;
  case SafetensorsDtype::BF16:
    out = LOOM_DTYPE_BF16;
    return true;
  default:
    return false;
  }
}

bool endsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

} // namespace

bool loom::rt::keepsCheckpointDtype(const loom_weight_desc &weight) {
  return weight.rank >= 2 && !endsWith(weight.name, ".bias");
}

bool WeightStore::setFromTensor(size_t index, const loom_weight_desc &weight, const SafetensorsTensor &tensor,
                                const std::string &file, bool &borrowed, int64_t firstRow, int64_t rows) {
  borrowed = false;
  int64_t dtype;
  if (!loomDtypeOf(tensor.dtype, dtype))
    return fail("'{}': tensor '{}' has dtype {}; weights must be F32, F16 or BF16", file, tensor.name,
                safetensorsDtypeName(tensor.dtype));
  const uint8_t *data = tensor.data;
  size_t bytes = tensor.bytes;
  if (rows >= 0 && !tensor.shape.empty() && tensor.shape[0] > 0) {
    size_t rowBytes = tensor.bytes / size_t(tensor.shape[0]);
    data += size_t(firstRow) * rowBytes;
    bytes = size_t(rows) * rowBytes;
  }
  return setFromFile(index, weight, dtype, safetensorsDtypeName(tensor.dtype), data, bytes,
                     bytes / safetensorsDtypeSize(tensor.dtype), file, tensor.name, borrowed);
}

bool WeightStore::setFromSlices(size_t index, const loom_weight_desc &weight, const std::vector<TensorSlice> &slices,
                                const std::string &file) {
  if (slices.empty())
    return fail("'{}': weight '{}' has no data", file, weight.name);
  const SafetensorsTensor &first = *slices.front().tensor;
  int64_t dtype;
  if (!loomDtypeOf(first.dtype, dtype))
    return fail("'{}': tensor '{}' has dtype {}; weights must be F32, F16 or BF16", file, first.name,
                safetensorsDtypeName(first.dtype));
  std::vector<ByteRun> runs;
  for (const TensorSlice &slice : slices) {
    if (slice.tensor->dtype != first.dtype) // the planners check this; a mix would be misread here
      return fail("'{}': tensors '{}' and '{}' of weight '{}' have dtypes {} and {}", file, first.name,
                  slice.tensor->name, weight.name, safetensorsDtypeName(first.dtype),
                  safetensorsDtypeName(slice.tensor->dtype));
    runs.push_back({slice.tensor->data + slice.offset, slice.bytes});
  }
  return setFromRuns(index, weight, dtype, safetensorsDtypeName(first.dtype), runs, file, first.name);
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

bool WeightStore::setGathered(size_t index, const loom_weight_desc &weight, const SafetensorsTensor &tensor,
                              const ElementGather &gather, const std::string &file) {
  int64_t dtype;
  if (!loomDtypeOf(tensor.dtype, dtype))
    return fail("'{}': tensor '{}' has dtype {}; weights must be F32, F16 or BF16", file, tensor.name,
                safetensorsDtypeName(tensor.dtype));
  bool toF32;
  if (!checkDtype(weight, dtype, safetensorsDtypeName(tensor.dtype), file, tensor.name, toF32))
    return false;
  const size_t element = safetensorsDtypeSize(tensor.dtype), count = tensor.bytes / element;
  const size_t experts = size_t(gather.experts), rows = size_t(gather.rows), columns = size_t(gather.columns);
  const size_t last = gather.first + (experts - 1) * gather.expert + (rows - 1) * gather.row +
                      (columns - 1) * gather.column;
  if (experts == 0 || rows == 0 || columns == 0 || last >= count) // the loader's plan is checked against the shapes
    return fail("'{}': tensor '{}' of {} elements does not hold the {}x{}x{} elements of weight '{}'", file,
                tensor.name, count, experts, rows, columns, weight.name);
  const size_t elements = experts * rows * columns;
  AlignedBuffer buffer;
  if (!buffer.allocate(elements * (toF32 ? sizeof(float) : element), tensor.name.c_str()))
    return false;
  auto *to = static_cast<uint8_t *>(buffer.data());
  auto *widened = static_cast<float *>(buffer.data());
  size_t out = 0;
  for (size_t e = 0; e < experts; ++e)
    for (size_t r = 0; r < rows; ++r)
      for (size_t c = 0; c < columns; ++c, ++out) {
        const size_t at = gather.first + e * gather.expert + r * gather.row + c * gather.column;
        const uint8_t *from = tensor.data + at * element;
        if (!toF32)
          std::memcpy(to + out * element, from, element);
        else if (dtype == LOOM_DTYPE_F16)
          widen<halfToFloat>(from, 1, widened + out);
        else
          widen<bfloat16ToFloat>(from, 1, widened + out);
      }
  adopt(index, std::move(buffer), toF32 ? LOOM_DTYPE_F32 : dtype, elements * (toF32 ? sizeof(float) : element));
  return true;
}

bool WeightStore::checkDtype(const loom_weight_desc &weight, int64_t dtype, const char *dtypeName,
                             const std::string &file, const std::string &name, bool &toF32) const {
  toF32 = false;
  if (dtype == LOOM_DTYPE_F32 || keepsCheckpointDtype(weight)) {
    if (dtype != LOOM_DTYPE_F32 && !loom_kernels_supports(dtype))
      return fail("'{}': tensor '{}' has dtype {}, which the kernels of this model library do not support", file,
                  name, dtypeName);
    return true;
  }
  if (dtype != LOOM_DTYPE_F16 && dtype != LOOM_DTYPE_BF16) {
    if (weight.rank >= 2) // a stacked bias
      return fail("'{}': tensor '{}' is a bias of dtype {}; biases must be F32, F16 or BF16", file, name, dtypeName);
    return fail("'{}': tensor '{}' of rank {} has dtype {}; only matrices may be quantized, other weights must be "
                "F32, F16 or BF16",
                file, name, weight.rank, dtypeName);
  }
  toF32 = true;
  return true;
}

void WeightStore::adopt(size_t index, AlignedBuffer buffer, int64_t dtype, size_t bytes) {
  table_[index] = loom_tensor{buffer.data(), dtype};
  bytes_[index] = bytes;
  buffers_.push_back(std::move(buffer));
}

bool WeightStore::setFromFile(size_t index, const loom_weight_desc &weight, int64_t dtype, const char *dtypeName,
                              const uint8_t *data, size_t bytes, size_t elements, const std::string &file,
                              const std::string &name, bool &borrowed) {
  borrowed = false;
  bool toF32;
  if (!checkDtype(weight, dtype, dtypeName, file, name, toF32))
    return false;
  if (!toF32) {
    // Files do not promise alignment; misaligned data is copied rather than handed to kernels.
    if (reinterpret_cast<uintptr_t>(data) % alignof(float) == 0) {
      table_[index] = loom_tensor{data, dtype};
      bytes_[index] = bytes;
      borrowed = true;
      return true;
    }
    AlignedBuffer buffer;
    if (!buffer.allocate(bytes, name.c_str()))
      return false;
    std::memcpy(buffer.data(), data, bytes);
    adopt(index, std::move(buffer), dtype, bytes);
    return true;
  }
  float *widened = allocateF32(index, elements, name.c_str());
  if (!widened)
    return false;
  if (dtype == LOOM_DTYPE_F16)
    widen<halfToFloat>(data, elements, widened);
  else
    widen<bfloat16ToFloat>(data, elements, widened);
  return true;
}

bool WeightStore::setFromRuns(size_t index, const loom_weight_desc &weight, int64_t dtype, const char *dtypeName,
                              const std::vector<ByteRun> &runs, const std::string &file, const std::string &name) {
  bool toF32;
  if (!checkDtype(weight, dtype, dtypeName, file, name, toF32))
    return false;
  size_t bytes = 0;
  for (const ByteRun &run : runs)
    bytes += run.bytes;
  if (!toF32) {
    AlignedBuffer buffer;
    if (!buffer.allocate(bytes, name.c_str()))
      return false;
    auto *to = static_cast<uint8_t *>(buffer.data());
    for (const ByteRun &run : runs) {
      std::memcpy(to, run.data, run.bytes);
      to += run.bytes;
    }
    adopt(index, std::move(buffer), dtype, bytes);
    return true;
  }
  // F16 or BF16, 2 bytes an element, widened run by run.
  float *widened = allocateF32(index, bytes / 2, name.c_str());
  if (!widened)
    return false;
  for (const ByteRun &run : runs) {
    if (dtype == LOOM_DTYPE_F16)
      widen<halfToFloat>(run.data, run.bytes / 2, widened);
    else
      widen<bfloat16ToFloat>(run.data, run.bytes / 2, widened);
    widened += run.bytes / 2;
  }
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

bool WeightStore::packForProducts(const loom_model_desc &desc) {
  for (size_t i = 0; i < table_.size(); ++i) {
    const loom_weight_desc &weight = desc.weights[i];
    if (weight.layout != LOOM_LAYOUT_PRODUCT_ROWS || !table_[i].data)
      continue;
    int64_t bytes = 0;
    int64_t packed =
        loom_k_linear_packed_dtype(table_[i].dtype, weight.shape[0], weight.shape[1], desc.numerics, &bytes);
    if (packed == table_[i].dtype)
      continue;
    AlignedBuffer buffer;
    if (!buffer.allocate(size_t(bytes), weight.name))
      return false;
    // A few groups of rows at a time, each run's pages of the file given back as soon as it is packed, so
    // that loading holds the largest matrix only once (a tied Q8_0 LM head is 165 MB in Qwen3-0.6B).
    constexpr int64_t kRowsPerRun = 1024; // a multiple of every packed layout's group
    const int64_t rows = weight.shape[0];
    const size_t rowBytes = bytes_[i] / size_t(rows), packedRowBytes = size_t(bytes) / size_t(rows);
    const auto *source = static_cast<const uint8_t *>(table_[i].data);
    const bool mapped = isMapped(source);
    for (int64_t first = 0; first < rows; first += kRowsPerRun) {
      const int64_t count = std::min(kRowsPerRun, rows - first);
      loom_tensor run{source + size_t(first) * rowBytes, table_[i].dtype};
      loom_k_pack_linear_weights(&run, count, weight.shape[1],
                                 static_cast<uint8_t *>(buffer.data()) + size_t(first) * packedRowBytes);
      if (mapped)
        releaseMappedPages(run.data, size_t(count) * rowBytes);
    }
    release(i);
    adopt(i, std::move(buffer), packed, size_t(bytes));
  }
  return true;
}

bool WeightStore::isMapped(const void *data) const {
  const auto *at = static_cast<const uint8_t *>(data);
  return std::any_of(mappings_.begin(), mappings_.end(), [&](const MemoryMapping &mapping) {
    return at >= mapping.data() && at < mapping.data() + mapping.size();
  });
}

void WeightStore::release(size_t index) {
  const auto *data = static_cast<const uint8_t *>(table_[index].data);
  loom_kernels_forget_device_copies(data, static_cast<int64_t>(bytes_[index]));
  auto owner = std::find_if(buffers_.begin(), buffers_.end(), [&](const AlignedBuffer &buffer) {
    const auto *begin = static_cast<const uint8_t *>(buffer.data());
    return data >= begin && data < begin + buffer.size();
  });
  if (owner == buffers_.end()) {
    if (isMapped(data))
      releaseMappedPages(data, bytes_[index]);
    return;
  }
  // A part of a fused tensor, or a tied weight, may share the buffer.
  const auto *begin = static_cast<const uint8_t *>(owner->data());
  for (size_t j = 0; j < table_.size(); ++j) {
    const auto *other = static_cast<const uint8_t *>(table_[j].data);
    if (j != index && other >= begin && other < begin + owner->size())
      return;
  }
  *owner = AlignedBuffer();
}

void WeightStore::keepMapping(MemoryMapping mapping) { mappings_.push_back(std::move(mapping)); }
