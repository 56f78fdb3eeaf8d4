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
// A shared expert as wide as a routed one is one more group: every token gets
// one more slot, routed to it, so its rows go through the same products and
// its output is added in the same combine, after the routed slots, which is
// the order the `loom.add` it replaces adds them in.
//
//===----------------------------------------------------------------------===//
#include "loom/Passes/Passes.h"

#include "loom/Dialect/LoomOps.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <optional>

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

/// An unbiased `loom.linear` of `input`, or null.
LinearOp unbiasedLinearOf(Value value, Value input = Value()) {
  auto linear = value.getDefiningOp<LinearOp>();
  if (!linear || linear.getBias() || (input && linear.getInput() != input))
    return nullptr;
  return linear;
}

/// The shared expert the routed experts' output is added to, in the form MLIRGen writes it: an unbiased gated
/// MLP of the experts' input with the experts' activation, optionally scaled per token by `loom.sigmoid_gate`.
struct SharedExpert {
  AddOp sum;
  Value gate, up, down; ///< `[hidden, d]`, `[hidden, d]`, `[d, hidden]`.
  Value gateLogit;      ///< `[tokens, 1]`, or null for an ungated shared expert.
};

std::optional<SharedExpert> matchSharedExpert(ExpertsOp experts, int64_t hidden) {
  if (!experts.getBiases().empty() || !experts->hasOneUse())
    return std::nullopt;
  auto sum = dyn_cast<AddOp>(*experts->getUsers().begin());
  if (!sum)
    return std::nullopt;
  Value shared = sum.getLhs() == experts.getResult() ? sum.getRhs() : sum.getLhs();
  SharedExpert match{sum, {}, {}, {}, {}};
  if (auto scaled = shared.getDefiningOp<SigmoidGateOp>(); scaled && cast<RankedTensorType>(scaled.getGate().getType()).getDimSize(1) == 1) {
    match.gateLogit = scaled.getGate();
    shared = scaled.getUp();
  }
  LinearOp down = unbiasedLinearOf(shared);
  if (!down)
    return std::nullopt;
  Operation *activation = down.getInput().getDefiningOp();
  // MLIRGen writes a shared expert as a plain SwiGLU whatever the routed experts' activation, so a clamped-SwiGLU
  // layer's shared expert never computes what its routed experts do and cannot join their products.
  bool sameActivation = false;
  switch (experts.getActivation()) {
  case ExpertActivation::swiglu:
    sameActivation = isa_and_nonnull<SwiGLUOp>(activation);
    break;
  case ExpertActivation::geglu:
    sameActivation = isa_and_nonnull<GeGLUOp>(activation);
    break;
  case ExpertActivation::swiglu_oai:
    break;
  }
  if (!sameActivation)
    return std::nullopt;
  LinearOp gate = unbiasedLinearOf(activation->getOperand(0), experts.getInput());
  LinearOp up = unbiasedLinearOf(activation->getOperand(1), experts.getInput());
  if (!gate || !up || cast<RankedTensorType>(gate.getWeight().getType()).getDimSize(0) != hidden)
    return std::nullopt;
  match.gate = gate.getWeight();
  match.up = up.getWeight();
  match.down = down.getWeight();
  return match;
}

struct GroupExperts : OpRewritePattern<ExpertsOp> {
  GroupExperts(MLIRContext *context, bool fuseShared) : OpRewritePattern(context), fuseShared(fuseShared) {}

  LogicalResult matchAndRewrite(ExpertsOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto gate = cast<RankedTensorType>(op.getGate().getType()).getShape();
    const int64_t experts = gate[0], hidden = gate[1];
    const int64_t d = cast<RankedTensorType>(op.getInput().getType()).getDimSize(1);
    Value gateBias, upBias, downBias;
    if (!op.getBiases().empty()) {
      gateBias = op.getBiases()[0];
      upBias = op.getBiases()[1];
      downBias = op.getBiases()[2];
    }

    std::optional<SharedExpert> shared = fuseShared ? matchSharedExpert(op, hidden) : std::nullopt;
    Value ids = op.getExperts(), weights = op.getWeights();
    int64_t k = cast<RankedTensorType>(ids.getType()).getDimSize(1), groups = experts;
    if (shared) {
      // The shared expert's gate logit is computed after the routed experts; everything is ready at the sum.
      rewriter.setInsertionPoint(shared->sum);
      ++k;
      ++groups;
      auto appended = MoeAppendSharedOp::create(
          rewriter, loc, RankedTensorType::get({ShapedType::kDynamic, k}, rewriter.getI32Type()),
          RankedTensorType::get({ShapedType::kDynamic, k}, rewriter.getF32Type()), ids, weights, shared->gateLogit,
          rewriter.getI64IntegerAttr(experts));
      ids = appended.getResultExperts();
      weights = appended.getResultWeights();
    }
    Value sharedGate = shared ? shared->gate : Value(), sharedUp = shared ? shared->up : Value(),
          sharedDown = shared ? shared->down : Value();

    auto dispatch = MoeDispatchOp::create(rewriter, loc, ids.getType(),
                                          RankedTensorType::get({groups + 1}, rewriter.getI64Type()), ids);
    Value order = dispatch.getOrder(), offsets = dispatch.getOffsets();
    // Llama 4 weights the experts' input, everyone else their output.
    Value inputWeights = op.getWeightInput() ? weights : Value();
    Value outputWeights = op.getWeightInput() ? Value() : weights;
    Value rows = MoeGatherOp::create(rewriter, loc, rowsType(rewriter, k, d), op.getInput(), order, inputWeights);
    auto hiddenType = rowsType(rewriter, k, hidden);
    Value g = GroupedLinearOp::create(rewriter, loc, hiddenType, rows, offsets, op.getGate(), gateBias, sharedGate);
    Value u = GroupedLinearOp::create(rewriter, loc, hiddenType, rows, offsets, op.getUp(), upBias, sharedUp);
    Value h;
    switch (op.getActivation()) {
    case ExpertActivation::swiglu:
      h = SwiGLUOp::create(rewriter, loc, hiddenType, g, u);
      break;
    case ExpertActivation::geglu:
      h = GeGLUOp::create(rewriter, loc, hiddenType, g, u);
      break;
    case ExpertActivation::swiglu_oai:
      h = SwiGLUOaiOp::create(rewriter, loc, hiddenType, g, u, op.getAlphaAttr(), op.getLimitAttr());
      break;
    }
    Value y = GroupedLinearOp::create(rewriter, loc, rowsType(rewriter, k, d), h, offsets, op.getDown(), downBias,
                                      sharedDown);
    Value combined = MoeCombineOp::create(rewriter, loc, op.getType(), y, order, outputWeights);
    if (shared) {
      rewriter.replaceOp(shared->sum, combined);
      rewriter.eraseOp(op);
    } else {
      rewriter.replaceOp(op, combined);
    }
    return success();
  }

private:
  bool fuseShared;
};

struct LoomMoeGroupedMatmulPass : impl::LoomMoeGroupedMatmulPassBase<LoomMoeGroupedMatmulPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<GroupExperts>(&getContext(), fuseSharedExpert);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace loom
