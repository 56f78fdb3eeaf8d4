//===- FuseQKNormRoPE.cpp - QK-norm and RoPE as one op ------------------===//
//
// Matches RoPE applied to an RMSNorm of the same queries or keys, in the two
// forms architectures use: a per-head norm of [tokens, heads, head_dim]
// (Qwen3, Gemma 3, with or without Gemma's 1 + w), and a norm over the whole
// projection before the heads are split (OLMo 2, MiniMax-M2). Only a norm
// whose result feeds nothing but the RoPE is fused, so no value is computed
// twice.
//
//===----------------------------------------------------------------------===//
#include "loom/Passes/Passes.h"

#include "loom/Dialect/LoomOps.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace loom {
#define GEN_PASS_DEF_LOOMFUSEQKNORMROPEPASS
#include "loom/Passes/Passes.h.inc"
} // namespace loom

using namespace mlir;

namespace loom {
namespace {

struct FuseNormIntoRoPE : OpRewritePattern<RoPEOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RoPEOp rope, PatternRewriter &rewriter) const override {
    Value heads = rope.getInput();
    auto type = cast<RankedTensorType>(heads.getType());
    RMSNormOp norm;
    int64_t normWidth = 0;
    if (auto perHead = heads.getDefiningOp<RMSNormOp>()) {
      norm = perHead;
      normWidth = type.getShape()[2];
    } else if (auto split = heads.getDefiningOp<SplitHeadsOp>()) {
      norm = split.getInput().getDefiningOp<RMSNormOp>();
      if (!norm || !split->hasOneUse())
        return rewriter.notifyMatchFailure(rope, "the split heads are not a normalised projection used once");
      normWidth = type.getShape()[1] * type.getShape()[2];
    }
    if (!norm || !norm->hasOneUse())
      return rewriter.notifyMatchFailure(rope, "the input is not an RMSNorm used only here");

    // The fused op works on heads: split the projection first when the norm spans all of them.
    Value input = norm.getInput();
    if (cast<RankedTensorType>(input.getType()).getRank() == 2)
      input = SplitHeadsOp::create(rewriter, norm.getLoc(), type, input);
    rewriter.replaceOpWithNewOp<QKNormRoPEOp>(
        rope, type, input, norm.getWeight(), rope.getStart(), norm.getEpsAttr(), norm.getWeightOffsetAttr(),
        rewriter.getI64IntegerAttr(normWidth), rope.getThetaAttr(), rope.getStyleAttr(), rope.getRotaryDimsAttr(),
        rope.getScalingAttr());
    return success();
  }
};

struct LoomFuseQKNormRoPEPass : impl::LoomFuseQKNormRoPEPassBase<LoomFuseQKNormRoPEPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseNormIntoRoPE>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace loom
