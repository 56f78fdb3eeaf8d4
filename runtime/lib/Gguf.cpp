//===- Gguf.cpp - A validating GGUF reader --------------------------------===//
//
// Every read is checked against the bytes that remain, and every count is
// checked against the bytes its smallest encoding would need before anything
// is allocated for it, so corrupt files cost time and memory in proportion to
// their size and end in an error, never a crash.
//
//===----------------------------------------------------------------------===//

#include "Gguf.h"
#include "Error.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <unistd.h>
#include <unordered_set>

using namespace loom::rt;

static_assert(std::endian::native == std::endian::little, "the GGUF reader assumes a little-endian host");

namespace {

constexpr uint8_t kMagic[4] = {'G', 'G', 'U', 'F'};
/// Magic, version, tensor count, metadata count.
constexpr size_t kHeaderBytes = 4 + 4 + 8 + 8;
constexpr uint64_t kDefaultAlignment = 32;
/// The smallest encodings: an empty key with a uint8 value; a tensor with an
/// empty name and one dimension; an empty array as an array element.
constexpr uint64_t kMinKeyValueBytes = 8 + 4 + 1;
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 8 + 4 + 8;
constexpr uint64_t kMinArrayBytes = 4 + 8;
constexpr uint64_t kMinStringBytes = 8;
/// Arrays of arrays nest at most this deep and hold at most this many
/// elements each (real files use no nesting); an element costs far more in
/// memory than its 12 bytes in the file.
constexpr int kMaxArrayDepth = 8;
constexpr uint64_t kMaxNestedArrayElements = 1 << 16;
/// Vectors sized by a count from the file reserve at most this much up front
/// and grow only as elements actually parse, so that memory stays in
/// proportion to the bytes read even when a large file lies about a count.
constexpr uint64_t kMaxReserve = 1 << 12;
constexpr uint32_t kMaxDims = 4;

/// Bytes of a scalar value type; 0 for strings, arrays and unknown types.
size_t scalarSize(GgufValueType type) {
  switch (type) {
  case GgufValueType::Uint8:
  case GgufValueType::Int8:
  case GgufValueType::Bool:
    return 1;
  case GgufValueType::Uint16:
  case GgufValueType::Int16:
    return 2;
  case GgufValueType::Uint32:
  case GgufValueType::Int32:
  case GgufValueType::Float32:
    return 4;
  case GgufValueType::Uint64:
  case GgufValueType::Int64:
  case GgufValueType::Float64:
    return 8;
  case GgufValueType::String:
  case GgufValueType::Array:
    return 0;
  }
  return 0;
}

bool isKnownValueType(uint32_t type) { return type <= uint32_t(GgufValueType::Float64); }

template <typename T>
T load(const uint8_t *bytes) {
  T value;
  std::memcpy(&value, bytes, sizeof(T));
  return value;
}

/// Decodes a scalar of `type` (scalarSize(type) != 0) from its bytes.
GgufValue decodeScalar(GgufValueType type, const uint8_t *bytes) {
  GgufValue value;
  value.type = type;
  switch (type) {
  case GgufValueType::Uint8:
  case GgufValueType::Bool:
    value.uintValue = bytes[0];
    break;
  case GgufValueType::Int8:
    value.intValue = load<int8_t>(bytes);
    break;
  case GgufValueType::Uint16:
    value.uintValue = load<uint16_t>(bytes);
    break;
  case GgufValueType::Int16:
    value.intValue = load<int16_t>(bytes);
    break;
  case GgufValueType::Uint32:
    value.uintValue = load<uint32_t>(bytes);
    break;
  case GgufValueType::Int32:
    value.intValue = load<int32_t>(bytes);
    break;
  case GgufValueType::Float32:
    value.floatValue = load<float>(bytes);
    break;
  case GgufValueType::Uint64:
    value.uintValue = load<uint64_t>(bytes);
    break;
  case GgufValueType::Int64:
    value.intValue = load<int64_t>(bytes);
    break;
  case GgufValueType::Float64:
    value.floatValue = load<double>(bytes);
    break;
  case GgufValueType::String:
  case GgufValueType::Array:
    break;
  }
  return value;
}

struct GgmlTypeInfo {
  uint32_t id;
  const char *name;
  size_t blockElements; ///< 0: a type Loom does not support.
  size_t blockBytes;
};

constexpr GgmlTypeInfo kGgmlTypes[] = {
    {0, "F32", 1, 4},       {1, "F16", 1, 2},      {2, "Q4_0", 32, 18},    {3, "Q4_1", 32, 20},
    {6, "Q5_0", 0, 0},      {7, "Q5_1", 0, 0},     {8, "Q8_0", 32, 34},    {9, "Q8_1", 0, 0},
    {10, "Q2_K", 0, 0},     {11, "Q3_K", 0, 0},    {12, "Q4_K", 256, 144}, {13, "Q5_K", 0, 0},
    {14, "Q6_K", 256, 210}, {15, "Q8_K", 0, 0},    {16, "IQ2_XXS", 0, 0},  {17, "IQ2_XS", 0, 0},
    {18, "IQ3_XXS", 0, 0},  {19, "IQ1_S", 0, 0},   {20, "IQ4_NL", 0, 0},   {21, "IQ3_S", 0, 0},
    {22, "IQ2_S", 0, 0},    {23, "IQ4_XS", 0, 0},  {24, "I8", 0, 0},       {25, "I16", 0, 0},
    {26, "I32", 0, 0},      {27, "I64", 0, 0},     {28, "F64", 0, 0},      {29, "IQ1_M", 0, 0},
    {30, "BF16", 1, 2},     {34, "TQ1_0", 0, 0},   {35, "TQ2_0", 0, 0},    {39, "MXFP4", 0, 0},
};

const GgmlTypeInfo *lookupGgmlType(uint32_t id) {
  for (const GgmlTypeInfo &info : kGgmlTypes)
    if (info.id == id)
      return &info;
  return nullptr;
}

/// "[4096, 11008]", dims as the file lists them.
std::string formatDims(const uint64_t *dims, uint32_t n) {
  std::string text = "[";
  for (uint32_t i = 0; i < n; ++i)
    text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}

} // namespace

