//===- LatentWeights.cpp - DeepSeek's kv_b from llama.cpp's halves --------===//

#include "LatentWeights.h"
#include "Error.h"
#include "HalfFloat.h"
#include "Shape.h"

#include <cstring>
#include <vector>

using namespace loom::rt;

namespace {

constexpr std::string_view kKvB = "kv_b_proj.weight";

/// Reads ggml row `row` (dims[0] elements) of `tensor` as F32. The caller has checked the type.
void readRow(const GgufTensor &tensor, int64_t row, float *out) {
  const size_t count = size_t(tensor.dims[0]);
  const size_t rowBytes = tensor.bytes / size_t(tensor.elements / tensor.dims[0]);
  const uint8_t *data = tensor.data + size_t(row) * rowBytes;
  auto bits16 = [&](size_t offset) {
    uint16_t bits;
    std::memcpy(&bits, data + offset, sizeof(bits)); // tensors sit at arbitrary file offsets
    return bits;
  };
  switch (tensor.type) {
  case kGgmlF32:
    std::memcpy(out, data, count * sizeof(float));
    return;
  case kGgmlF16:
    for (size_t i = 0; i < count; ++i)
      out[i] = halfToFloat(bits16(2 * i));
    return;
  case kGgmlBF16:
    for (size_t i = 0; i < count; ++i)
      out[i] = bfloat16ToFloat(bits16(2 * i));
    return;
  default: // Q8_0: blocks of an F16 scale and 32 signed codes, value = scale * code
    for (size_t block = 0; block < count / 32; ++block) {
      const float scale = halfToFloat(bits16(block * 34));
      for (size_t i = 0; i < 32; ++i)
        out[block * 32 + i] = scale * float(static_cast<int8_t>(data[block * 34 + 2 + i]));
    }
    return;
  }
}

bool readable(const GgufTensor &tensor, const std::string &file) {
  if (tensor.type == kGgmlF32 || tensor.type == kGgmlF16 || tensor.type == kGgmlBF16 || tensor.type == kGgmlQ8_0)
    return true;
  return fail("'{}': tensor '{}' is {}, but Loom reassembles DeepSeek's kv_b from attn_k_b and attn_v_b only "
              "when they are F32, F16, BF16 or Q8_0 (the key half must be transposed, which moves elements "
              "across quantization blocks)",
              file, tensor.name, ggmlTypeName(tensor.type));
}

} // namespace

bool loom::rt::latentHalvesOf(std::string_view kvB, std::string &keys, std::string &values) {
  if (kvB.size() <= kKvB.size() || kvB.substr(kvB.size() - kKvB.size()) != kKvB)
    return false;
  std::string prefix(kvB.substr(0, kvB.size() - kKvB.size()));
  keys = prefix + "k_b_proj.weight";
  values = prefix + "v_b_proj.weight";
  return true;
}

bool loom::rt::setLatentKvB(size_t index, const loom_weight_desc &weight, const GgufTensor &keys,
                            const GgufTensor &values, const std::string &file, WeightStore &store) {
  if (!readable(keys, file) || !readable(values, file))
    return false;
  const int64_t nope = keys.dims[0], rank = keys.dims[1], heads = keys.dims[2];
  const int64_t value = values.dims[1];
  const std::vector<int64_t> keyShape = keys.shape(), valueShape = values.shape();
  if (keys.nDims != 3 || values.nDims != 3 || values.dims[0] != rank || values.dims[2] != heads ||
      weight.rank != 2 || weight.shape[0] != heads * (nope + value) || weight.shape[1] != rank)
    return fail("'{}': tensors '{}' {} and '{}' {} do not make the model's kv_b {} (expected [heads, rank, "
                "nope] and [heads, value, rank] with heads * (nope + value) rows of rank columns)",
                file, keys.name, formatShape(keyShape.data(), keyShape.size()), values.name,
                formatShape(valueShape.data(), valueShape.size()), formatShape(weight.shape, weight.rank));
  float *kvB = store.allocateF32(index, size_t(heads * (nope + value) * rank), weight.name);
  if (!kvB)
    return false;
  std::vector<float> row(size_t(rank > nope ? rank : nope));
  for (int64_t h = 0; h < heads; ++h) {
    float *head = kvB + h * (nope + value) * rank;
    // Key rows: k_b's row (h, r) holds column r of the head's nope rows.
    for (int64_t r = 0; r < rank; ++r) {
      readRow(keys, h * rank + r, row.data());
      for (int64_t i = 0; i < nope; ++i)
        head[i * rank + r] = row[size_t(i)];
    }
    // Value rows are v_b's rows as they are.
    for (int64_t j = 0; j < value; ++j)
      readRow(values, h * value + j, head + (nope + j) * rank);
  }
  return true;
}
