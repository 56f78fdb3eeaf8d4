//===- BlockEmbedding.cpp - Token embedding lookup from ggml block rows ---===//
//
// out[t, :] = dequantize(table[ids[t]]) * scale, each element decoded exactly
// as ggml's get_rows does (d * q, or d * q + m for Q4_1). As in Embedding.cpp
// the caller sizes the table view to max(ids) + 1 rows.
//
//===----------------------------------------------------------------------===//

#include "BlockFormat.h"
#include "EmbeddingSchedule.h"

using namespace Halide;

namespace loom::kernels {
namespace {

class BlockEmbedding : public Generator<BlockEmbedding> {
public:
  GeneratorParam<BlockFormat> weights{"weights", BlockFormat::Q8_0, blockFormatNames()};

  Input<Buffer<uint8_t, 2>> table{"table"}; // [rowBytes, rows]
  Input<Buffer<int32_t, 1>> ids{"ids"};     // [n]
  Input<float> scale{"scale"};
  Output<Buffer<float, 2>> out{"out"};      // [d, n]

  void generate() {
    Expr row = clamp(ids(token), 0, table.dim(1).extent() - 1);
    BlockRow blockRow{weights, [&](Expr at) { return table(at, row); }};
    out(i, token) = blockRow.value(i / kBlockElems, i % kBlockElems) * scale;
  }

  void schedule() {
    // Every block format scales its codes by F16 values, decoded with integer operations (BlockRow::half),
    // so no device needs F16 support for them.
    scheduleEmbeddingRows(out, i, token, get_target(), /*usesHalf=*/false);
  }

private:
  Var i{"i"}, token{"token"};
};

} // namespace
} // namespace loom::kernels

HALIDE_REGISTER_GENERATOR(loom::kernels::BlockEmbedding, loom_block_embedding)