namespace loom::rt {

/// Reads the file front to back; every read is bounds-checked and names what
/// it was reading when it fails.
class GgufCursor {
public:
  GgufCursor(const uint8_t *data, size_t size, size_t offset, const std::string &file)
      : data_(data), size_(size), offset_(offset), file_(file) {}

  size_t offset() const { return offset_; }
  size_t remaining() const { return size_ - offset_; }

  bool take(size_t bytes, const uint8_t *&out, std::string_view what) {
    if (bytes > remaining())
      return fail("'{}': truncated file: {} needs {} bytes at offset {}, but the file ends after {}", file_, what,
                  bytes, offset_, remaining());
    out = data_ + offset_;
    offset_ += bytes;
    return true;
  }

  template <typename T>
  bool read(T &out, std::string_view what) {
    const uint8_t *bytes;
    if (!take(sizeof(T), bytes, what))
      return false;
    out = load<T>(bytes);
    return true;
  }

  bool string(std::string_view &out, std::string_view what) {
    uint64_t length;
    if (!read(length, what))
      return false;
    if (length > remaining())
      return fail("'{}': {} is a string of {} bytes at offset {}, past the end of the file ({} bytes)", file_, what,
                  length, offset_, size_);
    out = std::string_view(reinterpret_cast<const char *>(data_ + offset_), size_t(length));
    offset_ += size_t(length);
    return true;
  }

