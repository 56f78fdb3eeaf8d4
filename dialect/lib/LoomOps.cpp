//===- LoomOps.cpp - Verifiers of the loom dialect ----------------------===//
//
// The frontend checks specs at the level of the language; these verifiers
// check the IR itself, so hand-written IR and the output of every pass are
// held to the same rules.
//
//===----------------------------------------------------------------------===//
#include "loom/Dialect/LoomOps.h"
#include "loom/Dialect/RopeScaling.h"

#include "llvm/ADT/STLExtras.h"

#include <cmath>
#include <limits>
#include <tuple>
#include <string>

using namespace mlir;
using namespace loom;

namespace {

/// Activations are `[tokens, d1, ..., dn]`: a dynamic token dimension and
/// static feature dimensions.
LogicalResult verifyActivation(Operation *op, Type type, StringRef what, int64_t rank) {
  auto tensor = cast<RankedTensorType>(type);
  if (tensor.getRank() != rank)
    return op->emitOpError() << "expects " << what << " of rank " << rank << ", got " << type;
  if (!ShapedType::isDynamic(tensor.getDimSize(0)))
    return op->emitOpError() << "expects the token dimension of " << what
                             << " to be dynamic, got " << type;
  for (int64_t dim : tensor.getShape().drop_front())
    if (ShapedType::isDynamic(dim) || dim <= 0)
      return op->emitOpError() << "expects static positive feature dimensions in " << what << ", got "
                               << type;
  return success();
}

ArrayRef<int64_t> shapeOf(Value value) { return cast<RankedTensorType>(value.getType()).getShape(); }
int64_t innermost(Value value) { return shapeOf(value).back(); }

LogicalResult verifyNormWeight(Operation *op, Value weight, Value input, StringRef what) {
  if (!weight)
    return success();
  ArrayRef<int64_t> shape = shapeOf(weight);
  if (shape.size() != 1 || shape[0] != innermost(input))
    return op->emitOpError() << "expects " << what << " of shape [" << innermost(input) << "], got "
                             << weight.getType();
  return success();
}

LogicalResult verifyEps(Operation *op, double eps) {
  if (!(eps > 0.0) || !std::isfinite(eps))
    return op->emitOpError() << "expects a positive finite eps, got " << eps;
  return success();
}

} // namespace

LogicalResult WeightOp::verify() {
  if (getName().empty())
    return emitOpError("expects a non-empty weight name");
  auto type = getResult().getType();
  if (!type.hasStaticShape())
    return emitOpError() << "expects a static weight shape, got " << type;
  if (auto rope = getRopeAttr()) {
    int64_t rows = type.getShape().front();
    if (rope.getHeadDim() <= 0 || rope.getDims() <= 0 || rope.getDims() > rope.getHeadDim() ||
        rope.getDims() % 2 != 0 || rows % rope.getHeadDim() != 0)
      return emitOpError() << "has " << rows << " rows, not whole heads of " << rope.getHeadDim()
                           << " dimensions with an even number (" << rope.getDims() << ") of them rotated";
  }
  return success();
}

LogicalResult EmbeddingOp::verify() {
  ArrayRef<int64_t> table = shapeOf(getTable());
  if (table.size() != 2)
    return emitOpError() << "expects a [vocab, d_model] table, got " << getTable().getType();
  if (failed(verifyActivation(*this, getResult().getType(), "result", 2)))
    return failure();
  if (innermost(getResult()) != table[1])
    return emitOpError() << "result width " << innermost(getResult()) << " does not match the table's "
                         << table[1];
  if (!ShapedType::isDynamic(shapeOf(getTokens())[0]))
    return emitOpError("expects a dynamic number of tokens");
  if (!std::isfinite(getScale().convertToDouble()))
    return emitOpError("expects a finite scale");
  return success();
}

LogicalResult PositionIdsOp::verify() {
  // One id per token of the chunk, like the forward's token ids.
  if (!ShapedType::isDynamic(shapeOf(getResult())[0]))
    return emitOpError() << "expects a dynamic number of positions, got " << getResult().getType();
  return success();
}

