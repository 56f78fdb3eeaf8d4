//===- Embedding.cpp - loom_k_embedding -----------------------------------===//
//
// The ABI does not pass the vocabulary size, so the table view spans rows
// [0, max(ids)]: exactly the rows the lookup can touch. A table packed for
// the products (a tied LM head's, fast profile) has its looked-up rows taken
// back out into the file's layout first, so every table decodes alike.
//
//===----------------------------------------------------------------------===//

#include "BlockWeights.h"
#include "HalideBuffers.h"
#include "KernelErrors.h"
#include "PackedRows.h"
#include "RunPipeline.h"
#include "loom/Runtime/Kernels.h"

#include "loom_hl_embedding_bf16.h"
#include "loom_hl_embedding_f16.h"
#include "loom_hl_embedding_f32.h"
#include "loom_hl_embedding_q4_0.h"
#include "loom_hl_embedding_q4_1.h"
#include "loom_hl_embedding_q4_k.h"
#include "loom_hl_embedding_q6_k.h"
#include "loom_hl_embedding_q8_0.h"

#include <vector>

using namespace loom::kernels;

namespace {

using EmbeddingPipeline = int (*)(halide_buffer_t *table, halide_buffer_t *ids, float scale, halide_buffer_t *out);

struct EmbeddingVariant {
  halide_type_t storage;
  EmbeddingPipeline pipeline;
};

EmbeddingVariant variantFor(int64_t dtype) {
  switch (dtype) {
  case LOOM_DTYPE_F32:
    return {kF32, loom_hl_embedding_f32};
  case LOOM_DTYPE_F16:
    return {kF16, loom_hl_embedding_f16};
  case LOOM_DTYPE_BF16:
    return {kU16, loom_hl_embedding_bf16};
  case LOOM_DTYPE_Q8_0:
    return {kU8, loom_hl_embedding_q8_0};
  case LOOM_DTYPE_Q4_0:
    return {kU8, loom_hl_embedding_q4_0};
  case LOOM_DTYPE_Q4_1:
    return {kU8, loom_hl_embedding_q4_1};
  case LOOM_DTYPE_Q4_K:
    return {kU8, loom_hl_embedding_q4_k};
  case LOOM_DTYPE_Q6_K:
    return {kU8, loom_hl_embedding_q6_k};
  default:
    loom_kernel_fail("loom_k_embedding: tables of dtype %lld are not supported (F32, F16, BF16, Q8_0, Q4_0, "
                     "Q4_1, Q4_K and Q6_K are)",
                     static_cast<long long>(dtype));
  }
}

/// A packed table's looked-up rows in the file's layout, and the ids of those rows there (0 .. n - 1):
/// thread-local, grown as needed and reused, like the products' quantized activations.
struct UnpackedRows {
  loom_tensor table;
  const int32_t *ids;
};

UnpackedRows unpackRows(const loom_tensor &packed, int64_t d, const int32_t *ids, int64_t n, const char *kernel) {
  const PackedRowsFormat &unpack = *packedRowsFormat(packed.dtype);
  if (d % unpack.blockElems != 0)
    loom_kernel_fail("%s: packed %s tables need d to be a multiple of %d, got d = %lld", kernel,
                     unpack.name, unpack.blockElems, static_cast<long long>(d));
  thread_local std::vector<uint8_t> rows;
  thread_local std::vector<int32_t> rowIds;
  const int64_t rowBytes = d / unpack.blockElems * unpack.fileBlockBytes;
  rows.resize(static_cast<size_t>(n * rowBytes));
  rowIds.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    if (ids[i] < 0)
      loom_kernel_fail("%s: token id %d at %lld is negative", kernel, ids[i], static_cast<long long>(i));
    unpack.unpackRow(static_cast<const uint8_t *>(packed.data), ids[i], d, rows.data() + i * rowBytes);
    rowIds[i] = static_cast<int32_t>(i);
  }
  return {{rows.data(), unpack.fileDtype}, rowIds.data()};
}

} // namespace

void loom_k_embedding(const loom_tensor *table, int64_t d, const int32_t *ids, int64_t n, float scale, float *out) {
  constexpr const char *kernel = "loom_k_embedding";
  if (n == 0 || d == 0)
    return;
  if (!table)
    loom_kernel_fail("%s: the table is NULL", kernel);
  if (packedRowsFormat(table->dtype)) {
    UnpackedRows unpacked = unpackRows(*table, d, ids, n, kernel);
    return loom_k_embedding(&unpacked.table, d, unpacked.ids, n, scale, out);
  }
  EmbeddingVariant variant = variantFor(table->dtype);
  int32_t maxId = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (ids[i] < 0)
      loom_kernel_fail("%s: token id %d at %lld is negative", kernel, ids[i], static_cast<long long>(i));
    maxId = ids[i] > maxId ? ids[i] : maxId;
  }
  // A block table's rows are d / blockElems blocks of bytes, decoded by the pipeline.
  int64_t rowExtent = d;
  if (BlockShape block = blockShape(table->dtype); block.elems != 0) {
    if (d % block.elems != 0)
      loom_kernel_fail("%s: %s tables need d to be a multiple of %lld, got d = %lld", kernel,
                       blockDtypeName(table->dtype), static_cast<long long>(block.elems),
                       static_cast<long long>(d));
    rowExtent = d / block.elems * block.bytes;
  }
  auto tableView = BufferView<2>::dense(table->data, variant.storage, {rowExtent, int64_t(maxId) + 1}, kernel);
  auto idsView = BufferView<1>::dense(ids, kI32, {n}, kernel);
  auto outView = BufferView<2>::dense(out, kF32, {d, n}, kernel);
  runPipeline(kernel, variant.pipeline, tableView.get(), idsView.get(), scale, outView.get());
}