  /// A value of `type` (already read and known).
  bool value(GgufValueType type, GgufValue &out, std::string_view what, int depth) {
    if (size_t size = scalarSize(type)) {
      const uint8_t *bytes;
      if (!take(size, bytes, what))
        return false;
      out = decodeScalar(type, bytes);
      return true;
    }
    out.type = type;
    if (type == GgufValueType::String)
      return string(out.string, what);
    return array(out, what, depth);
  }

private:
  bool array(GgufValue &out, std::string_view what, int depth) {
    if (depth >= kMaxArrayDepth)
      return fail("'{}': {} nests arrays more than {} deep", file_, what, kMaxArrayDepth);
    uint32_t elementType;
    if (!read(elementType, what) || !read(out.count, what))
      return false;
    if (!isKnownValueType(elementType))
      return fail("'{}': {} is an array of unknown value type {}", file_, what, elementType);
    out.elementType = GgufValueType(elementType);
    const uint64_t count = out.count;
    const char *typeName = ggufValueTypeName(out.elementType);
    auto tooLong = [&](uint64_t minBytes) {
      return fail("'{}': {} is an array of {} {} elements at offset {}, more than the {} bytes left can hold "
                  "({} bytes each at least)",
                  file_, what, count, typeName, offset_, remaining(), minBytes);
    };
    if (size_t size = scalarSize(out.elementType)) {
      if (count > remaining() / size)
        return tooLong(size);
      return take(size_t(count) * size, out.scalars, what);
    }
    if (out.elementType == GgufValueType::String) {
      if (count > remaining() / kMinStringBytes)
        return tooLong(kMinStringBytes);
      out.strings.reserve(size_t(std::min(count, kMaxReserve)));
      for (uint64_t i = 0; i < count; ++i) {
        std::string_view element;
        if (!string(element, what))
          return false;
        out.strings.push_back(element);
      }
      return true;
    }
    if (count > remaining() / kMinArrayBytes)
      return tooLong(kMinArrayBytes);
    if (count > kMaxNestedArrayElements)
      return fail("'{}': {} is an array of {} arrays (at most {} are supported)", file_, what, count,
                  kMaxNestedArrayElements);
    out.arrays.reserve(size_t(std::min(count, kMaxReserve)));
    for (uint64_t i = 0; i < count; ++i) {
      GgufValue element;
      element.type = GgufValueType::Array;
      if (!array(element, what, depth + 1))
        return false;
      out.arrays.push_back(std::move(element));
    }
    return true;
  }

  const uint8_t *data_;
  size_t size_;
  size_t offset_;
  const std::string &file_;
};

} // namespace loom::rt

const char *loom::rt::ggufValueTypeName(GgufValueType type) {
  switch (type) {
  case GgufValueType::Uint8:
    return "uint8";
  case GgufValueType::Int8:
    return "int8";
  case GgufValueType::Uint16:
    return "uint16";
  case GgufValueType::Int16:
    return "int16";
  case GgufValueType::Uint32:
    return "uint32";
  case GgufValueType::Int32:
    return "int32";
  case GgufValueType::Float32:
    return "float32";
  case GgufValueType::Bool:
    return "bool";
  case GgufValueType::String:
    return "string";
  case GgufValueType::Array:
    return "array";
  case GgufValueType::Uint64:
    return "uint64";
  case GgufValueType::Int64:
    return "int64";
  case GgufValueType::Float64:
    return "float64";
  }
  return "unknown";
}

GgufValue GgufValue::element(uint64_t i) const {
  if (!isArray() || i >= count)
    return GgufValue();
  if (size_t size = scalarSize(elementType))
    return decodeScalar(elementType, scalars + size_t(i) * size);
  if (elementType == GgufValueType::String) {
    GgufValue value;
    value.type = GgufValueType::String;
    value.string = strings[size_t(i)];
    return value;
  }
  return arrays[size_t(i)];
}