LogicalResult RMSNormOp::verify() {
  int64_t rank = cast<RankedTensorType>(getInput().getType()).getRank();
  if (rank < 2 || rank > 3)
    return emitOpError() << "expects a rank-2 or rank-3 input, got " << getInput().getType();
  if (failed(verifyActivation(*this, getInput().getType(), "input", rank)) ||
      failed(verifyNormWeight(*this, getWeight(), getInput(), "weight")) ||
      failed(verifyEps(*this, getEps().convertToDouble())))
    return failure();
  if (!getWeight() && getWeightOffset().convertToDouble() != 0.0)
    return emitOpError("has a weight_offset but no weight");
  return success();
}

LogicalResult LayerNormOp::verify() {
  if (failed(verifyActivation(*this, getInput().getType(), "input", 2)) ||
      failed(verifyNormWeight(*this, getWeight(), getInput(), "weight")) ||
      failed(verifyNormWeight(*this, getBias(), getInput(), "bias")))
    return failure();
  return verifyEps(*this, getEps().convertToDouble());
}

/// `[?, K] x [N, K] -> [?, N]`, shared by linear projections and the LM head.
static LogicalResult verifyProjection(Operation *op, Value input, Value weight, Value bias,
                                      Value result) {
  if (failed(verifyActivation(op, input.getType(), "input", 2)) ||
      failed(verifyActivation(op, result.getType(), "result", 2)))
    return failure();
  ArrayRef<int64_t> w = shapeOf(weight);
  if (w.size() != 2)
    return op->emitOpError() << "expects a [out, in] weight, got " << weight.getType();
  if (w[1] != innermost(input))
    return op->emitOpError() << "weight " << weight.getType() << " expects " << w[1]
                             << " input features, got " << innermost(input);
  if (w[0] != innermost(result))
    return op->emitOpError() << "weight " << weight.getType() << " produces " << w[0]
                             << " features, result has " << innermost(result);
  if (bias && (shapeOf(bias).size() != 1 || shapeOf(bias)[0] != w[0]))
    return op->emitOpError() << "expects a bias of shape [" << w[0] << "], got " << bias.getType();
  return success();
}

LogicalResult LinearOp::verify() {
  return verifyProjection(*this, getInput(), getWeight(), getBias(), getResult());
}

LogicalResult LMHeadOp::verify() {
  double scale = getScale().convertToDouble(), softcap = getSoftcap().convertToDouble();
  if (!(scale > 0) || !std::isfinite(scale))
    return emitOpError() << "scale must be a positive finite number, got " << scale;
  if (!(softcap >= 0) || !std::isfinite(softcap))
    return emitOpError() << "softcap must be 0 (none) or a positive finite number, got " << softcap;
  return verifyProjection(*this, getInput(), getWeight(), Value(), getResult());
}

/// `[?, H * D]` and `[?, H, D]` describe the same memory.
static LogicalResult verifyHeadView(Operation *op, Value flat, Value split) {
  if (failed(verifyActivation(op, flat.getType(), "flat value", 2)) ||
      failed(verifyActivation(op, split.getType(), "per-head value", 3)))
    return failure();
  ArrayRef<int64_t> s = shapeOf(split);
  if (s[1] * s[2] != innermost(flat))
    return op->emitOpError() << s[1] << " heads of " << s[2] << " do not tile " << innermost(flat)
                             << " features";
  return success();
}

LogicalResult SplitHeadsOp::verify() { return verifyHeadView(*this, getInput(), getResult()); }
LogicalResult MergeHeadsOp::verify() { return verifyHeadView(*this, getResult(), getInput()); }

/// The scaling attribute checked its own ranges; what it implies for these dimensions must still be usable
/// angles.
static LogicalResult verifyRopeScaling(Operation *op, Attribute scalingAttr, double theta, int64_t rotary) {
  RopeFrequencyScaling scaling = ropeFrequencyScaling(scalingAttr, theta, rotary);
  for (auto [pair, divisor] : llvm::enumerate(scaling.divisors))
    if (!(divisor > 0) || !std::isfinite(divisor))
      return op->emitOpError() << "scaling gives pair " << pair << " the frequency divisor " << divisor;
  return success();
}

LogicalResult RoPEOp::verify() {
  if (failed(verifyActivation(*this, getInput().getType(), "input", 3)))
    return failure();
  int64_t headDim = innermost(getInput());
  int64_t rotary = static_cast<int64_t>(getRotaryDims());
  if (rotary <= 0 || rotary > headDim || rotary % 2 != 0)
    return emitOpError() << "expects an even rotary_dims in (0, " << headDim << "], got " << rotary;
  double theta = getTheta().convertToDouble();
  if (!(theta > 1.0) || !std::isfinite(theta))
    return emitOpError() << "expects theta > 1, got " << theta;
  return verifyRopeScaling(*this, getScalingAttr(), theta, rotary);
}

