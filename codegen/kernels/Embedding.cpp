//===- Embedding.cpp - Token embedding lookup -----------------------------===//
//
// out[t, :] = table[ids[t], :] * scale, widening the table's format to F32.
// The ABI does not pass the vocabulary size: the caller sizes the table view
// to max(ids) + 1 rows, and the clamp only tells bounds inference that no
// other row is read (the runtime has validated every id).
//
//===----------------------------------------------------------------------===//

#include "EmbeddingSchedule.h"
#include "WeightFormat.h"

using namespace Halide;

namespace loom::kernels {
namespace {

class Embedding : public Generator<Embedding> {
public:
  GeneratorParam<WeightFormat> weights{"weights", WeightFormat::F32, weightFormatNames()};

  Input<Buffer<void, 2>> table{"table"};     // [d, rows]
  Input<Buffer<int32_t, 1>> ids{"ids"};      // [n]
  Input<float> scale{"scale"};
  Output<Buffer<float, 2>> out{"out"};       // [d, n]

  void configure() { table.set_type(storageType(weights)); }

  void generate() {
    Expr row = clamp(ids(token), 0, table.dim(1).extent() - 1);
    out(i, token) = widenToFloat(table(i, row), weights) * scale;
  }

  void schedule() { scheduleEmbeddingRows(out, i, token, get_target(), weights == WeightFormat::F16); }

private:
  Var i{"i"}, token{"token"};
};

} // namespace
} // namespace loom::kernels

HALIDE_REGISTER_GENERATOR(loom::kernels::Embedding, loom_embedding)