bool GgufValue::toUnsigned(uint64_t &out) const {
  switch (type) {
  case GgufValueType::Uint8:
  case GgufValueType::Uint16:
  case GgufValueType::Uint32:
  case GgufValueType::Uint64:
  case GgufValueType::Bool:
    out = uintValue;
    return true;
  case GgufValueType::Int8:
  case GgufValueType::Int16:
  case GgufValueType::Int32:
  case GgufValueType::Int64:
    if (intValue < 0)
      return false;
    out = uint64_t(intValue);
    return true;
  default:
    return false;
  }
}

bool GgufValue::toDouble(double &out) const {
  uint64_t unsignedValue;
  switch (type) {
  case GgufValueType::Float32:
  case GgufValueType::Float64:
    out = floatValue;
    return true;
  case GgufValueType::Int8:
  case GgufValueType::Int16:
  case GgufValueType::Int32:
  case GgufValueType::Int64:
    out = double(intValue);
    return true;
  default:
    if (!toUnsigned(unsignedValue))
      return false;
    out = double(unsignedValue);
    return true;
  }
}

const char *loom::rt::ggmlTypeName(uint32_t type) {
  const GgmlTypeInfo *info = lookupGgmlType(type);
  return info ? info->name : nullptr;
}

bool loom::rt::ggmlTypeBlock(uint32_t type, size_t &blockElements, size_t &blockBytes) {
  const GgmlTypeInfo *info = lookupGgmlType(type);
  if (!info || info->blockElements == 0)
    return false;
  blockElements = info->blockElements;
  blockBytes = info->blockBytes;
  return true;
}

std::vector<int64_t> GgufTensor::shape() const {
  std::vector<int64_t> loomShape;
  for (uint32_t d = nDims; d > 0; --d)
    loomShape.push_back(dims[d - 1]);
  return loomShape;
}

bool GgufFile::open(const std::string &path) {
  if (!mapping_.mapFile(path.c_str())) {
    path_ = path;
    metadata_.clear();
    tensors_.clear();
    return false;
  }
  return parse(mapping_.data(), mapping_.size(), path);
}

bool GgufFile::parse(const uint8_t *data, size_t size, const std::string &name) {
  path_ = name;
  version_ = 0;
  alignment_ = kDefaultAlignment;
  metadata_.clear();
  tensors_.clear();

  if (size < sizeof(kMagic) || std::memcmp(data, kMagic, sizeof(kMagic)) != 0) {
    if (size < sizeof(kMagic))
      return fail("'{}': not a GGUF file: {} bytes are too few for the \"GGUF\" magic", path_, size);
    return fail("'{}': not a GGUF file: it starts with bytes {:02x} {:02x} {:02x} {:02x}, not \"GGUF\"", path_,
                data[0], data[1], data[2], data[3]);
  }
  if (size < kHeaderBytes)
    return fail("'{}': truncated file of {} bytes (a GGUF header is {} bytes)", path_, size, kHeaderBytes);
  version_ = load<uint32_t>(data + 4);
  if (version_ != 2 && version_ != 3) {
    if (version_ != 0 && (version_ & 0xFFFF) == 0)
      return fail("'{}': GGUF version {:#x} looks byte-swapped: only little-endian GGUF files are supported",
                  path_, version_);
    return fail("'{}': unsupported GGUF version {} (versions 2 and 3 are supported)", path_, version_);
  }
  const uint64_t tensorCount = load<uint64_t>(data + 8);
  const uint64_t keyCount = load<uint64_t>(data + 16);
  GgufCursor cursor(data, size, kHeaderBytes, path_);
  if (keyCount > cursor.remaining() / kMinKeyValueBytes)
    return fail("'{}': the header claims {} metadata entries, more than the {} bytes after it can hold", path_,
                keyCount, cursor.remaining());
  if (tensorCount > cursor.remaining() / kMinTensorInfoBytes)
    return fail("'{}': the header claims {} tensors, more than the {} bytes after it can hold", path_, tensorCount,
                cursor.remaining());

  metadata_.reserve(size_t(std::min(keyCount, kMaxReserve)));
  std::unordered_set<std::string_view> keys;
  for (uint64_t i = 0; i < keyCount; ++i) {
    GgufKeyValue entry;
    if (!cursor.string(entry.key, "the key of metadata entry " + std::to_string(i)))
      return false;
    const std::string what = "metadata key '" + std::string(entry.key) + "'";
    uint32_t type;
    if (!cursor.read(type, what))
      return false;
    if (!isKnownValueType(type))
      return fail("'{}': metadata key '{}' has unknown value type {}", path_, entry.key, type);
    if (!cursor.value(GgufValueType(type), entry.value, what, 0))
      return false;
    if (!keys.insert(entry.key).second)
      return fail("'{}': metadata key '{}' appears twice", path_, entry.key);
    metadata_.push_back(std::move(entry));
  }

  if (const GgufValue *alignment = find("general.alignment")) {
    if (alignment->type != GgufValueType::Uint32)
      return fail("'{}': general.alignment is a {}, expected a uint32", path_, ggufValueTypeName(alignment->type));
    if (alignment->uintValue == 0 || !std::has_single_bit(alignment->uintValue))
      return fail("'{}': general.alignment is {}, expected a power of two", path_, alignment->uintValue);
    alignment_ = alignment->uintValue;
  }

  if (!parseTensorInfos(cursor, tensorCount))
    return false;
  // The data section starts at the next multiple of the alignment; a file
  // without tensor data may end before it.
  const uint64_t dataStart = (uint64_t(cursor.offset()) + alignment_ - 1) / alignment_ * alignment_;
  const size_t dataOffset = dataStart < size ? size_t(dataStart) : size;
  return placeTensors(data + dataOffset, size - dataOffset);
}