LogicalResult QKNormRoPEOp::verify() {
  if (failed(verifyActivation(*this, getInput().getType(), "input", 3)) || failed(verifyEps(*this, getEps().convertToDouble())))
    return failure();
  ArrayRef<int64_t> shape = shapeOf(getInput());
  int64_t width = static_cast<int64_t>(getNormWidth());
  if (width != shape[2] && width != shape[1] * shape[2])
    return emitOpError() << "expects norm_width " << shape[2] << " (per head) or " << shape[1] * shape[2]
                         << " (all heads), got " << width;
  if (getWeight() && (shapeOf(getWeight()).size() != 1 || shapeOf(getWeight())[0] != width))
    return emitOpError() << "expects a weight of shape [" << width << "], got " << getWeight().getType();
  int64_t rotary = static_cast<int64_t>(getRotaryDims());
  if (rotary <= 0 || rotary > shape[2] || rotary % 2 != 0)
    return emitOpError() << "expects an even rotary_dims in (0, " << shape[2] << "], got " << rotary;
  double theta = getTheta().convertToDouble();
  if (!(theta > 1.0) || !std::isfinite(theta))
    return emitOpError() << "expects theta > 1, got " << theta;
  return verifyRopeScaling(*this, getScalingAttr(), theta, rotary);
}

LogicalResult KVCacheType::verify(function_ref<InFlightDiagnostic()> emitError, CacheKind kind, int64_t window,
                                  int64_t kvHeads, int64_t keyDim, int64_t valueDim, int64_t convChannels) {
  if ((kind == CacheKind::recurrent) != (convChannels > 0) || convChannels < 0)
    return emitError() << (kind == CacheKind::recurrent ? "a recurrent cache needs positive conv_channels"
                                                         : "only a recurrent cache has conv_channels")
                       << ", got " << convChannels;
  if (kind == CacheKind::recurrent && (kvHeads <= 0 || keyDim <= 0 || valueDim <= 0 || window <= 0))
    return emitError() << "a recurrent cache needs positive kv_heads, key_dim, value_dim and window (the "
                          "convolution's taps - 1), got "
                       << kvHeads << ", " << keyDim << ", " << valueDim << ", " << window;
  if (kind == CacheKind::recurrent)
    return success();
  if (kind == CacheKind::latent && (kvHeads != 1 || keyDim <= 0 || valueDim != 0 || window != 0))
    return emitError() << "a latent cache has one head of key_dim values, no value_dim and no window, got kv_heads "
                       << kvHeads << ", key_dim " << keyDim << ", value_dim " << valueDim << ", window " << window;
  if (kind == CacheKind::latent)
    return success();
  if (kvHeads <= 0 || keyDim <= 0 || valueDim <= 0)
    return emitError() << "expects positive kv_heads, key_dim and value_dim, got " << kvHeads << ", " << keyDim
                       << ", " << valueDim;
  if ((kind == CacheKind::full) != (window == 0) || window < 0)
    return emitError() << "a " << stringifyCacheKind(kind) << " cache "
                       << (kind == CacheKind::full ? "takes no window" : "needs a positive window") << ", got "
                       << window;
  return success();
}

LogicalResult KVCacheOp::verify() {
  if (getName().empty())
    return emitOpError("expects a non-empty cache name");
  if (getSlot() && static_cast<int64_t>(*getSlot()) < 0)
    return emitOpError() << "expects a non-negative slot, got " << static_cast<int64_t>(*getSlot());
  return success();
}

LogicalResult CacheAppendOp::verify() {
  if (failed(verifyActivation(*this, getKey().getType(), "key", 3)))
    return failure();
  KVCacheType cache = getCache().getType();
  ArrayRef<int64_t> k = shapeOf(getKey());
  if (k[1] != cache.getKvHeads() || k[2] != cache.getKeyDim())
    return emitOpError() << "key must be [?, " << cache.getKvHeads() << ", " << cache.getKeyDim() << "] for "
                         << cache << ", got " << getKey().getType();
  // A latent cache's row is all key: its values are part of it.
  if ((cache.getKind() == CacheKind::latent) != !getValue())
    return emitOpError() << (getValue() ? "takes no value for " : "needs a value for ") << cache;
  if (!getValue())
    return success();
  if (failed(verifyActivation(*this, getValue().getType(), "value", 3)))
    return failure();
  ArrayRef<int64_t> v = shapeOf(getValue());
  if (v[1] != cache.getKvHeads() || v[2] != cache.getValueDim())
    return emitOpError() << "value must be [?, " << cache.getKvHeads() << ", " << cache.getValueDim() << "] for "
                         << cache << ", got " << getValue().getType();
  return success();
}

