//===- ProductRows.cpp - Packing weights for the fast products ------------===//
//
// loom_k_linear_packed_dtype and loom_k_pack_linear_weights: the load-time
// half of codegen/kernels/ProductRows.h. Only Q4_0 has a packed layout so
// far: its file layout costs the products a scalar F16 decode per block and
// row, which dominated a 4-bit decode (docs/performance.md).
//
//===----------------------------------------------------------------------===//

#include "KernelErrors.h"
#include "PackedRows.h"
#include "ProductRows.h"
#include "loom/Runtime/Kernels.h"

#include <cstring>

using namespace loom::kernels::product_rows;

int64_t loom_k_linear_packed_dtype(int64_t dtype, int64_t rows, int64_t columns, int64_t *bytes) {
  *bytes = 0;
  if (dtype != LOOM_DTYPE_Q4_0 || rows <= 0 || columns <= 0 || rows % kGroupRows != 0 ||
      columns % kBlockElems != 0)
    return dtype;
  *bytes = rows / kGroupRows * (columns / kBlockElems) * kRecordBytes;
  return LOOM_DTYPE_Q4_0_ROWS16;
}

namespace {

/// Where row r's block b and its scale bytes lie in a packed Q4_0 matrix of `blocks` blocks per row.
struct PackedBlock {
  int64_t record;
  int r;
  static PackedBlock of(int64_t row, int64_t b, int64_t blocks) {
    return {(row / kGroupRows * blocks + b) * kRecordBytes, static_cast<int>(row % kGroupRows)};
  }
  int64_t nibbles(int c) const { return record + (c * kGroupRows + r) * kCodesPerLane; }
  int64_t scaleLow() const { return record + kScaleLowOffset + r; }
  int64_t scaleHigh() const { return record + kScaleHighOffset + r; }
};

constexpr int kNibbleChunks = kBlockElems / 2 / kCodesPerLane;

} // namespace

void loom::kernels::unpackQ4_0Row(const uint8_t *packed, int64_t row, int64_t columns, uint8_t *out) {
  const int64_t blocks = columns / kBlockElems;
  for (int64_t b = 0; b < blocks; ++b) {
    PackedBlock at = PackedBlock::of(row, b, blocks);
    uint8_t *block = out + b * kQ4_0BlockBytes;
    block[0] = packed[at.scaleLow()];
    block[1] = packed[at.scaleHigh()];
    for (int c = 0; c < kNibbleChunks; ++c)
      std::memcpy(block + 2 + c * kCodesPerLane, packed + at.nibbles(c), kCodesPerLane);
  }
}

void loom_k_pack_linear_weights(const loom_tensor *w, int64_t rows, int64_t columns, void *out) {
  int64_t bytes;
  if (!w || !out)
    loom_kernel_fail("loom_k_pack_linear_weights: %s is NULL", w ? "out" : "w");
  if (loom_k_linear_packed_dtype(w->dtype, rows, columns, &bytes) == w->dtype)
    loom_kernel_fail("loom_k_pack_linear_weights: no packed layout for dtype %lld [%lld, %lld]",
                     static_cast<long long>(w->dtype), static_cast<long long>(rows),
                     static_cast<long long>(columns));
  const auto *source = static_cast<const uint8_t *>(w->data);
  auto *target = static_cast<uint8_t *>(out);
  const int64_t blocks = columns / kBlockElems;
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t b = 0; b < blocks; ++b) {
      PackedBlock at = PackedBlock::of(row, b, blocks);
      const uint8_t *block = source + (row * blocks + b) * kQ4_0BlockBytes;
      target[at.scaleLow()] = block[0];
      target[at.scaleHigh()] = block[1];
      for (int c = 0; c < kNibbleChunks; ++c)
        std::memcpy(target + at.nibbles(c), block + 2 + c * kCodesPerLane, kCodesPerLane);
    }
}