bool GgufFile::parseTensorInfos(GgufCursor &cursor, uint64_t count) {
  tensors_.reserve(size_t(std::min(count, kMaxReserve)));
  std::unordered_set<std::string_view> names;
  for (uint64_t i = 0; i < count; ++i) {
    GgufTensor tensor{};
    if (!cursor.string(tensor.name, "the name of tensor " + std::to_string(i)))
      return false;
    if (tensor.name.empty())
      return fail("'{}': tensor {} has an empty name", path_, i);
    const std::string what = "tensor '" + std::string(tensor.name) + "'";
    if (!cursor.read(tensor.nDims, what))
      return false;
    if (tensor.nDims == 0 || tensor.nDims > kMaxDims)
      return fail("'{}': tensor '{}' has {} dimensions (1 to {} are supported)", path_, tensor.name, tensor.nDims,
                  kMaxDims);
    uint64_t dims[kMaxDims];
    for (uint32_t d = 0; d < tensor.nDims; ++d)
      if (!cursor.read(dims[d], what))
        return false;
    int64_t elements = 1;
    for (uint32_t d = 0; d < kMaxDims; ++d) {
      if (d >= tensor.nDims) {
        tensor.dims[d] = 1;
        continue;
      }
      if (dims[d] == 0 || dims[d] > uint64_t(std::numeric_limits<int64_t>::max()))
        return fail("'{}': tensor '{}' has dimension {} of size {} (ggml dims {}); sizes must be at least 1",
                    path_, tensor.name, d, dims[d], formatDims(dims, tensor.nDims));
      tensor.dims[d] = int64_t(dims[d]);
      if (__builtin_mul_overflow(elements, tensor.dims[d], &elements))
        return fail("'{}': tensor '{}' has ggml dims {} whose element count overflows", path_, tensor.name,
                    formatDims(dims, tensor.nDims));
    }
    tensor.elements = elements;

    if (!cursor.read(tensor.type, what))
      return false;
    size_t blockElements, blockBytes;
    if (!ggmlTypeBlock(tensor.type, blockElements, blockBytes)) {
      if (const char *known = ggmlTypeName(tensor.type))
        return fail("'{}': tensor '{}' has type {} ({}), which Loom does not support (F32, F16, BF16, Q8_0, Q4_0, "
                    "Q4_1, Q4_K and Q6_K are)",
                    path_, tensor.name, known, tensor.type);
      return fail("'{}': tensor '{}' has unknown ggml type {}", path_, tensor.name, tensor.type);
    }
    if (dims[0] % blockElements != 0)
      return fail("'{}': tensor '{}' of type {} has rows of {} elements, not a multiple of its block size {}", path_,
                  tensor.name, ggmlTypeName(tensor.type), dims[0], blockElements);
    uint64_t bytes = dims[0] / blockElements;
    bool overflow = __builtin_mul_overflow(bytes, uint64_t(blockBytes), &bytes);
    for (uint32_t d = 1; d < tensor.nDims; ++d)
      overflow = overflow || __builtin_mul_overflow(bytes, dims[d], &bytes);
    if (overflow)
      return fail("'{}': tensor '{}' has ggml dims {} whose size in bytes overflows", path_, tensor.name,
                  formatDims(dims, tensor.nDims));
    if (bytes > std::numeric_limits<size_t>::max())
      return fail("'{}': tensor '{}' of {} bytes is too large for this host", path_, tensor.name, bytes);
    tensor.bytes = size_t(bytes);

    if (!cursor.read(tensor.offset, what))
      return false;
    if (tensor.offset % alignment_ != 0)
      return fail("'{}': tensor '{}' has data offset {}, not a multiple of the alignment {}", path_, tensor.name,
                  tensor.offset, alignment_);
    if (!names.insert(tensor.name).second)
      return fail("'{}': tensor '{}' appears twice", path_, tensor.name);
    tensors_.push_back(tensor);
  }
  return true;
}