LogicalResult AttendOp::verify() {
  for (auto [value, what] : {std::pair{getQuery(), "query"}, {getResult(), "result"}})
    if (failed(verifyActivation(*this, value.getType(), what, 3)))
      return failure();
  KVCacheType cache = getCache().getType();
  ArrayRef<int64_t> q = shapeOf(getQuery()), r = shapeOf(getResult());
  if (q[1] % cache.getKvHeads() != 0)
    return emitOpError() << "query heads (" << q[1] << ") are not a multiple of kv heads (" << cache.getKvHeads()
                         << ")";
  if (q[2] != cache.getKeyDim())
    return emitOpError() << "query head_dim " << q[2] << " differs from the cached key_dim " << cache.getKeyDim();
  if (r[1] != q[1] || r[2] != cache.getValueDim())
    return emitOpError() << "result must be [?, " << q[1] << ", " << cache.getValueDim() << "], got "
                         << getResult().getType();
  bool windowed = getMask() != AttentionMask::global;
  auto window = static_cast<int64_t>(getWindow());
  if (windowed != (window > 0))
    return emitOpError() << "mask " << stringifyAttentionMask(getMask())
                         << (windowed ? " needs a positive window" : " takes no window") << ", got " << window;
  // A cache that keeps only some positions serves only the mask that never looks further back.
  bool served = cache.getKind() == CacheKind::full ||
                (cache.getKind() == CacheKind::ring && getMask() == AttentionMask::sliding_window) ||
                (cache.getKind() == CacheKind::chunk && getMask() == AttentionMask::chunked);
  if (!served || (cache.getKind() != CacheKind::full && cache.getWindow() != window))
    return emitOpError() << "mask " << stringifyAttentionMask(getMask()) << " with window " << window
                         << " cannot be served by " << cache;
  double scale = getScale().convertToDouble();
  if (!(scale > 0.0) || !std::isfinite(scale))
    return emitOpError() << "expects a positive finite scale, got " << scale;
  return success();
}

LogicalResult SliceOp::verify() {
  int64_t rank = cast<RankedTensorType>(getInput().getType()).getRank();
  if (failed(verifyActivation(*this, getInput().getType(), "input", rank)) ||
      failed(verifyActivation(*this, getResult().getType(), "result", rank)))
    return failure();
  if (shapeOf(getInput()).drop_back() != shapeOf(getResult()).drop_back())
    return emitOpError() << "may only narrow the innermost dimension, got " << getInput().getType() << " -> "
                         << getResult().getType();
  int64_t offset = static_cast<int64_t>(getOffset());
  if (offset < 0 || offset + innermost(getResult()) > innermost(getInput()))
    return emitOpError() << "takes " << innermost(getResult()) << " values from offset " << offset << " of "
                         << innermost(getInput());
  return success();
}

LogicalResult ConcatOp::verify() {
  int64_t rank = cast<RankedTensorType>(getResult().getType()).getRank();
  for (auto [value, what] : {std::pair{getLhs(), "lhs"}, {getRhs(), "rhs"}, {getResult(), "result"}})
    if (failed(verifyActivation(*this, value.getType(), what, rank)))
      return failure();
  if (shapeOf(getLhs()).drop_back() != shapeOf(getResult()).drop_back() ||
      shapeOf(getRhs()).drop_back() != shapeOf(getResult()).drop_back() ||
      innermost(getLhs()) + innermost(getRhs()) != innermost(getResult()))
    return emitOpError() << "expects the result to be the operands side by side, got " << getLhs().getType() << ", "
                         << getRhs().getType() << " -> " << getResult().getType();
  return success();
}

