//===- AbsorbMLA.cpp - Latent attention absorbed for short chunks --------===//
//
// `loom.mla_attend` as MLIRGen writes it expands every cached latent c(t) by
// kv_b into each head's key and value: for a decode step that multiplies the
// whole context out again. Folding W_UK into the query and W_UV into the
// output instead attends against the latent rows themselves. Which is cheaper
// depends on the chunk: with n tokens against c keys, H heads, rank r and
// per-head dimensions d_n (no RoPE), d_r (RoPE) and d_v (value), the
// multiply-adds are
//
//   expanded:  c r H (d_n + d_v)           (expanding the keys)
//            + n c H (d_n + d_r + d_v)     (scores and values)
//   absorbed:  n r H (d_n + d_v)           (folding W_UK into q, W_UV into o)
//            + n c H (2 r + d_r)           (scores and values over the latent)
//
// so absorbing pays while n (r (d_n + d_v) + c (2r - d_n - d_v)) < c r (d_n + d_v),
// i.e. for every context once n < r (d_n + d_v) / (2r - d_n - d_v), the
// long-context limit of that bound (DeepSeek V3: 512 x 256 / 768 = 170
// tokens). The pass records it as the op's absorb_max_tokens: decode steps
// and short chunks run absorbed, long prefill chunks expanded. When
// 2r <= d_n + d_v absorbing always pays.
//
//===----------------------------------------------------------------------===//
#include "loom/Passes/Passes.h"

#include "loom/Dialect/LoomOps.h"

#include <limits>

namespace loom {
#define GEN_PASS_DEF_LOOMABSORBMLAPASS
#include "loom/Passes/Passes.h.inc"
} // namespace loom

using namespace mlir;

namespace loom {
namespace {

/// The most tokens per chunk for which the absorbed form does less work, at any context length.
int64_t absorbMaxTokens(MLAttendOp op) {
  auto shape = [](Value v) { return cast<RankedTensorType>(v.getType()).getShape(); };
  const int64_t nope = shape(op.getQNope())[2], value = shape(op.getResult())[2];
  const int64_t rank = shape(op.getKvB())[1];
  const int64_t saved = rank * (nope + value), extraPerKey = 2 * rank - nope - value;
  if (extraPerKey <= 0)
    return std::numeric_limits<int32_t>::max();
  // n < saved / extraPerKey, strictly.
  return (saved - 1) / extraPerKey;
}

struct LoomAbsorbMLAPass : impl::LoomAbsorbMLAPassBase<LoomAbsorbMLAPass> {
  void runOnOperation() override {
    getOperation().walk([](MLAttendOp op) {
      op.setAbsorbMaxTokens(static_cast<uint64_t>(absorbMaxTokens(op)));
    });
  }
};

} // namespace
} // namespace loom