bool GgufFile::placeTensors(const uint8_t *dataSection, size_t dataBytes) {
  for (GgufTensor &tensor : tensors_) {
    if (tensor.offset > dataBytes || tensor.bytes > dataBytes - tensor.offset)
      return fail("'{}': tensor '{}' needs bytes [{}, {}) of the data section, which holds {} bytes (truncated "
                  "file or bad offset)",
                  path_, tensor.name, tensor.offset, tensor.offset + tensor.bytes, dataBytes);
    tensor.data = dataSection + tensor.offset;
  }
  // Two tensors sharing bytes would alias silently; no writer produces that.
  std::vector<const GgufTensor *> byOffset;
  byOffset.reserve(tensors_.size());
  for (const GgufTensor &tensor : tensors_)
    byOffset.push_back(&tensor);
  std::sort(byOffset.begin(), byOffset.end(),
            [](const GgufTensor *a, const GgufTensor *b) { return a->offset < b->offset; });
  for (size_t i = 1; i < byOffset.size(); ++i) {
    const GgufTensor &previous = *byOffset[i - 1];
    if (byOffset[i]->offset < previous.offset + previous.bytes)
      return fail("'{}': tensors '{}' and '{}' overlap in the data section", path_, previous.name,
                  byOffset[i]->name);
  }
  return true;
}

const GgufValue *GgufFile::find(std::string_view key) const {
  for (const GgufKeyValue &entry : metadata_)
    if (entry.key == key)
      return &entry.value;
  return nullptr;
}

const GgufTensor *GgufFile::findTensor(std::string_view name) const {
  for (const GgufTensor &tensor : tensors_)
    if (tensor.name == name)
      return &tensor;
  return nullptr;
}

bool loom::rt::isGgufFile(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  uint8_t magic[sizeof(kMagic)];
  const ssize_t got = ::read(fd, magic, sizeof(magic));
  ::close(fd);
  return got == ssize_t(sizeof(magic)) && std::memcmp(magic, kMagic, sizeof(kMagic)) == 0;
}
