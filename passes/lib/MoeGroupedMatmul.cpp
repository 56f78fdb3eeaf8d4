//===- MoeGroupedMatmul.cpp - Routed experts as grouped matrix products --===//
//
// `loom.experts` as written runs each token's experts one after another: for
// a prompt every expert's weights stream through the cache once per token
// that chose it, as k GEMVs. Sorting the chunk's (token, slot) pairs by
// expert instead gives each expert one contiguous run of rows, so each
// projection becomes one product per active expert over all its tokens (a
// GEMM, reading the expert's weights once per chunk). The rewrite is
// dispatch -> gather -> grouped products and activation -> weighted combine;
// the combine sums each token's slots in slot order, as `loom.experts` does.
//
//===----------------------------------------------------------------------===//
#include "loom/Passes/Passes.h"

#include "loom/Dialect/LoomOps.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace loom {
#define GEN_PASS_DEF_LOOMMOEGROUPEDMATMULPASS
#include "loom/Passes/Passes.h.inc"
} // namespace loom

using namespace mlir;

namespace loom {
namespace {

/// `[tokens, k, width]` f32.
RankedTensorType rowsType(OpBuilder &builder, int64_t k, int64_t width) {
  return RankedTensorType::get({ShapedType::kDynamic, k, width}, builder.getF32Type());
}

struct GroupExperts : OpRewritePattern<ExpertsOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ExpertsOp op, PatternRewriter &rewriter) const override {
    // gpt-oss's clamped SwiGLU has no elementwise op of its own yet: those experts stay token by token.
    if (op.getActivation() == ExpertActivation::swiglu_oai)
      return rewriter.notifyMatchFailure(op, "no grouped form of swiglu_oai");
    Location loc = op.getLoc();
    auto gate = cast<RankedTensorType>(op.getGate().getType()).getShape();
    const int64_t experts = gate[0], hidden = gate[1];
    const int64_t k = cast<RankedTensorType>(op.getExperts().getType()).getDimSize(1);
    const int64_t d = cast<RankedTensorType>(op.getInput().getType()).getDimSize(1);
    Value gateBias, upBias, downBias;
    if (!op.getBiases().empty()) {
      gateBias = op.getBiases()[0];
      upBias = op.getBiases()[1];
      downBias = op.getBiases()[2];
    }

    auto dispatch = MoeDispatchOp::create(rewriter, loc, op.getExperts().getType(),
                                          RankedTensorType::get({experts + 1}, rewriter.getI64Type()), op.getExperts());
    Value order = dispatch.getOrder(), offsets = dispatch.getOffsets();
    // Llama 4 weights the experts' input, everyone else their output.
    Value inputWeights = op.getWeightInput() ? op.getWeights() : Value();
    Value outputWeights = op.getWeightInput() ? Value() : op.getWeights();
    Value rows = MoeGatherOp::create(rewriter, loc, rowsType(rewriter, k, d), op.getInput(), order, inputWeights);
    auto hiddenType = rowsType(rewriter, k, hidden);
    Value g = GroupedLinearOp::create(rewriter, loc, hiddenType, rows, offsets, op.getGate(), gateBias);
    Value u = GroupedLinearOp::create(rewriter, loc, hiddenType, rows, offsets, op.getUp(), upBias);
    Value h = op.getActivation() == ExpertActivation::swiglu
                  ? Value(SwiGLUOp::create(rewriter, loc, hiddenType, g, u))
                  : Value(GeGLUOp::create(rewriter, loc, hiddenType, g, u));
    Value y = GroupedLinearOp::create(rewriter, loc, rowsType(rewriter, k, d), h, offsets, op.getDown(), downBias);
    rewriter.replaceOpWithNewOp<MoeCombineOp>(op, op.getType(), y, order, outputWeights);
    return success();
  }
};

struct LoomMoeGroupedMatmulPass : impl::LoomMoeGroupedMatmulPassBase<LoomMoeGroupedMatmulPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<GroupExperts>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace loom
