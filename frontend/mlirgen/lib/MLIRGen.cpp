//===- MLIRGen.cpp - ArchSpec to loom IR --------------------------------===//
//
// Interprets each layer's residual-block program over SSA values: a variable
// is a Value, a component call expands into the ops of that component, `+` is
// a residual add. Weight names follow docs/dsl.md
// (`layers.<i>.<component>.<param>`), so the manifest is a pure function of the
// spec.
//
//===----------------------------------------------------------------------===//
#include "loom/MLIRGen/MLIRGen.h"

#include "loom/Dialect/LoomOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;

namespace loom {
namespace {

/// Elements per token of an activation.
int64_t rowElementsOf(Value v) {
  int64_t n = 1;
  for (int64_t d : cast<RankedTensorType>(v.getType()).getShape().drop_front())
    n *= d;
  return n;
}

class ModelBuilder {
public:
  ModelBuilder(MLIRContext &context, const ArchSpec &spec)
      : context(context), spec(spec), builder(&context) {}

  OwningOpRef<ModuleOp> build();

private:
  Location loc(const SourceLoc &source, StringRef name = {}) {
    Location fileLoc = source.file.empty()
                           ? UnknownLoc::get(&context)
                           : Location(FileLineColLoc::get(&context, source.file, source.line, source.column));
    return name.empty() ? fileLoc : Location(NameLoc::get(builder.getStringAttr(name), fileLoc));
  }

  /// [?, dims...] f32.
  RankedTensorType activation(ArrayRef<int64_t> dims) {
    SmallVector<int64_t> shape{ShapedType::kDynamic};
    shape.append(dims.begin(), dims.end());
    return RankedTensorType::get(shape, builder.getF32Type());
  }

  Value weight(Location at, const std::string &name, ArrayRef<int64_t> shape, RopeRowsAttr rope = {}) {
    auto type = RankedTensorType::get(shape, builder.getF32Type());
    return WeightOp::create(builder, at, type, builder.getStringAttr(name), rope);
  }

  /// `rope`: the norm's weight follows the rows of a RoPE'd projection (a norm over all heads).
  Value norm(Location at, const NormSpec &norm, const std::string &prefix, Value input, RopeRowsAttr rope = {});
  Value attention(Location at, const AttentionSpec &attn, const std::string &prefix, Value input);
  Value latentAttention(Location at, const AttentionSpec &attn, const MLASpec &mla, const std::string &prefix,
                        Value input);
  Value rope(const RopeSpec &rope, const std::string &prefix, int64_t rotary, Value heads);
  Value gatedDeltaNet(Location at, const DeltaNetSpec &mixer, const std::string &prefix, Value input);
  /// `[?, a, b]` or `[?, a * b]` viewed as `[?, dims...]` (views, no copy).
  Value reshape(Location at, Value v, ArrayRef<int64_t> dims);
  Value feedForward(Location at, const FFNSpec &ffn, const std::string &prefix, Value input);
  Value mixtureOfExperts(Location at, const FFNSpec &ffn, const MoESpec &moe, const std::string &prefix,
                         Value input);
  Value linear(Location at, Value input, const std::string &prefix, int64_t out, bool bias,
               RopeRowsAttr rope = {});
  RopeRowsAttr ropeRows(const AttentionSpec &attn);
  Value headNormAndRope(Location at, const AttentionSpec &attn, const std::string &prefix,
                        const char *which, Value heads);
  Value addLearnedPositions(Location at, Value x);
  FailureOr<Value> expr(const LayerSpec &layer, const BlockExpr &e, llvm::StringMap<Value> &vars);
  LogicalResult layerBlock(const LayerSpec &layer, Value &x);