LogicalResult MLAttendOp::verify() {
  for (auto [value, what] : {std::pair{getQNope(), "q_nope"}, {getQPe(), "q_pe"}, {getResult(), "result"}})
    if (failed(verifyActivation(*this, value.getType(), what, 3)))
      return failure();
  KVCacheType cache = getCache().getType();
  if (cache.getKind() != CacheKind::latent)
    return emitOpError() << "reads a latent cache, got " << cache;
  ArrayRef<int64_t> qn = shapeOf(getQNope()), qp = shapeOf(getQPe()), out = shapeOf(getResult());
  int64_t heads = qn[1], nope = qn[2], rope = qp[2], value = out[2];
  if (qp[1] != heads || out[1] != heads)
    return emitOpError() << "expects q_pe and the result for " << heads << " heads";
  int64_t rank = cache.getKeyDim() - rope;
  if (rank <= 0)
    return emitOpError() << "a latent row of " << cache.getKeyDim() << " leaves no room beside the " << rope
                         << " RoPE values";
  ArrayRef<int64_t> kvb = shapeOf(getKvB());
  if (kvb.size() != 2 || kvb[0] != heads * (nope + value) || kvb[1] != rank)
    return emitOpError() << "expects kv_b of shape [" << heads * (nope + value) << ", " << rank << "], got "
                         << getKvB().getType();
  double scale = getScale().convertToDouble();
  if (!(scale > 0.0) || !std::isfinite(scale))
    return emitOpError() << "expects a positive finite scale, got " << scale;
  if (getAbsorbMaxTokens() < 0)
    return emitOpError() << "expects a non-negative absorb_max_tokens, got " << getAbsorbMaxTokens();
  return success();
}

LogicalResult GatedDeltaNetOp::verify() {
  for (auto [value, what, rank] : {std::tuple{getQ(), "q", 3}, {getK(), "k", 3}, {getV(), "v", 3}, {getB(), "b", 2},
                                   {getA(), "a", 2}, {getResult(), "result", 3}})
    if (failed(verifyActivation(*this, value.getType(), what, rank)))
      return failure();
  KVCacheType state = getState().getType();
  if (state.getKind() != CacheKind::recurrent)
    return emitOpError() << "keeps its state in a recurrent cache, got " << state;
  ArrayRef<int64_t> q = shapeOf(getQ()), v = shapeOf(getV());
  const int64_t kHeads = q[1], kDim = q[2], vHeads = v[1], vDim = v[2];
  if (shapeOf(getK()) != q)
    return emitOpError() << "expects k shaped like q " << getQ().getType() << ", got " << getK().getType();
  if (vHeads % kHeads != 0)
    return emitOpError() << "value heads (" << vHeads << ") are not a multiple of key heads (" << kHeads << ")";
  if (shapeOf(getResult()) != v)
    return emitOpError() << "expects a result shaped like v " << getV().getType() << ", got "
                         << getResult().getType();
  for (auto [value, what] : {std::pair{getB(), "b"}, {getA(), "a"}})
    if (innermost(value) != vHeads)
      return emitOpError() << "expects " << what << " of one value per value head (" << vHeads << "), got "
                           << value.getType();
  if (state.getKvHeads() != vHeads || state.getKeyDim() != kDim || state.getValueDim() != vDim)
    return emitOpError() << "expects a state of " << vHeads << " heads of " << kDim << " x " << vDim << ", got "
                         << state;
  const int64_t channels = 2 * kHeads * kDim + vHeads * vDim;
  ArrayRef<int64_t> conv = shapeOf(getConv());
  if (conv.size() != 3 || conv[0] != channels || conv[1] != 1 || conv[2] != state.getWindow() + 1)
    return emitOpError() << "expects a convolution of shape [" << channels << ", 1, " << state.getWindow() + 1
                         << "] (channels of q, k and v; the state's window + 1 taps), got " << getConv().getType();
  if (state.getConvChannels() != channels)
    return emitOpError() << "expects a state of " << channels << " convolution channels, got " << state;
  for (auto [value, what] : {std::pair{getALog(), "a_log"}, {getDtBias(), "dt_bias"}})
    if (shapeOf(value) != ArrayRef<int64_t>{vHeads})
      return emitOpError() << "expects " << what << " of shape [" << vHeads << "], got " << value.getType();
  return verifyEps(*this, getEps().convertToDouble());
}

LogicalResult GatedRMSNormOp::verify() {
  int64_t rank = cast<RankedTensorType>(getInput().getType()).getRank();
  if (rank < 2 || rank > 3)
    return emitOpError() << "expects a rank-2 or rank-3 input, got " << getInput().getType();
  if (failed(verifyActivation(*this, getInput().getType(), "input", rank)) ||
      failed(verifyNormWeight(*this, getWeight(), getInput(), "weight")))
    return failure();
  return verifyEps(*this, getEps().convertToDouble());
}

