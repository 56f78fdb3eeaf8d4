//===- Safetensors.cpp - A validating safetensors reader ------------------===//

#include "Safetensors.h"
#include "Error.h"
#include "Json.h"
#include "Shape.h"

#include <algorithm>
#include <string_view>

using namespace loom::rt;

namespace {

struct DtypeInfo {
  SafetensorsDtype dtype;
  const char *name;
  size_t size;
};

constexpr DtypeInfo kDtypes[] = {
    {SafetensorsDtype::BOOL, "BOOL", 1},       {SafetensorsDtype::U8, "U8", 1},
    {SafetensorsDtype::I8, "I8", 1},           {SafetensorsDtype::F8_E5M2, "F8_E5M2", 1},
    {SafetensorsDtype::F8_E4M3, "F8_E4M3", 1}, {SafetensorsDtype::I16, "I16", 2},
    {SafetensorsDtype::U16, "U16", 2},         {SafetensorsDtype::F16, "F16", 2},
    {SafetensorsDtype::BF16, "BF16", 2},       {SafetensorsDtype::I32, "I32", 4},
    {SafetensorsDtype::U32, "U32", 4},         {SafetensorsDtype::F32, "F32", 4},
    {SafetensorsDtype::F64, "F64", 8},         {SafetensorsDtype::I64, "I64", 8},
    {SafetensorsDtype::U64, "U64", 8},
};

const DtypeInfo &info(SafetensorsDtype dtype) {
  for (const DtypeInfo &entry : kDtypes)
    if (entry.dtype == dtype)
      return entry;
  __builtin_unreachable();
}

const DtypeInfo *lookupDtype(std::string_view name) {
  for (const DtypeInfo &entry : kDtypes)
    if (name == entry.name)
      return &entry;
  return nullptr;
}

/// The file format is little-endian whatever the host is.
uint64_t readLittleEndian64(const uint8_t *bytes) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i)
    value = (value << 8) | bytes[i];
  return value;
}

/// Reads an array of non-negative integers, e.g. a shape.
bool readIndexArray(const JsonValue &value, std::vector<int64_t> &out) {
  if (!value.isArray())
    return false;
  out.clear();
  for (const JsonValue &item : value.items()) {
    if (!item.isInteger() || item.integer() < 0)
      return false;
    out.push_back(item.integer());
  }
  return true;
}

} // namespace

const char *loom::rt::safetensorsDtypeName(SafetensorsDtype dtype) { return info(dtype).name; }

size_t loom::rt::safetensorsDtypeSize(SafetensorsDtype dtype) { return info(dtype).size; }

bool SafetensorsFile::open(const std::string &path) {
  path_ = path;
  tensors_.clear();
  if (!mapping_.mapFile(path.c_str()))
    return false;
  const size_t fileBytes = mapping_.size();
  if (fileBytes < 8)
    return fail("'{}': truncated file of {} bytes (a safetensors file starts with an 8-byte header length)",
                path, fileBytes);
  const uint64_t headerBytes = readLittleEndian64(mapping_.data());
  if (headerBytes > fileBytes - 8)
    return fail("'{}': header length {} exceeds the {} bytes that follow it in the file", path, headerBytes,
                fileBytes - 8);
  const uint8_t *header = mapping_.data() + 8;
  return parseHeader(header, headerBytes, header + headerBytes, fileBytes - 8 - headerBytes) &&
         checkNoOverlap();
}

bool SafetensorsFile::parseHeader(const uint8_t *header, size_t headerBytes, const uint8_t *dataSection,
                                  size_t dataBytes) {
  JsonValue root;
  JsonError error;
  if (!parseJson(std::string_view(reinterpret_cast<const char *>(header), headerBytes), root, error))
    return fail("'{}': invalid JSON header at byte {} of the header: {}", path_, error.offset, error.message);
  if (!root.isObject())
    return fail("'{}': the header is {}, expected an object of tensors", path_, describeJsonKind(root.kind()));

  for (const JsonValue::Member &member : root.members()) {
    const std::string &name = member.first;
    const JsonValue &entry = member.second;
    if (name == "__metadata__") {
      // Free-form producer information: checked for shape only, then ignored.
      if (!entry.isObject())
        return fail("'{}': \"__metadata__\" is {}, expected an object", path_, describeJsonKind(entry.kind()));
      continue;
    }
    if (!entry.isObject())
      return fail("'{}': tensor '{}' is described by {}, expected an object", path_, name,
                  describeJsonKind(entry.kind()));

    const JsonValue *dtypeValue = entry.find("dtype");
    if (!dtypeValue || !dtypeValue->isString())
      return fail("'{}': tensor '{}' has no \"dtype\" string", path_, name);
    const DtypeInfo *dtype = lookupDtype(dtypeValue->string());
    if (!dtype)
      return fail("'{}': tensor '{}' has unknown dtype '{}'", path_, name, dtypeValue->string());

    SafetensorsTensor tensor{name, dtype->dtype, {}, nullptr, 0};
    const JsonValue *shapeValue = entry.find("shape");
    if (!shapeValue || !readIndexArray(*shapeValue, tensor.shape))
      return fail("'{}': tensor '{}' has no \"shape\" array of non-negative integers", path_, name);

    std::vector<int64_t> offsets;
    const JsonValue *offsetsValue = entry.find("data_offsets");
    if (!offsetsValue || !readIndexArray(*offsetsValue, offsets) || offsets.size() != 2)
      return fail("'{}': tensor '{}' has no \"data_offsets\" pair of non-negative integers", path_, name);
    const uint64_t begin = static_cast<uint64_t>(offsets[0]);
    const uint64_t end = static_cast<uint64_t>(offsets[1]);
    if (end < begin)
      return fail("'{}': tensor '{}' has data_offsets [{}, {}] that end before they begin", path_, name, begin,
                  end);
    if (end > dataBytes)
      return fail("'{}': tensor '{}' has data_offsets [{}, {}] beyond the {}-byte data section", path_, name,
                  begin, end, dataBytes);

    size_t expectedBytes;
    if (!shapeBytes(tensor.shape.data(), tensor.shape.size(), dtype->size, expectedBytes))
      return fail("'{}': tensor '{}' has shape {} whose size overflows", path_, name,
                  formatShape(tensor.shape.data(), tensor.shape.size()));
    if (end - begin != expectedBytes)
      return fail("'{}': tensor '{}' has {} bytes of data but shape {} of {} needs {}", path_, name, end - begin,
                  formatShape(tensor.shape.data(), tensor.shape.size()), dtype->name, expectedBytes);

    tensor.data = dataSection + begin;
    tensor.bytes = expectedBytes;
    tensors_.push_back(std::move(tensor));
  }
  return true;
}

/// Two tensors sharing bytes would alias silently once one is converted or
/// written by a tool; no producer writes such files, so they are corrupt.
bool SafetensorsFile::checkNoOverlap() const {
  std::vector<const SafetensorsTensor *> byStart;
  for (const SafetensorsTensor &tensor : tensors_)
    if (tensor.bytes != 0)
      byStart.push_back(&tensor);
  std::sort(byStart.begin(), byStart.end(),
            [](const SafetensorsTensor *a, const SafetensorsTensor *b) { return a->data < b->data; });
  for (size_t i = 1; i < byStart.size(); ++i) {
    const SafetensorsTensor &previous = *byStart[i - 1];
    if (byStart[i]->data < previous.data + previous.bytes)
      return fail("'{}': tensors '{}' and '{}' overlap in the data section", path_, previous.name,
                  byStart[i]->name);
  }
  return true;
}