  MLIRContext &context;
  const ArchSpec &spec;
  OpBuilder builder;
  Value start;
};

Value ModelBuilder::norm(Location at, const NormSpec &norm, const std::string &prefix, Value input,
                         RopeRowsAttr rope) {
  int64_t width = cast<RankedTensorType>(input.getType()).getShape().back();
  Value w = norm.weight ? weight(at, prefix + ".weight", {width}, rope) : Value();
  if (norm.kind == NormKind::LayerNorm) {
    Value b = norm.bias ? weight(at, prefix + ".bias", {width}) : Value();
    return LayerNormOp::create(builder, at, input.getType(), input, w, b, builder.getF64FloatAttr(norm.eps));
  }
  return RMSNormOp::create(builder, at, input.getType(), input, w, builder.getF64FloatAttr(norm.eps),
                                   builder.getF64FloatAttr(norm.unitOffset ? 1.0 : 0.0));
}

Value ModelBuilder::linear(Location at, Value input, const std::string &prefix, int64_t out, bool bias,
                           RopeRowsAttr rope) {
  int64_t in = cast<RankedTensorType>(input.getType()).getShape().back();
  Value w = weight(at, prefix + ".weight", {out, in}, rope);
  Value b = bias ? weight(at, prefix + ".bias", {out}, rope) : Value();
  return LinearOp::create(builder, at, activation({out}), input, w, b);
}

static RopePairing pairingOf(const RopeSpec &rope) {
  return rope.style == RopeStyle::Half ? RopePairing::half : RopePairing::interleaved;
}

static int64_t rotaryDims(const AttentionSpec &attn) {
  return static_cast<int64_t>(std::llround(attn.rope->fraction * static_cast<double>(attn.headDim)));
}

RopeRowsAttr ModelBuilder::ropeRows(const AttentionSpec &attn) {
  if (!attn.rope)
    return {};
  return RopeRowsAttr::get(&context, pairingOf(*attn.rope), attn.headDim, rotaryDims(attn));
}

Value ModelBuilder::headNormAndRope(Location at, const AttentionSpec &attn, const std::string &prefix,
                                    const char *which, Value heads) {
  std::string normPrefix = llvm::formatv("{0}.{1}_norm", prefix, which).str();
  bool perHeadNorm = attn.qkNorm && !attn.qkNorm->allHeads;
  if (perHeadNorm && !attn.qkNormAfterRope)
    heads = norm(at, *attn.qkNorm, normPrefix, heads);
  if (attn.rope)
    heads = rope(*attn.rope, prefix, rotaryDims(attn), heads);
  if (perHeadNorm && attn.qkNormAfterRope) // Llama 4: the L2 norm of the rotated q and k
    heads = norm(at, *attn.qkNorm, normPrefix, heads);
  return heads;
}

Value ModelBuilder::rope(const RopeSpec &rope, const std::string &prefix, int64_t rotary, Value heads) {
  Attribute scaling;
  if (const std::optional<RopeScalingSpec> &s = rope.scaling) {
    switch (s->kind) {
    case RopeScalingKind::Linear:
      scaling = RopeLinearAttr::get(&context, APFloat(s->factor));
      break;
    case RopeScalingKind::Llama3:
      scaling = RopeLlama3Attr::get(&context, APFloat(s->factor), APFloat(s->lowFreqFactor),
                                    APFloat(s->highFreqFactor), s->originalContext);
      break;
    case RopeScalingKind::Yarn:
      scaling = RopeYarnAttr::get(&context, APFloat(s->factor), s->originalContext, APFloat(s->betaFast),
                                  APFloat(s->betaSlow), APFloat(s->attentionFactor), s->truncate);
      break;
    }
  }
  return RoPEOp::create(builder, loc(rope.loc, prefix + ".rope"), heads.getType(), heads, start,
                        builder.getF64FloatAttr(rope.theta), RopePairingAttr::get(&context, pairingOf(rope)),
                        builder.getI64IntegerAttr(rotary), scaling);
}

/// MLA as DeepSeek V3 computes it: the queries through q_a (norm) q_b, split into their non-RoPE and RoPE
/// parts; kv_a gives the compressed c (normed) and the shared key k_pe (rotated), cached together as one
/// latent row; loom.mla_attend expands c by kv_b into each head's key and value (or, after loom-absorb-mla,
/// absorbs kv_b into the query and output for short chunks).
Value ModelBuilder::latentAttention(Location at, const AttentionSpec &attn, const MLASpec &mla,
                                    const std::string &prefix, Value input) {
  const int64_t heads = attn.heads, nope = mla.nopeDim, ropeDim = mla.ropeDim, value = mla.valueDim,
                rank = mla.kvLoraRank;
  Value q;
  if (mla.qLoraRank > 0) {
    Value compressed = linear(at, input, prefix + ".q_a_proj", mla.qLoraRank, /*bias=*/false);
    compressed = norm(at, mla.norm, prefix + ".q_a_norm", compressed);
    q = linear(at, compressed, prefix + ".q_b_proj", heads * (nope + ropeDim), /*bias=*/false);
  } else {
    q = linear(at, input, prefix + ".q_proj", heads * (nope + ropeDim), /*bias=*/false);
  }
  Value qh = SplitHeadsOp::create(builder, at, activation({heads, nope + ropeDim}), q);
  Value qNope = SliceOp::create(builder, at, activation({heads, nope}), qh, builder.getI64IntegerAttr(0));
  Value qPe = SliceOp::create(builder, at, activation({heads, ropeDim}), qh, builder.getI64IntegerAttr(nope));
  qPe = rope(*attn.rope, prefix, ropeDim, qPe);

  Value kva = linear(at, input, prefix + ".kv_a_proj", rank + ropeDim, /*bias=*/false);
  Value c = SliceOp::create(builder, at, activation({rank}), kva, builder.getI64IntegerAttr(0));
  c = norm(at, mla.norm, prefix + ".kv_a_norm", c);
  Value kPe = SliceOp::create(builder, at, activation({ropeDim}), kva, builder.getI64IntegerAttr(rank));
  kPe = rope(*attn.rope, prefix, ropeDim, SplitHeadsOp::create(builder, at, activation({1, ropeDim}), kPe));
  Value row = ConcatOp::create(builder, at, activation({1, rank + ropeDim}),
                               SplitHeadsOp::create(builder, at, activation({1, rank}), c), kPe);

  auto cacheType = KVCacheType::get(&context, CacheKind::latent, 0, 1, rank + ropeDim, 0);
  Value cache = KVCacheOp::create(builder, at, cacheType, builder.getStringAttr(prefix), IntegerAttr());
  cache = CacheAppendOp::create(builder, at, cacheType, cache, row, Value(), start);
  Value kvB = weight(at, prefix + ".kv_b_proj.weight", {heads * (nope + value), rank});
  double scale = attn.scale > 0 ? attn.scale : 1.0 / std::sqrt(static_cast<double>(nope + ropeDim));
  Value a = MLAttendOp::create(builder, at, activation({heads, value}), qNope, qPe, cache, kvB, start,
                               builder.getF64FloatAttr(scale), builder.getI64IntegerAttr(0));
  Value merged = MergeHeadsOp::create(builder, at, activation({heads * value}), a);
  return linear(at, merged, prefix + ".o_proj", spec.dModel, /*bias=*/false);
}

Value ModelBuilder::attention(Location at, const AttentionSpec &attn, const std::string &prefix, Value input) {
  if (attn.mla)
    return latentAttention(at, attn, *attn.mla, prefix, input);
  int64_t valueDim = attn.valueHeadDim();
  int64_t qWidth = attn.heads * attn.headDim, kvWidth = attn.kvHeads * attn.headDim;
  int64_t outWidth = attn.heads * valueDim;
  RopeRowsAttr rope = ropeRows(attn);
  Value q = linear(at, input, prefix + ".q_proj", qWidth, attn.qkvBias, rope);
  Value k = linear(at, input, prefix + ".k_proj", kvWidth, attn.qkvBias, rope);
  Value v = linear(at, input, prefix + ".v_proj", attn.kvHeads * valueDim, attn.qkvBias);
  if (attn.qkNorm && attn.qkNorm->allHeads) {
    // OLMo 2: one RMS over every head's values at once, so it runs on the projection before the split. Its
    // weight is laid out like the projection's rows and travels with their RoPE layout.
    q = norm(at, *attn.qkNorm, prefix + ".q_norm", q, rope);
    k = norm(at, *attn.qkNorm, prefix + ".k_norm", k, rope);
  }
  auto qType = activation({attn.heads, attn.headDim});
  Value qh = SplitHeadsOp::create(builder, at, qType, q);
  Value kh = SplitHeadsOp::create(builder, at, activation({attn.kvHeads, attn.headDim}), k);
  Value vh = SplitHeadsOp::create(builder, at, activation({attn.kvHeads, valueDim}), v);
  // Scaled before the cache, as MiMo-V2-Flash scales them, so that a decode step reads what a batched pass did.
  if (attn.valueScale != 1.0)
    vh = ScaleOp::create(builder, at, vh.getType(), vh, builder.getF64FloatAttr(attn.valueScale));
  qh = headNormAndRope(at, attn, prefix, "q", qh);
  kh = headNormAndRope(at, attn, prefix, "k", kh);
  if (attn.temperatureScale > 0)
    qh = AttentionTemperatureOp::create(builder, at, qh.getType(), qh, start,
                                        builder.getF64FloatAttr(attn.temperatureScale),
                                        builder.getI64IntegerAttr(attn.temperatureFloor));

  // Every cache starts out full; loom-specialize-attention shrinks those whose mask never looks far back.
  auto cacheType = KVCacheType::get(&context, CacheKind::full, 0, attn.kvHeads, attn.headDim, valueDim);
  Value cache = KVCacheOp::create(builder, at, cacheType, builder.getStringAttr(prefix), IntegerAttr());
  cache = CacheAppendOp::create(builder, at, cacheType, cache, kh, vh, start);
  AttentionMask mask = attn.mask == MaskKind::Global          ? AttentionMask::global
                       : attn.mask == MaskKind::SlidingWindow ? AttentionMask::sliding_window
                                                              : AttentionMask::chunked;
  double scale = attn.scale > 0 ? attn.scale : 1.0 / std::sqrt(static_cast<double>(attn.headDim));
  Value sinks = attn.sinks ? weight(at, prefix + ".sinks", {attn.heads}) : Value();
  Value a = AttendOp::create(builder, at, activation({attn.heads, valueDim}), qh, cache, start, sinks,
                             AttentionMaskAttr::get(&context, mask), builder.getI64IntegerAttr(attn.window),
                             builder.getF64FloatAttr(scale), builder.getF64FloatAttr(attn.softcap));
  Value merged = MergeHeadsOp::create(builder, at, activation({outWidth}), a);
  if (attn.outputGate) {
    Value gate = linear(at, input, prefix + ".gate_proj", outWidth, /*bias=*/false);
    merged = SigmoidGateOp::create(builder, at, merged.getType(), gate, merged);
  }
  return linear(at, merged, prefix + ".o_proj", spec.dModel, attn.outBias);
}

Value ModelBuilder::reshape(Location at, Value v, ArrayRef<int64_t> dims) {
  if (cast<RankedTensorType>(v.getType()).getRank() == 3)
    v = MergeHeadsOp::create(builder, at, activation({rowElementsOf(v)}), v);
  if (dims.size() == 1)
    return v;
  return SplitHeadsOp::create(builder, at, activation(dims), v);
}

/// Gated DeltaNet as Qwen3-Next computes it: two projections whose rows are grouped per key head (its q, k, and
/// its value heads' v and z; its value heads' b, then a), sliced apart; loom.gated_delta_net runs the
/// convolution and the recurrence against the layer's recurrent state, loom.gated_rms_norm gates each value head
/// by silu(z), and out_proj brings it back to d_model.
Value ModelBuilder::gatedDeltaNet(Location at, const DeltaNetSpec &mixer, const std::string &prefix, Value input) {
  const int64_t kHeads = mixer.kHeads, vHeads = mixer.vHeads, kDim = mixer.kHeadDim, vDim = mixer.vHeadDim;
  const int64_t group = vHeads / kHeads, groupValues = group * vDim;
  Value qkvz = linear(at, input, prefix + ".in_proj_qkvz", kHeads * (2 * kDim + 2 * groupValues), /*bias=*/false);
  qkvz = SplitHeadsOp::create(builder, at, activation({kHeads, 2 * kDim + 2 * groupValues}), qkvz);
  auto slice = [&](Value of, int64_t offset, int64_t width) {
    int64_t heads = cast<RankedTensorType>(of.getType()).getShape()[1];
    return Value(SliceOp::create(builder, at, activation({heads, width}), of, builder.getI64IntegerAttr(offset)));
  };
  Value q = slice(qkvz, 0, kDim), k = slice(qkvz, kDim, kDim);
  Value v = reshape(at, slice(qkvz, 2 * kDim, groupValues), {vHeads, vDim});
  Value z = reshape(at, slice(qkvz, 2 * kDim + groupValues, groupValues), {vHeads, vDim});
  Value ba = linear(at, input, prefix + ".in_proj_ba", 2 * vHeads, /*bias=*/false);
  ba = SplitHeadsOp::create(builder, at, activation({kHeads, 2 * group}), ba);
  Value b = reshape(at, slice(ba, 0, group), {vHeads});
  Value a = reshape(at, slice(ba, group, group), {vHeads});

  const int64_t channels = mixer.convChannels();
  auto stateType = KVCacheType::get(&context, CacheKind::recurrent, mixer.convKernel - 1, vHeads, kDim, vDim, channels);
  Value state = KVCacheOp::create(builder, at, stateType, builder.getStringAttr(prefix), IntegerAttr());
  Value conv = weight(at, prefix + ".conv1d.weight", {channels, 1, mixer.convKernel});
  Value aLog = weight(at, prefix + ".A_log", {vHeads});
  Value dtBias = weight(at, prefix + ".dt_bias", {vHeads});
  // The L2 norm's epsilon is the reference kernels' (fla's l2norm), not a hyper-parameter of the checkpoints.
  auto mixed = GatedDeltaNetOp::create(builder, at, activation({vHeads, vDim}), stateType, q, k, v, b, a, state, conv,
                                       aLog, dtBias, start, builder.getF64FloatAttr(1e-6));
  Value normWeight = weight(at, prefix + ".norm.weight", {vDim});
  Value normed = GatedRMSNormOp::create(builder, at, mixed.getResult().getType(), mixed.getResult(), z, normWeight,
                                        builder.getF64FloatAttr(mixer.norm.eps),
                                        builder.getF64FloatAttr(mixer.norm.unitOffset ? 1.0 : 0.0));
  return linear(at, reshape(at, normed, {vHeads * vDim}), prefix + ".out_proj", spec.dModel, /*bias=*/false);
}

static Routing routingOf(RoutingKind kind) {
  switch (kind) {
  case RoutingKind::SoftmaxTopK:
    return Routing::softmax_topk;
  case RoutingKind::TopKSoftmax:
    return Routing::topk_softmax;
  case RoutingKind::SigmoidTopK:
    return Routing::sigmoid_topk;
  case RoutingKind::TopKSigmoid:
    return Routing::topk_sigmoid;
  }
  llvm_unreachable("unknown routing");
}

static ExpertActivation expertActivationOf(ExpertActivationKind kind) {
  switch (kind) {
  case ExpertActivationKind::SwiGLU:
    return ExpertActivation::swiglu;
  case ExpertActivationKind::GeGLU:
    return ExpertActivation::geglu;
  case ExpertActivationKind::SwiGLUOai:
    return ExpertActivation::swiglu_oai;
  }
  llvm_unreachable("unknown expert activation");
}

/// The router's linear, loom.route, the routed experts and, added after them, the shared expert (gated per token
/// by sigmoid(shared_gate x) when the spec asks).
Value ModelBuilder::mixtureOfExperts(Location at, const FFNSpec &ffn, const MoESpec &moe, const std::string &prefix,
                                     Value input) {
  const int64_t d = spec.dModel, experts = moe.experts, k = moe.topK, hidden = ffn.hidden;
  Value logits = linear(at, input, prefix + ".router", experts, moe.routerBias);
  if (moe.routerSoftcap > 0)
    logits = SoftcapOp::create(builder, at, logits.getType(), logits, builder.getF64FloatAttr(moe.routerSoftcap));
  Value selectionBias = moe.selectionBias ? weight(at, prefix + ".router.selection_bias", {experts}) : Value();
  auto idsType = RankedTensorType::get({ShapedType::kDynamic, k}, builder.getI32Type());
  auto route = RouteOp::create(builder, at, idsType, activation({k}), logits, selectionBias,
                               RoutingAttr::get(&context, routingOf(moe.routing)), builder.getI64IntegerAttr(k),
                               builder.getBoolAttr(moe.normalize), builder.getF64FloatAttr(moe.scale),
                               builder.getI64IntegerAttr(moe.groups), builder.getI64IntegerAttr(moe.groupTopK));
  std::string stacked = prefix + ".experts.";
  Value gate = weight(at, stacked + "gate_proj.weight", {experts, hidden, d});
  Value up = weight(at, stacked + "up_proj.weight", {experts, hidden, d});
  Value down = weight(at, stacked + "down_proj.weight", {experts, d, hidden});
  SmallVector<Value, 3> biases;
  if (ffn.bias)
    biases = {weight(at, stacked + "gate_proj.bias", {experts, hidden}),
              weight(at, stacked + "up_proj.bias", {experts, hidden}), weight(at, stacked + "down_proj.bias", {experts, d})};
  Value y = ExpertsOp::create(builder, at, activation({d}), input, route.getExperts(), route.getWeights(), gate, up,
                              down, biases, ExpertActivationAttr::get(&context, expertActivationOf(moe.activation)),
                              builder.getF64FloatAttr(moe.alpha), builder.getF64FloatAttr(moe.limit),
                              moe.weightInput ? builder.getUnitAttr() : UnitAttr());
  if (moe.sharedHidden > 0) {
    FFNSpec shared;
    shared.hidden = moe.sharedHidden;
    Value s = feedForward(at, shared, prefix + ".shared", input);
    if (moe.sharedGate) {
      // One gate value per token, broadcast over the shared expert's output row.
      Value gate = linear(at, input, prefix + ".shared_gate", 1, /*bias=*/false);
      s = SigmoidGateOp::create(builder, at, s.getType(), gate, s);
    }
    y = AddOp::create(builder, at, y.getType(), y, s);
  }
  return y;
}

Value ModelBuilder::feedForward(Location at, const FFNSpec &ffn, const std::string &prefix, Value input) {
  if (ffn.moe)
    return mixtureOfExperts(at, ffn, *ffn.moe, prefix, input);
  bool bias = ffn.bias;
  if (ffn.kind == FFNKind::GeluMLP) {
    Value up = linear(at, input, prefix + ".up_proj", ffn.hidden, bias);
    Value act = GeluOp::create(builder, at, up.getType(), up);
    return linear(at, act, prefix + ".down_proj", spec.dModel, bias);
  }
  Value gate = linear(at, input, prefix + ".gate_proj", ffn.hidden, bias);
  Value up = linear(at, input, prefix + ".up_proj", ffn.hidden, bias);
  Value act = ffn.kind == FFNKind::SwiGLU ? Value(SwiGLUOp::create(builder, at, gate.getType(), gate, up))
                                          : Value(GeGLUOp::create(builder, at, gate.getType(), gate, up));
  return linear(at, act, prefix + ".down_proj", spec.dModel, bias);
}

/// GPT-2: x + table[start + i] for token i, the table indexed like a token embedding.
Value ModelBuilder::addLearnedPositions(Location at, Value x) {
  auto idsType = RankedTensorType::get({ShapedType::kDynamic}, builder.getI32Type());
  Value ids = PositionIdsOp::create(builder, at, idsType, start);
  Value table = weight(at, "position_embedding.weight", {spec.maxContext, spec.dModel});
  Value positions = EmbeddingOp::create(builder, at, x.getType(), ids, table, builder.getF64FloatAttr(1.0));
  return AddOp::create(builder, at, x.getType(), x, positions);
}

FailureOr<Value> ModelBuilder::expr(const LayerSpec &layer, const BlockExpr &e,
                                    llvm::StringMap<Value> &vars) {
  switch (e.kind) {
  case BlockExpr::Kind::Var: {
    auto it = vars.find(e.name);
    if (it == vars.end())
      return emitError(loc(e.loc)) << "block variable '" << e.name << "' is not defined";
    return it->second;
  }
  case BlockExpr::Kind::Add: {
    FailureOr<Value> lhs = expr(layer, *e.operands[0], vars);
    if (failed(lhs))
      return failure();
    FailureOr<Value> rhs = expr(layer, *e.operands[1], vars);
    if (failed(rhs))
      return failure();
    return Value(AddOp::create(builder, loc(e.loc), lhs->getType(), *lhs, *rhs));
  }
  case BlockExpr::Kind::Call: {
    FailureOr<Value> arg = expr(layer, *e.operands[0], vars);
    if (failed(arg))
      return failure();
    const Component *component = layer.find(e.name);
    if (!component)
      return emitError(loc(e.loc)) << "layer " << layer.index << " has no component '" << e.name << "'";
    std::string prefix = llvm::formatv("layers.{0}.{1}", layer.index, component->name).str();
    Location at = loc(e.loc, prefix);
    if (const auto *n = std::get_if<NormSpec>(&component->spec))
      return norm(at, *n, prefix, *arg);
    if (const auto *a = std::get_if<AttentionSpec>(&component->spec))
      return attention(at, *a, prefix, *arg);
    if (const auto *m = std::get_if<DeltaNetSpec>(&component->spec))
      return gatedDeltaNet(at, *m, prefix, *arg);
    return feedForward(at, std::get<FFNSpec>(component->spec), prefix, *arg);
  }
  }
  llvm_unreachable("unknown block expression kind");
}

LogicalResult ModelBuilder::layerBlock(const LayerSpec &layer, Value &x) {
  llvm::StringMap<Value> vars;
  vars["x"] = x;
  for (const BlockStmt &stmt : *layer.block) {
    FailureOr<Value> value = expr(layer, *stmt.value, vars);
    if (failed(value))
      return failure();
    vars[stmt.target] = *value;
  }
  x = vars["x"];
  return success();
}

OwningOpRef<ModuleOp> ModelBuilder::build() {
  Location modelLoc = loc(spec.loc, spec.name);
  OwningOpRef<ModuleOp> module = ModuleOp::create(modelLoc, StringRef(spec.name));
  builder.setInsertionPointToEnd(module->getBody());

  auto tokensType = RankedTensorType::get({ShapedType::kDynamic}, builder.getI32Type());
  auto logitsType = activation({spec.vocab});
  auto fnType = builder.getFunctionType({tokensType, builder.getIndexType()}, {logitsType});
  auto fn = func::FuncOp::create(builder, modelLoc, kForwardFunctionName, fnType);
  fn->setAttr(kModelAttrName,
              builder.getDictionaryAttr({
                  builder.getNamedAttr("name", builder.getStringAttr(spec.name)),
                  builder.getNamedAttr("vocab", builder.getI64IntegerAttr(spec.vocab)),
                  builder.getNamedAttr("d_model", builder.getI64IntegerAttr(spec.dModel)),
                  builder.getNamedAttr("n_layers", builder.getI64IntegerAttr(spec.nLayers)),
                  builder.getNamedAttr("max_context", builder.getI64IntegerAttr(spec.maxContext)),
              }));
  Block *body = fn.addEntryBlock();
  builder.setInsertionPointToStart(body);
  Value tokens = body->getArgument(0);
  start = body->getArgument(1);

  Value table = weight(modelLoc, "embedding.weight", {spec.vocab, spec.dModel});
  Value x = EmbeddingOp::create(builder, modelLoc, activation({spec.dModel}), tokens, table,
                                        builder.getF64FloatAttr(spec.embeddingScale));
  if (spec.positions == PositionKind::Learned)
    x = addLearnedPositions(modelLoc, x);
  for (const LayerSpec &layer : spec.layers)
    if (failed(layerBlock(layer, x)))
      return nullptr;
  x = norm(loc(spec.finalNorm.loc, "final_norm"), spec.finalNorm, "final_norm", x);
  Value head = spec.tieEmbeddings ? table : weight(modelLoc, "lm_head.weight", {spec.vocab, spec.dModel});
  Value logits = LMHeadOp::create(builder, modelLoc, logitsType, x, head, builder.getF64FloatAttr(spec.logitScale),
                                  builder.getF64FloatAttr(spec.logitSoftcap));
  func::ReturnOp::create(builder, modelLoc, logits);
  return module;
}

} // namespace

OwningOpRef<ModuleOp> buildModelIR(MLIRContext &context, const ArchSpec &spec) {
  context.loadDialect<LoomDialect, func::FuncDialect>();
  return ModelBuilder(context, spec).build();
}

} // namespace loom