LogicalResult AttentionTemperatureOp::verify() {
  int64_t rank = cast<RankedTensorType>(getInput().getType()).getRank();
  if (failed(verifyActivation(*this, getInput().getType(), "input", rank)))
    return failure();
  double scale = getScale().convertToDouble();
  if (!(scale > 0.0) || !std::isfinite(scale) || getFloor() <= 0)
    return emitOpError() << "expects a positive finite scale and a positive floor, got " << scale << " and "
                         << getFloor();
  return success();
}

/// gpt-oss's clamped SwiGLU (loom.experts swiglu_oai, loom.swiglu_oai): a positive finite alpha and limit.
static LogicalResult verifyOaiParameters(Operation *op, APFloat alphaAttr, APFloat limitAttr) {
  double alpha = alphaAttr.convertToDouble(), limit = limitAttr.convertToDouble();
  if (!(alpha > 0.0) || !std::isfinite(alpha) || !(limit > 0.0) || !std::isfinite(limit))
    return op->emitOpError() << "expects a positive finite alpha and limit, got " << alpha << " and " << limit;
  return success();
}

template <typename Op>
static LogicalResult verifyElementwise(Op op) {
  int64_t rank = cast<RankedTensorType>(op.getResult().getType()).getRank();
  return verifyActivation(op, op.getResult().getType(), "result", rank);
}

LogicalResult SwiGLUOp::verify() { return verifyElementwise(*this); }
LogicalResult GeGLUOp::verify() { return verifyElementwise(*this); }
LogicalResult SwiGLUOaiOp::verify() {
  if (failed(verifyElementwise(*this)))
    return failure();
  return verifyOaiParameters(*this, getAlpha(), getLimit());
}
LogicalResult SigmoidGateOp::verify() {
  if (failed(verifyElementwise(*this)))
    return failure();
  // One gate per element, or one per row of `up` (a [tokens, ..., 1] gate).
  ArrayRef<int64_t> gate = shapeOf(getGate()), up = shapeOf(getUp());
  if (gate.size() != up.size() || gate.drop_back() != up.drop_back() || (gate.back() != up.back() && gate.back() != 1))
    return emitOpError() << "expects a gate of the shape of up, " << getUp().getType()
                         << ", or of width 1, got " << getGate().getType();
  return success();
}
LogicalResult GeluOp::verify() { return verifyElementwise(*this); }
LogicalResult SoftcapOp::verify() {
  if (failed(verifyElementwise(*this)))
    return failure();
  if (!(getCap().convertToDouble() > 0))
    return emitOpError() << "expects a positive cap, got " << getCap().convertToDouble();
  return success();
}
LogicalResult ScaleOp::verify() {
  if (failed(verifyElementwise(*this)))
    return failure();
  double factor = getFactor().convertToDouble();
  if (!std::isfinite(factor) || factor == 0)
    return emitOpError() << "expects a finite, non-zero factor, got " << factor;
  return success();
}
LogicalResult AddOp::verify() { return verifyElementwise(*this); }

//===----------------------------------------------------------------------===//
// Mixture of experts
//===----------------------------------------------------------------------===//

/// `[tokens, k]` routing values whose k matches `k`.
static LogicalResult verifyRouting(Operation *op, Value value, StringRef what, int64_t k) {
  if (failed(verifyActivation(op, value.getType(), what, 2)))
    return failure();
  if (k >= 0 && innermost(value) != k)
    return op->emitOpError() << "expects " << what << " for " << k << " experts per token, got " << value.getType();
  return success();
}

