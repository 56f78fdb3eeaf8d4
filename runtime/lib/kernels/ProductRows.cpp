//===- ProductRows.cpp - Packing weights for the fast products ------------===//
//
// loom_k_linear_packed_dtype and loom_k_pack_linear_weights: the load-time
// half of codegen/kernels/ProductRows.h. Only Q4_0 has a packed layout so
// far: its file layout costs the products a scalar F16 decode per block and
// row, which dominated a 4-bit decode (docs/performance.md).
//
//===----------------------------------------------------------------------===//

#include "KernelErrors.h"
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
  const int64_t rowBytes = blocks * kQ4_0BlockBytes;
  for (int64_t group = 0; group < rows / kGroupRows; ++group)
    for (int64_t b = 0; b < blocks; ++b) {
      uint8_t *record = target + (group * blocks + b) * kRecordBytes;
      for (int r = 0; r < kGroupRows; ++r) {
        const uint8_t *block = source + (group * kGroupRows + r) * rowBytes + b * kQ4_0BlockBytes;
        record[kScaleLowOffset + r] = block[0];
        record[kScaleHighOffset + r] = block[1];
        for (int c = 0; c < kBlockElems / 2 / kCodesPerLane; ++c)
          std::memcpy(record + (c * kGroupRows + r) * kCodesPerLane, block + 2 + c * kCodesPerLane,
                      kCodesPerLane);
      }
    }
}
