//===- PackedRows.h - Rows of weights packed at load ------------*- C++ -*-===//
//
// The kernels other than the products that read a packed matrix (a tied LM
// head's table, for loom_k_embedding) take its rows back out in the file's
// layout: a few rows per call, and the file layout's decode stays the one.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_KERNELS_PACKEDROWS_H
#define LOOM_RUNTIME_KERNELS_PACKEDROWS_H

#include <cstdint>

namespace loom::kernels {

/// Row `row` of a LOOM_DTYPE_Q4_0_ROWS16 matrix of `columns` columns, as the Q4_0 blocks it was packed
/// from (columns / 32 blocks of 18 bytes) at `out`.
void unpackQ4_0Row(const uint8_t *packed, int64_t row, int64_t columns, uint8_t *out);

/// Row `row` of a LOOM_DTYPE_Q4_1_ROWS16 matrix, as the Q4_1 blocks it was packed from.
void unpackQ4_1Row(const uint8_t *packed, int64_t row, int64_t columns, uint8_t *out);

/// Row `row` of a LOOM_DTYPE_Q8_0_ROWS16 matrix, as the Q8_0 blocks it was packed from.
void unpackQ8_0Row(const uint8_t *packed, int64_t row, int64_t columns, uint8_t *out);

/// Row `row` of a LOOM_DTYPE_Q4_K_ROWS16 matrix, as the Q4_K super-blocks it was packed from.
void unpackQ4_KRow(const uint8_t *packed, int64_t row, int64_t columns, uint8_t *out);

} // namespace loom::kernels

#endif // LOOM_RUNTIME_KERNELS_PACKEDROWS_H