LogicalResult RouteOp::verify() {
  if (failed(verifyActivation(*this, getLogits().getType(), "logits", 2)))
    return failure();
  int64_t experts = innermost(getLogits()), k = static_cast<int64_t>(getTopK());
  if (k <= 0 || k > experts)
    return emitOpError() << "expects top_k in [1, " << experts << "], got " << k;
  if (failed(verifyRouting(*this, getExperts(), "expert ids", k)) ||
      failed(verifyRouting(*this, getWeights(), "weights", k)))
    return failure();
  if (Value bias = getSelectionBias()) {
    if (getRouting() != Routing::sigmoid_topk)
      return emitOpError("takes a selection bias only with sigmoid_topk routing");
    if (shapeOf(bias).size() != 1 || shapeOf(bias)[0] != experts)
      return emitOpError() << "expects a selection bias of shape [" << experts << "], got " << bias.getType();
  }
  int64_t groups = static_cast<int64_t>(getGroups()), kept = static_cast<int64_t>(getGroupTopK());
  if (groups != 1 || kept != 1) {
    if (getRouting() != Routing::sigmoid_topk)
      return emitOpError("limits the selection to groups only with sigmoid_topk routing");
    if (groups <= 0 || experts % groups != 0)
      return emitOpError() << "expects groups dividing the " << experts << " experts, got " << groups;
    if (kept <= 0 || kept > groups || kept * (experts / groups) < k)
      return emitOpError() << "keeps " << kept << " of " << groups << " groups of " << experts / groups
                           << " experts, too few for top_k " << k;
  }
  double scale = getScale().convertToDouble();
  if (!(scale > 0.0) || !std::isfinite(scale))
    return emitOpError() << "expects a positive finite scale, got " << scale;
  return success();
}

/// A stacked expert weight `[E, rows, columns]`.
static LogicalResult verifyStacked(Operation *op, Value weight, StringRef what, int64_t experts, int64_t rows,
                                   int64_t columns) {
  ArrayRef<int64_t> shape = shapeOf(weight);
  if (shape.size() != 3 || (experts >= 0 && shape[0] != experts) || shape[1] != rows || shape[2] != columns)
    return op->emitOpError() << "expects " << what << " of shape [" << (experts >= 0 ? std::to_string(experts) : std::string("E"))
                             << ", " << rows << ", " << columns << "], got " << weight.getType();
  return success();
}

LogicalResult ExpertsOp::verify() {
  if (failed(verifyActivation(*this, getInput().getType(), "input", 2)) ||
      failed(verifyActivation(*this, getResult().getType(), "result", 2)))
    return failure();
  int64_t d = innermost(getInput());
  if (innermost(getResult()) != d)
    return emitOpError() << "result width " << innermost(getResult()) << " differs from the input's " << d;
  int64_t k = innermost(getExperts());
  if (failed(verifyRouting(*this, getExperts(), "expert ids", -1)) ||
      failed(verifyRouting(*this, getWeights(), "weights", k)))
    return failure();
  ArrayRef<int64_t> gate = shapeOf(getGate());
  if (gate.size() != 3)
    return emitOpError() << "expects stacked gate weights [E, hidden, " << d << "], got " << getGate().getType();
  int64_t experts = gate[0], hidden = gate[1];
  if (k > experts)
    return emitOpError() << "routes to " << k << " experts per token but has " << experts;
  if (failed(verifyStacked(*this, getGate(), "gate weights", experts, hidden, d)) ||
      failed(verifyStacked(*this, getUp(), "up weights", experts, hidden, d)) ||
      failed(verifyStacked(*this, getDown(), "down weights", experts, d, hidden)))
    return failure();
  if (!getBiases().empty()) {
    if (getBiases().size() != 3)
      return emitOpError() << "expects no biases or three (gate, up, down), got " << getBiases().size();
    int64_t widths[3] = {hidden, hidden, d};
    for (auto [bias, width] : llvm::zip(getBiases(), widths)) {
      ArrayRef<int64_t> shape = shapeOf(bias);
      if (shape.size() != 2 || shape[0] != experts || shape[1] != width)
        return emitOpError() << "expects a bias of shape [" << experts << ", " << width << "], got " << bias.getType();
    }
  }
  if (getActivation() == ExpertActivation::swiglu_oai)
    return verifyOaiParameters(*this, getAlpha(), getLimit());
  return success();
}

/// `[tokens, k, width]`: one row per (token, slot).
static LogicalResult verifyRows(Operation *op, Value value, StringRef what, int64_t k, int64_t width) {
  if (failed(verifyActivation(op, value.getType(), what, 3)))
    return failure();
  ArrayRef<int64_t> shape = shapeOf(value);
  if (shape[1] != k || (width >= 0 && shape[2] != width))
    return op->emitOpError() << "expects " << what << " of shape [?, " << k << ", "
                             << (width >= 0 ? std::to_string(width) : std::string("width")) << "], got " << value.getType();
  return success();
}

