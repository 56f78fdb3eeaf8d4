//===- PackedRows.h - The formats of weights packed at load -----*- C++ -*-===//
//
// Every fact about a packed format that the runtime needs (which file dtype
// it comes from, in which numerics profiles, its block and record sizes, how
// to pack a matrix and how to take one row back out) is one row of the table
// behind packedRowsFormat. The products (Linear.cpp), the packer
// (ProductRows.cpp) and loom_k_embedding, which takes a tied LM head's rows
// back out in the file's layout, all read it; a new packed format is a row
// there plus its pipelines.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_KERNELS_PACKEDROWS_H
#define LOOM_RUNTIME_KERNELS_PACKEDROWS_H

#include <cstdint>

namespace loom::kernels {

struct PackedRowsFormat {
  int64_t packedDtype; ///< LOOM_DTYPE_*_ROWS16
  int64_t fileDtype;   ///< the ggml dtype it is packed from
  const char *name;
  /// Whether the ggml profile packs it too: only where llama.cpp's x86 kernels sum in the packed kernel's
  /// order (Q4_0), so that the logits stay llama.cpp's.
  bool inGgmlProfile;
  int blockElems;     ///< elements of one block (a record holds this block of 16 rows)
  int fileBlockBytes; ///< bytes of one block in the file's layout
  int recordBytes;    ///< bytes of one record
  /// Writes a [rows, columns] matrix in the file's layout to `target` in the packed one.
  void (*pack)(const uint8_t *source, int64_t rows, int64_t columns, uint8_t *target);
  /// Writes row `row` of a packed matrix of `columns` columns to `out` as the file's blocks.
  void (*unpackRow)(const uint8_t *packed, int64_t row, int64_t columns, uint8_t *out);
};

/// The format of packed dtype `dtype`, or nullptr when `dtype` is not a packed one.
const PackedRowsFormat *packedRowsFormat(int64_t dtype);

/// The packed format a matrix of file dtype `dtype` takes under `numerics` (LOOM_NUMERICS_*), or nullptr.
const PackedRowsFormat *packedRowsFormatFor(int64_t dtype, int64_t numerics);

} // namespace loom::kernels

#endif // LOOM_RUNTIME_KERNELS_PACKEDROWS_H
