//===- Embedding.cpp - loom_k_embedding -----------------------------------===//
//
// The ABI does not pass the vocabulary size, so the table view spans rows
// [0, max(ids)]: exactly the rows the lookup can touch.
//
//===----------------------------------------------------------------------===//

#include "HalideBuffers.h"
#include "KernelErrors.h"
#include "RunPipeline.h"
#include "loom/Runtime/Kernels.h"

#include "loom_hl_embedding_bf16.h"
#include "loom_hl_embedding_f16.h"
#include "loom_hl_embedding_f32.h"

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
  default:
    loom_kernel_fail("loom_k_embedding: tables of dtype %lld are not supported (F32, F16 and BF16 are)",
                     static_cast<long long>(dtype));
  }
}

} // namespace

void loom_k_embedding(const loom_tensor *table, int64_t d, const int32_t *ids, int64_t n, float scale, float *out) {
  constexpr const char *kernel = "loom_k_embedding";
  if (n == 0 || d == 0)
    return;
  if (!table)
    loom_kernel_fail("%s: the table is NULL", kernel);
  EmbeddingVariant variant = variantFor(table->dtype);
  int32_t maxId = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (ids[i] < 0)
      loom_kernel_fail("%s: token id %d at %lld is negative", kernel, ids[i], static_cast<long long>(i));
    maxId = ids[i] > maxId ? ids[i] : maxId;
  }
  auto tableView = BufferView<2>::dense(table->data, variant.storage, {d, int64_t(maxId) + 1}, kernel);
  auto idsView = BufferView<1>::dense(ids, kI32, {n}, kernel);
  auto outView = BufferView<2>::dense(out, kF32, {d, n}, kernel);
  runPipeline(kernel, variant.pipeline, tableView.get(), idsView.get(), scale, outView.get());
}