LogicalResult MoeDispatchOp::verify() {
  if (failed(verifyActivation(*this, getExperts().getType(), "expert ids", 2)) ||
      failed(verifyRouting(*this, getOrder(), "order", innermost(getExperts()))))
    return failure();
  auto offsets = cast<RankedTensorType>(getOffsets().getType());
  if (!offsets.hasStaticShape() || offsets.getDimSize(0) < 2)
    return emitOpError() << "expects offsets of shape [experts + 1], got " << offsets;
  return success();
}

LogicalResult MoeGatherOp::verify() {
  if (failed(verifyActivation(*this, getInput().getType(), "input", 2)) ||
      failed(verifyActivation(*this, getOrder().getType(), "order", 2)))
    return failure();
  int64_t k = innermost(getOrder());
  if (failed(verifyRows(*this, getResult(), "result", k, innermost(getInput()))))
    return failure();
  if (getWeights() && failed(verifyRouting(*this, getWeights(), "weights", k)))
    return failure();
  return success();
}

LogicalResult GroupedLinearOp::verify() {
  ArrayRef<int64_t> w = shapeOf(getWeight());
  if (failed(verifyActivation(*this, getInput().getType(), "input", 3)))
    return failure();
  int64_t k = shapeOf(getInput())[1];
  int64_t groups = cast<RankedTensorType>(getOffsets().getType()).getDimSize(0) - 1;
  int64_t experts = getShared() ? groups - 1 : groups;
  if (w.size() != 3)
    return emitOpError() << "expects stacked weights [E, out, in], got " << getWeight().getType();
  if (failed(verifyStacked(*this, getWeight(), "weights", experts, w[1], innermost(getInput()))) ||
      failed(verifyRows(*this, getResult(), "result", k, w[1])))
    return failure();
  if (Value bias = getBias(); bias && (shapeOf(bias).size() != 2 || shapeOf(bias)[0] != experts ||
                                       shapeOf(bias)[1] != w[1]))
    return emitOpError() << "expects a bias of shape [" << experts << ", " << w[1] << "], got " << bias.getType();
  if (Value shared = getShared()) {
    // A bias would need a shared row too; no architecture has biased experts and a shared one.
    if (getBias())
      return emitOpError("takes a shared expert only without biases");
    ArrayRef<int64_t> s = shapeOf(shared);
    if (s.size() != 2 || s[0] != w[1] || s[1] != w[2])
      return emitOpError() << "expects a shared expert matrix of shape [" << w[1] << ", " << w[2] << "], got "
                           << shared.getType();
  }
  return success();
}

LogicalResult MoeAppendSharedOp::verify() {
  int64_t k = innermost(getExperts());
  if (failed(verifyRouting(*this, getExperts(), "expert ids", -1)) ||
      failed(verifyRouting(*this, getWeights(), "weights", k)) ||
      failed(verifyRouting(*this, getResultExperts(), "resulting expert ids", k + 1)) ||
      failed(verifyRouting(*this, getResultWeights(), "resulting weights", k + 1)))
    return failure();
  if (Value gate = getGate(); gate && failed(verifyRouting(*this, gate, "gate", 1)))
    return failure();
  int64_t expert = getExpertAttr().getInt();
  if (expert < 0 || expert > std::numeric_limits<int32_t>::max())
    return emitOpError() << "expects the shared expert's id in [0, 2^31), got " << expert;
  return success();
}

LogicalResult MoeCombineOp::verify() {
  if (failed(verifyActivation(*this, getOrder().getType(), "order", 2)))
    return failure();
  int64_t k = innermost(getOrder());
  if (failed(verifyRows(*this, getInput(), "input", k, -1)) ||
      failed(verifyActivation(*this, getResult().getType(), "result", 2)))
    return failure();
  if (innermost(getResult()) != innermost(getInput()))
    return emitOpError() << "result width " << innermost(getResult()) << " differs from the rows' "
                         << innermost(getInput());
  if (getWeights() && failed(verifyRouting(*this, getWeights(), "weights", k)))
    return failure();
  return success();
}

LogicalResult ScratchOp::verify() {
  if (getBytesPerToken() < 0 || getFixedBytes() < 0 || getBytesPerToken() + getFixedBytes() <= 0)
    return emitOpError() << "expects a positive size, got bytes_per_token " << getBytesPerToken() << " and fixed_bytes "
                         << getFixedBytes();
  return success();
}

#define GET_OP_CLASSES
#include "loom/Dialect/LoomOps.cpp.inc"
