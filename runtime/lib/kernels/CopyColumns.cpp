//===- CopyColumns.cpp - loom_k_copy_columns ------------------------------===//
//
// loom.slice and loom.concat move a few hundred values per row (MLA's RoPE
// and non-RoPE parts): one memcpy per row.
//
//===----------------------------------------------------------------------===//

#include "KernelErrors.h"
#include "loom/Runtime/Kernels.h"

#include <cstring>

void loom_k_copy_columns(const float *x, int64_t rows, int64_t x_width, int64_t x_offset, int64_t width, float *y,
                         int64_t y_width, int64_t y_offset) {
  if (rows < 0 || width < 0 || x_offset < 0 || y_offset < 0 || x_offset + width > x_width ||
      y_offset + width > y_width)
    loom_kernel_fail("loom_k_copy_columns: columns %lld..%lld of %lld into %lld..%lld of %lld",
                     static_cast<long long>(x_offset), static_cast<long long>(x_offset + width),
                     static_cast<long long>(x_width), static_cast<long long>(y_offset),
                     static_cast<long long>(y_offset + width), static_cast<long long>(y_width));
  for (int64_t r = 0; r < rows; ++r)
    std::memcpy(y + r * y_width + y_offset, x + r * x_width + x_offset, size_t(width) * sizeof(float));
}
