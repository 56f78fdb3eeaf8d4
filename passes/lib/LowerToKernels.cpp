//===- LowerToKernels.cpp - loom ops to kernel calls --------------------===//
//
// One conversion pattern per op: each becomes a call of its kernel
// (runtime/include/loom/Runtime/Kernels.h) writing a fresh `loom.scratch`
// slice, and every tensor or cache value becomes the pointer to its storage.
// Where slices live is not decided here: loom-plan-arena does that on the
// lowered form, where every read and write of a slice is a visible use of its
// pointer, so no pattern needs to know about any other op.
//
//===----------------------------------------------------------------------===//
#include "loom/Passes/Passes.h"

#include "ConstantTables.h"
#include "KernelCalls.h"

#include "loom/Dialect/LoomOps.h"
#include "loom/Dialect/RopeScaling.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/SmallVectorExtras.h"
#include "llvm/ADT/StringMap.h"

#include <cstddef>
#include <type_traits>

namespace loom {
#define GEN_PASS_DEF_LOOMLOWERTOKERNELSPASS
#include "loom/Passes/Passes.h.inc"
} // namespace loom

using namespace mlir;

namespace loom {
namespace {

// The dialect's masks are the ABI's: checked here, where the one becomes the other.
static_assert(static_cast<int>(AttentionMask::global) == LOOM_MASK_GLOBAL &&
              static_cast<int>(AttentionMask::sliding_window) == LOOM_MASK_SLIDING_WINDOW &&
              static_cast<int>(AttentionMask::chunked) == LOOM_MASK_CHUNKED);
static_assert(static_cast<int>(Routing::softmax_topk) == LOOM_ROUTE_SOFTMAX_TOPK &&
              static_cast<int>(Routing::topk_softmax) == LOOM_ROUTE_TOPK_SOFTMAX &&
              static_cast<int>(Routing::sigmoid_topk) == LOOM_ROUTE_SIGMOID_TOPK &&
              static_cast<int>(Routing::topk_sigmoid) == LOOM_ROUTE_TOPK_SIGMOID);
static_assert(static_cast<int>(ExpertActivation::swiglu) == LOOM_EXPERT_SWIGLU &&
              static_cast<int>(ExpertActivation::geglu) == LOOM_EXPERT_GEGLU &&
              static_cast<int>(ExpertActivation::swiglu_oai) == LOOM_EXPERT_SWIGLU_OAI);
static_assert(sizeof(loom_cache_view) == 32 && offsetof(loom_cache_view, values) == 8 &&
                  offsetof(loom_cache_view, rows) == 16 && offsetof(loom_cache_view, dtype) == 24,
              "loom_cache_view changed: update cacheViewType");
static_assert(sizeof(loom_tensor) == 16 && offsetof(loom_tensor, dtype) == 8,
              "loom_tensor changed: update weightHandleType");

int64_t innermost(Value v) { return cast<RankedTensorType>(v.getType()).getShape().back(); }

/// Elements per token of an activation.
int64_t rowElements(Value v) {
  int64_t n = 1;
  for (int64_t d : cast<RankedTensorType>(v.getType()).getShape().drop_front())
    n *= d;
  return n;
}

/// Tensors and caches become pointers to their storage, positions 64-bit integers.
class KernelTypeConverter : public TypeConverter {
public:
  explicit KernelTypeConverter(MLIRContext *ctx) {
    addConversion([](Type type) { return type; });
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    addConversion([ptr](RankedTensorType) -> Type { return ptr; });
    addConversion([ptr](KVCacheType) -> Type { return ptr; });
    addConversion([ctx](IndexType) -> Type { return IntegerType::get(ctx, 64); });
  }
};

/// What the patterns share.
struct LoweringState {
  explicit LoweringState(ModuleOp module) : module(module), tables(module, "loom.rope_divisors.") {}

  ModuleOp module;
  /// Each weight's index in the manifest (first-use order), numbered before the conversion.
  llvm::StringMap<int64_t> weightIndex;
  ConstantTables tables;
  /// The divisors of every RoPE if all are one Llama 3.1 scaling (what a GGUF file's rope_freqs.weight
  /// holds, ModelABI.h); empty otherwise. Unset before the first RoPE.
  std::optional<SmallVector<float>> llama3Divisors;
  /// LOOM_NUMERICS_*: which of a profile-dependent op's kernels to call.
  int64_t numerics = LOOM_NUMERICS_FAST;
};

template <typename Op>
class KernelPattern : public OpConversionPattern<Op> {
public:
  KernelPattern(const TypeConverter &converter, LoweringState &state)
      : OpConversionPattern<Op>(converter, state.module.getContext()), state(state) {}

protected:
  KernelCalls calls(OpBuilder &builder) const { return KernelCalls(state.module, builder); }

  /// An argument of the function being lowered.
  static Value abi(Operation *op, ForwardArg which) {
    return op->template getParentOfType<func::FuncOp>().getArgument(which);
  }

  /// A fresh slice for the value `result` will hold; `reusable` if the kernel may write over it. A value
  /// without a token dimension (an expert's row offsets) has a fixed size.
  static Value scratchFor(OpBuilder &builder, Location loc, Value result, Value reusable = {}) {
    auto type = cast<RankedTensorType>(result.getType());
    int64_t elementBytes = type.getElementTypeBitWidth() / 8;
    if (type.hasStaticShape())
      return ScratchOp::create(builder, loc, 0, reusable, type.getNumElements() * elementBytes);
    return ScratchOp::create(builder, loc, rowElements(result) * elementBytes, reusable, 0);
  }

  /// Rows of `v`'s innermost dimension in the chunk.
  static Value rows(KernelCalls &kernels, Location loc, Operation *op, Value v) {
    int64_t perToken = rowElements(v) / innermost(v);
    Value n = abi(op, NumTokens);
    return perToken == 1 ? n : kernels.mul(loc, n, perToken);
  }

  /// Elements of `v` in the chunk.
  static Value count(KernelCalls &kernels, Location loc, Operation *op, Value v) {
    return kernels.mul(loc, abi(op, NumTokens), rowElements(v));
  }

  static Value orNull(KernelCalls &kernels, Location loc, Value weight) {
    return weight ? weight : kernels.null(loc);
  }

  /// The RoPE arguments loom_k_rope and loom_k_qk_norm_rope share, scaling included.
  struct RopeOperands {
    Value rotaryDims, theta, divisors, attnFactor, interleaved;
  };
  RopeOperands ropeOperands(OpBuilder &builder, KernelCalls &kernels, Location loc, Attribute scalingAttr,
                            double theta, int64_t rotary, RopePairing style) const {
    // Scaled frequencies are a constant table (loom/Dialect/RopeScaling.h); unscaled RoPE passes none.
    RopeFrequencyScaling scaling = ropeFrequencyScaling(scalingAttr, theta, rotary);
    bool llama3 = isa_and_nonnull<RopeLlama3Attr>(scalingAttr);
    if (!state.llama3Divisors)
      state.llama3Divisors = llama3 ? scaling.divisors : SmallVector<float>();
    else if (!llama3 || *state.llama3Divisors != scaling.divisors)
      state.llama3Divisors->clear();
    // Created in a fixed order (a call's arguments are evaluated in any order).
    RopeOperands operands;
    operands.rotaryDims = kernels.i64(loc, rotary);
    operands.theta = kernels.f32(loc, theta);
    operands.divisors =
        scaling.divisors.empty() ? kernels.null(loc) : state.tables.address(builder, loc, scaling.divisors);
    operands.attnFactor = kernels.f32(loc, scaling.attentionFactor);
    operands.interleaved = kernels.i32(loc, style == RopePairing::interleaved ? 1 : 0);
    return operands;
  }

  LoweringState &state;
};

/// The common shape of a lowering: the op's one result becomes a fresh scratch slice, which one kernel call
/// (`call`) writes.
template <typename Op>
class OneResultPattern : public KernelPattern<Op> {
public:
  using KernelPattern<Op>::KernelPattern;
  using OpAdaptor = typename KernelPattern<Op>::OpAdaptor;

  LogicalResult matchAndRewrite(Op op, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const final {
    KernelCalls kernels = this->calls(rewriter);
    Location loc = op.getLoc();
    Value out = this->scratchFor(rewriter, loc, op.getResult());
    call(op, adaptor, kernels, loc, out);
    rewriter.replaceOp(op, out);
    return success();
  }

protected:
  virtual void call(Op op, OpAdaptor adaptor, KernelCalls &kernels, Location loc, Value out) const = 0;
};

/// `forward(tokens, start) -> logits` becomes `loom_generated_forward` with the ABI's arguments.
struct LowerForwardSignature : KernelPattern<func::FuncOp> {
  using KernelPattern::KernelPattern;
  LogicalResult matchAndRewrite(func::FuncOp forward, OpAdaptor, ConversionPatternRewriter &rewriter) const override {
    if (forward.getSymName() != "forward" || forward.getNumArguments() != 2)
      return failure();
    SmallVector<Type> abiTypes = KernelSignature<decltype(loom_generated_forward)>::types(getContext());
    // The frontend's two arguments (token ids, first position) are two of the ABI's; the rest are new.
    TypeConverter::SignatureConversion signature(forward.getNumArguments());
    for (auto [index, type] : llvm::enumerate(abiTypes)) {
      if (index == Tokens)
        signature.addInputs(0, type);
      else if (index == Start)
        signature.addInputs(1, type);
      else
        signature.addInputs(type);
    }
    rewriter.modifyOpInPlace(forward, [&] {
      forward.setSymName("loom_generated_forward");
      forward.setFunctionType(rewriter.getFunctionType(abiTypes, {}));
      forward->removeAttr("loom.model");
    });
    rewriter.applySignatureConversion(&forward.getBody().front(), signature, getTypeConverter());
    return success();
  }
};

/// The LM head writes the logits argument, so nothing is returned.
struct LowerReturn : KernelPattern<func::ReturnOp> {
  using KernelPattern::KernelPattern;
  LogicalResult matchAndRewrite(func::ReturnOp ret, OpAdaptor, ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<func::ReturnOp>(ret);
    return success();
  }
};

/// A weight is its entry in the weight table: `&weights[index]`.
struct LowerWeight : KernelPattern<WeightOp> {
  using KernelPattern::KernelPattern;
  LogicalResult matchAndRewrite(WeightOp w, OpAdaptor, ConversionPatternRewriter &rewriter) const override {
    KernelCalls kernels = calls(rewriter);
    // loom_tensor (ModelABI.h): data, dtype.
    auto tensorStruct =
        LLVM::LLVMStructType::getLiteral(getContext(), {kernels.ptrType(), rewriter.getI64Type()});
    rewriter.replaceOp(w, kernels.element(w.getLoc(), abi(w, Weights), tensorStruct,
                                          state.weightIndex.lookup(w.getName())));
    return success();
  }
};

/// A cache is the view in its slot: `&caches[slot]`.
struct LowerKVCache : KernelPattern<KVCacheOp> {
  using KernelPattern::KernelPattern;
  LogicalResult matchAndRewrite(KVCacheOp cache, OpAdaptor, ConversionPatternRewriter &rewriter) const override {
    KernelCalls kernels = calls(rewriter);
    // loom_cache_view (ModelABI.h): keys, values, rows, dtype.
    auto view = LLVM::LLVMStructType::getLiteral(
        getContext(), {kernels.ptrType(), kernels.ptrType(), rewriter.getI64Type(), rewriter.getI64Type()});
    rewriter.replaceOp(cache, kernels.element(cache.getLoc(), abi(cache, Caches), view,
                                              static_cast<int64_t>(*cache.getSlot())));
    return success();
  }
};

/// Head splits and merges are views: the same storage.
template <typename Op>
struct LowerView : KernelPattern<Op> {
  using KernelPattern<Op>::KernelPattern;
  using OpAdaptor = typename KernelPattern<Op>::OpAdaptor;
  LogicalResult matchAndRewrite(Op view, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(view, adaptor.getInput());
    return success();
  }
};

struct LowerPositionIds : OneResultPattern<PositionIdsOp> {
  using OneResultPattern::OneResultPattern;
  void call(PositionIdsOp p, OpAdaptor adaptor, KernelCalls &kernels, Location loc, Value out) const override {
    LOOM_KERNEL_CALL(kernels, loc, loom_k_position_ids, abi(p, Start), abi(p, NumTokens), out);
  }
};

struct LowerEmbedding : OneResultPattern<EmbeddingOp> {
  using OneResultPattern::OneResultPattern;
  void call(EmbeddingOp e, OpAdaptor adaptor, KernelCalls &kernels, Location loc, Value out) const override {
    // The ids are the forward's tokens or the slice of the op that computed them (loom.position_ids).
    LOOM_KERNEL_CALL(kernels, loc, loom_k_embedding, adaptor.getTable(), kernels.i64(loc, innermost(e.getResult())),
                     adaptor.getTokens(), abi(e, NumTokens), kernels.f32(loc, e.getScale().convertToDouble()), out);
  }
};

struct LowerRMSNorm : OneResultPattern<RMSNormOp> {
  using OneResultPattern::OneResultPattern;
  void call(RMSNormOp n, OpAdaptor adaptor, KernelCalls &kernels, Location loc, Value out) const override {
    LOOM_KERNEL_CALL(kernels, loc, loom_k_rms_norm, adaptor.getInput(), rows(kernels, loc, n, n.getInput()),
                     kernels.i64(loc, innermost(n.getInput())), orNull(kernels, loc, adaptor.getWeight()),
                     kernels.f32(loc, n.getEps().convertToDouble()),
                     kernels.f32(loc, n.getWeightOffset().convertToDouble()), out);
  }
};

struct LowerLayerNorm : OneResultPattern<LayerNormOp> {
  using OneResultPattern::OneResultPattern;
  void call(LayerNormOp n, OpAdaptor adaptor, KernelCalls &kernels, Location loc, Value out) const override {
    LOOM_KERNEL_CALL(kernels, loc, loom_k_layer_norm, adaptor.getInput(), rows(kernels, loc, n, n.getInput()),
                     kernels.i64(loc, innermost(n.getInput())), adaptor.getWeight(),
                     orNull(kernels, loc, adaptor.getBias()), kernels.f32(loc, n.getEps().convertToDouble()), out);
  }
};

struct LowerLinear : OneResultPattern<LinearOp> {
  using OneResultPattern::OneResultPattern;
  void call(LinearOp l, OpAdaptor adaptor, KernelCalls &kernels, Location loc, Value out) const override {
    LOOM_KERNEL_CALL(kernels, loc, loom_k_linear, adaptor.getInput(), abi(l, NumTokens),
                     kernels.i64(loc, innermost(l.getInput())), adaptor.getWeight(),
                     kernels.i64(loc, innermost(l.getResult())), orNull(kernels, loc, adaptor.getBias()), out);
  }
};

/// Only rows first_logit_row.. are projected, straight into the caller's logits; the scale
/// and soft-cap then work in place there, in that order (Grok's multiplier precedes its cap).
struct LowerLMHead : KernelPattern<LMHeadOp> {
  using KernelPattern::KernelPattern;
  LogicalResult matchAndRewrite(LMHeadOp h, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    KernelCalls kernels = calls(rewriter);
    Location loc = h.getLoc();
    int64_t width = innermost(h.getInput());
    Value firstRowBytes = kernels.mul(loc, abi(h, FirstLogitRow), width * 4);
    Value input = kernels.offset(loc, adaptor.getInput(), firstRowBytes);
    Value rows = LLVM::SubOp::create(rewriter, loc, abi(h, NumTokens), abi(h, FirstLogitRow));
    Value logits = abi(h, Logits);
    LOOM_KERNEL_CALL(kernels, loc, loom_k_linear, input, rows, kernels.i64(loc, width), adaptor.getWeight(),
                     kernels.i64(loc, innermost(h.getResult())), kernels.null(loc), logits);
    double scale = h.getScale().convertToDouble(), softcap = h.getSoftcap().convertToDouble();
    if (scale != 1.0 || softcap > 0.0) {
      Value count = kernels.mul(loc, rows, innermost(h.getResult()));
      if (scale != 1.0)
        LOOM_KERNEL_CALL(kernels, loc, loom_k_scale, logits, count, kernels.f32(loc, static_cast<float>(scale)), logits);
      if (softcap > 0.0)
        LOOM_KERNEL_CALL(kernels, loc, loom_k_softcap, logits, count, kernels.f32(loc, static_cast<float>(softcap)),
                         logits);
    }
    rewriter.replaceOp(h, logits);
    return success();
  }
};

/// loom_k_rope rotates in place, so RoPE rotates a copy; loom-plan-arena drops the copy when the
/// operand dies there.
struct LowerRoPE : KernelPattern<RoPEOp> {
  using KernelPattern::KernelPattern;
  LogicalResult matchAndRewrite(RoPEOp r, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    KernelCalls kernels = calls(rewriter);
    Location loc = r.getLoc();
    Value out = scratchFor(rewriter, loc, r.getResult());
    Value bytes = kernels.mul(loc, abi(r, NumTokens), rowElements(r.getInput()) * 4);
    LLVM::MemcpyOp::create(rewriter, loc, out, adaptor.getInput(), bytes, /*isVolatile=*/false);
    auto shape = cast<RankedTensorType>(r.getType()).getShape();
    Value heads = kernels.i64(loc, shape[1]), headDim = kernels.i64(loc, shape[2]);
    RopeOperands rope = ropeOperands(rewriter, kernels, loc, r.getScalingAttr(), r.getTheta().convertToDouble(),
                                     static_cast<int64_t>(r.getRotaryDims()), r.getStyle());
    LOOM_KERNEL_CALL(kernels, loc, loom_k_rope, out, abi(r, NumTokens), heads, headDim, rope.rotaryDims,
                     abi(r, Start), rope.theta, rope.divisors, rope.attnFactor, rope.interleaved);
    rewriter.replaceOp(r, out);
    return success();
  }
};

/// loom_k_qk_norm_rope may write over its input, which the slice says.
struct LowerQKNormRoPE : KernelPattern<QKNormRoPEOp> {
  using KernelPattern::KernelPattern;
  LogicalResult matchAndRewrite(QKNormRoPEOp f, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    KernelCalls kernels = calls(rewriter);
    Location loc = f.getLoc();
    Value out = scratchFor(rewriter, loc, f.getResult(), /*reusable=*/adaptor.getInput());
    auto shape = cast<RankedTensorType>(f.getType()).getShape();
    Value heads = kernels.i64(loc, shape[1]), headDim = kernels.i64(loc, shape[2]);
    Value normWidth = kernels.i64(loc, static_cast<int64_t>(f.getNormWidth()));
    Value weight = orNull(kernels, loc, adaptor.getWeight());
    Value eps = kernels.f32(loc, f.getEps().convertToDouble());
    Value weightOffset = kernels.f32(loc, f.getWeightOffset().convertToDouble());
    RopeOperands rope = ropeOperands(rewriter, kernels, loc, f.getScalingAttr(), f.getTheta().convertToDouble(),
                                     static_cast<int64_t>(f.getRotaryDims()), f.getStyle());
    LOOM_KERNEL_CALL(kernels, loc, loom_k_qk_norm_rope, adaptor.getInput(), abi(f, NumTokens), heads, headDim,
                     normWidth, weight, eps, weightOffset, rope.rotaryDims, abi(f, Start), rope.theta,
                     rope.divisors, rope.attnFactor, rope.interleaved, out);
    rewriter.replaceOp(f, out);
    return success();
  }
};

/// The append writes the cache's buffers; the appended cache is the same view.
struct LowerCacheAppend : KernelPattern<CacheAppendOp> {
  using KernelPattern::KernelPattern;
  LogicalResult matchAndRewrite(CacheAppendOp append, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    KernelCalls kernels = calls(rewriter);
    Location loc = append.getLoc();
    // A latent cache's rows are all key (no value).
    Value value = append.getValue() ? adaptor.getValue() : kernels.null(loc);
    int64_t valueElements = append.getValue() ? rowElements(append.getValue()) : 0;
    LOOM_KERNEL_CALL(kernels, loc, loom_k_kv_store, adaptor.getKey(), value, abi(append, NumTokens),
                     kernels.i64(loc, rowElements(append.getKey())), kernels.i64(loc, valueElements),
                     adaptor.getStart(), adaptor.getCache());
    rewriter.replaceOp(append, adaptor.getCache());
    return success();
  }
};

/// The ggml profile sums in ggml's order; the fast one splits each query's keys into chunks.
struct LowerAttend : OneResultPattern<AttendOp> {
  using OneResultPattern::OneResultPattern;
  void call(AttendOp a, OpAdaptor adaptor, KernelCalls &kernels, Location loc, Value out) const override {
    auto q = cast<RankedTensorType>(a.getQuery().getType()).getShape();
    KVCacheType cache = a.getCache().getType();
    auto emit = [&](auto kernel, const char *name) {
      kernels.call<std::remove_pointer_t<decltype(kernel)>>(
          loc, name, adaptor.getQuery(), abi(a, NumTokens), adaptor.getStart(), adaptor.getCache(),
          kernels.i64(loc, q[1]), kernels.i64(loc, cache.getKvHeads()), kernels.i64(loc, cache.getKeyDim()),
          kernels.i64(loc, cache.getValueDim()), kernels.f32(loc, a.getScale().convertToDouble()),
          kernels.f32(loc, a.getSoftcap().convertToDouble()), orNull(kernels, loc, adaptor.getSinks()),
          kernels.i32(loc, static_cast<int32_t>(a.getMask())), kernels.i64(loc, a.getWindow()), out);
    };
    if (state.numerics == LOOM_NUMERICS_GGML)
      emit(loom_k_attention, "loom_k_attention");
    else
      emit(loom_k_attention_split_keys, "loom_k_attention_split_keys");
  }
};

struct LowerMLAttend : OneResultPattern<MLAttendOp> {
  using OneResultPattern::OneResultPattern;
  void call(MLAttendOp a, OpAdaptor adaptor, KernelCalls &kernels, Location loc, Value out) const override {
    auto qn = cast<RankedTensorType>(a.getQNope().getType()).getShape();
    int64_t rope = innermost(a.getQPe()), value = innermost(a.getResult());
    int64_t rank = a.getCache().getType().getKeyDim() - rope;
    LOOM_KERNEL_CALL(kernels, loc, loom_k_mla_attention, adaptor.getQNope(), adaptor.getQPe(), abi(a, NumTokens),
                     adaptor.getStart(), adaptor.getCache(), adaptor.getKvB(), kernels.i64(loc, qn[1]),
                     kernels.i64(loc, qn[2]), kernels.i64(loc, rope), kernels.i64(loc, value), kernels.i64(loc, rank),
                     kernels.f32(loc, a.getScale().convertToDouble()),
                     kernels.i64(loc, static_cast<int64_t>(a.getAbsorbMaxTokens())), out);
  }
};

/// The state is read and written in place: the op's new state is the same view.
struct LowerGatedDeltaNet : KernelPattern<GatedDeltaNetOp> {
  using KernelPattern::KernelPattern;
  LogicalResult matchAndRewrite(GatedDeltaNetOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    KernelCalls kernels = calls(rewriter);
    Location loc = op.getLoc();
    Value out = scratchFor(rewriter, loc, op.getResult());
    auto q = cast<RankedTensorType>(op.getQ().getType()).getShape();
    auto v = cast<RankedTensorType>(op.getV().getType()).getShape();
    LOOM_KERNEL_CALL(kernels, loc, loom_k_gated_delta_net, adaptor.getQ(), adaptor.getK(), adaptor.getV(),
                     adaptor.getB(), adaptor.getA(), abi(op, NumTokens), adaptor.getStart(), adaptor.getState(),
                     adaptor.getConv(), adaptor.getALog(), adaptor.getDtBias(), kernels.i64(loc, q[1]),
                     kernels.i64(loc, v[1]), kernels.i64(loc, q[2]), kernels.i64(loc, v[2]),
                     kernels.i64(loc, op.getState().getType().getWindow() + 1),
                     kernels.f32(loc, op.getEps().convertToDouble()), out);
    rewriter.replaceOp(op, {out, adaptor.getState()});
    return success();
  }
};

/// The kernel may write over its input, which the slice says.
struct LowerGatedRMSNorm : KernelPattern<GatedRMSNormOp> {
  using KernelPattern::KernelPattern;
  LogicalResult matchAndRewrite(GatedRMSNormOp n, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    KernelCalls kernels = calls(rewriter);
    Location loc = n.getLoc();
    Value out = scratchFor(rewriter, loc, n.getResult(), /*reusable=*/adaptor.getInput());
    LOOM_KERNEL_CALL(kernels, loc, loom_k_gated_rms_norm, adaptor.getInput(), adaptor.getGate(),
                     rows(kernels, loc, n, n.getInput()), kernels.i64(loc, innermost(n.getInput())),
                     adaptor.getWeight(), kernels.f32(loc, n.getEps().convertToDouble()),
                     kernels.f32(loc, n.getWeightOffset().convertToDouble()), out);
    rewriter.replaceOp(n, out);
    return success();
  }
};

/// The kernel may write over its input, which the slice says.
struct LowerAttentionTemperature : KernelPattern<AttentionTemperatureOp> {
  using KernelPattern::KernelPattern;
  LogicalResult matchAndRewrite(AttentionTemperatureOp t, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    KernelCalls kernels = calls(rewriter);
    Location loc = t.getLoc();
    Value out = scratchFor(rewriter, loc, t.getResult(), /*reusable=*/adaptor.getInput());
    LOOM_KERNEL_CALL(kernels, loc, loom_k_attention_temperature, adaptor.getInput(), abi(t, NumTokens),
                     kernels.i64(loc, rowElements(t.getInput())), adaptor.getStart(),
                     kernels.f32(loc, t.getScale().convertToDouble()),
                     kernels.i64(loc, static_cast<int64_t>(t.getFloor())), out);
    rewriter.replaceOp(t, out);
    return success();
  }
};

/// A slice copies its columns of each row.
struct LowerSlice : OneResultPattern<SliceOp> {
  using OneResultPattern::OneResultPattern;
  void call(SliceOp s, OpAdaptor adaptor, KernelCalls &kernels, Location loc, Value out) const override {
    int64_t width = innermost(s.getResult());
    LOOM_KERNEL_CALL(kernels, loc, loom_k_copy_columns, adaptor.getInput(), rows(kernels, loc, s, s.getInput()),
                     kernels.i64(loc, innermost(s.getInput())), kernels.i64(loc, static_cast<int64_t>(s.getOffset())),
                     kernels.i64(loc, width), out, kernels.i64(loc, width), kernels.i64(loc, 0));
  }
};

/// A concatenation copies each operand into its columns.
struct LowerConcat : OneResultPattern<ConcatOp> {
  using OneResultPattern::OneResultPattern;
  void call(ConcatOp c, OpAdaptor adaptor, KernelCalls &kernels, Location loc, Value out) const override {
    Value rowCount = rows(kernels, loc, c, c.getResult());
    int64_t lhs = innermost(c.getLhs()), rhs = innermost(c.getRhs()), width = innermost(c.getResult());
    LOOM_KERNEL_CALL(kernels, loc, loom_k_copy_columns, adaptor.getLhs(), rowCount, kernels.i64(loc, lhs),
                     kernels.i64(loc, 0), kernels.i64(loc, lhs), out, kernels.i64(loc, width), kernels.i64(loc, 0));
    LOOM_KERNEL_CALL(kernels, loc, loom_k_copy_columns, adaptor.getRhs(), rowCount, kernels.i64(loc, rhs),
                     kernels.i64(loc, 0), kernels.i64(loc, rhs), out, kernels.i64(loc, width), kernels.i64(loc, lhs));
  }
};

/// `out[i] = f(lhs[i], rhs[i])` for the gated activations and the residual add.
using BinaryKernel = void (*)(KernelCalls &, Location, Value lhs, Value rhs, Value count, Value out);

template <typename Op>
struct LowerElementwise : OneResultPattern<Op> {
  using OpAdaptor = typename OneResultPattern<Op>::OpAdaptor;
  LowerElementwise(const TypeConverter &converter, LoweringState &state, BinaryKernel kernel)
      : OneResultPattern<Op>(converter, state), kernel(kernel) {}
  void call(Op op, OpAdaptor adaptor, KernelCalls &kernels, Location loc, Value out) const override {
    kernel(kernels, loc, adaptor.getOperands()[0], adaptor.getOperands()[1],
           this->count(kernels, loc, op, op.getResult()), out);
  }
  BinaryKernel kernel;
};

/// A gate per element, or one per row of `up` (width 1).
struct LowerSigmoidGate : OneResultPattern<SigmoidGateOp> {
  using OneResultPattern::OneResultPattern;
  void call(SigmoidGateOp g, OpAdaptor adaptor, KernelCalls &kernels, Location loc, Value out) const override {
    LOOM_KERNEL_CALL(kernels, loc, loom_k_sigmoid_gate, adaptor.getGate(), adaptor.getUp(),
                     count(kernels, loc, g, g.getResult()), kernels.i64(loc, innermost(g.getUp())),
                     kernels.i64(loc, innermost(g.getGate())), out);
  }
};

struct LowerSoftcap : OneResultPattern<SoftcapOp> {
  using OneResultPattern::OneResultPattern;
  void call(SoftcapOp c, OpAdaptor adaptor, KernelCalls &kernels, Location loc, Value out) const override {
    LOOM_KERNEL_CALL(kernels, loc, loom_k_softcap, adaptor.getInput(), count(kernels, loc, c, c.getResult()),
                     kernels.f32(loc, static_cast<float>(c.getCap().convertToDouble())), out);
  }
};

struct LowerSwiGLUOai : OneResultPattern<SwiGLUOaiOp> {
  using OneResultPattern::OneResultPattern;
  void call(SwiGLUOaiOp a, OpAdaptor adaptor, KernelCalls &kernels, Location loc, Value out) const override {
    LOOM_KERNEL_CALL(kernels, loc, loom_k_swiglu_oai, adaptor.getGate(), adaptor.getUp(),
                     count(kernels, loc, a, a.getResult()),
                     kernels.f32(loc, static_cast<float>(a.getAlpha().convertToDouble())),
                     kernels.f32(loc, static_cast<float>(a.getLimit().convertToDouble())), out);
  }
};

struct LowerScale : OneResultPattern<ScaleOp> {
  using OneResultPattern::OneResultPattern;
  void call(ScaleOp s, OpAdaptor adaptor, KernelCalls &kernels, Location loc, Value out) const override {
    LOOM_KERNEL_CALL(kernels, loc, loom_k_scale, adaptor.getInput(), count(kernels, loc, s, s.getResult()),
                     kernels.f32(loc, static_cast<float>(s.getFactor().convertToDouble())), out);
  }
};

/// The ggml profile computes GELU as ggml does, through a half-precision table.
struct LowerGelu : OneResultPattern<GeluOp> {
  using OneResultPattern::OneResultPattern;
  void call(GeluOp g, OpAdaptor adaptor, KernelCalls &kernels, Location loc, Value out) const override {
    Value n = count(kernels, loc, g, g.getResult());
    if (state.numerics == LOOM_NUMERICS_GGML)
      LOOM_KERNEL_CALL(kernels, loc, loom_k_gelu_f16_table, adaptor.getInput(), n, out);
    else
      LOOM_KERNEL_CALL(kernels, loc, loom_k_gelu, adaptor.getInput(), n, out);
  }
};

struct LowerGeGLU : OneResultPattern<GeGLUOp> {
  using OneResultPattern::OneResultPattern;
  void call(GeGLUOp g, OpAdaptor adaptor, KernelCalls &kernels, Location loc, Value out) const override {
    Value n = count(kernels, loc, g, g.getResult());
    if (state.numerics == LOOM_NUMERICS_GGML)
      LOOM_KERNEL_CALL(kernels, loc, loom_k_geglu_f16_table, adaptor.getGate(), adaptor.getUp(), n, out);
    else
      LOOM_KERNEL_CALL(kernels, loc, loom_k_geglu, adaptor.getGate(), adaptor.getUp(), n, out);
  }
};

/// Routing writes two slices: the chosen experts and their weights.
struct LowerRoute : KernelPattern<RouteOp> {
  using KernelPattern::KernelPattern;
  LogicalResult matchAndRewrite(RouteOp r, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    KernelCalls kernels = calls(rewriter);
    Location loc = r.getLoc();
    Value ids = scratchFor(rewriter, loc, r.getExperts());
    Value weights = scratchFor(rewriter, loc, r.getWeights());
    LOOM_KERNEL_CALL(kernels, loc, loom_k_route, adaptor.getLogits(), abi(r, NumTokens),
                     kernels.i64(loc, innermost(r.getLogits())), orNull(kernels, loc, adaptor.getSelectionBias()),
                     kernels.i32(loc, static_cast<int32_t>(r.getRouting())),
                     kernels.i64(loc, static_cast<int64_t>(r.getTopK())),
                     kernels.i64(loc, static_cast<int64_t>(r.getGroups())),
                     kernels.i64(loc, static_cast<int64_t>(r.getGroupTopK())), kernels.i32(loc, r.getNormalize()),
                     kernels.f32(loc, r.getScale().convertToDouble()), ids, weights);
    rewriter.replaceOp(r, ValueRange{ids, weights});
    return success();
  }
};

/// The experts as written: loom_k_experts runs each token's experts in turn.
struct LowerExperts : OneResultPattern<ExpertsOp> {
  using OneResultPattern::OneResultPattern;
  void call(ExpertsOp x, OpAdaptor adaptor, KernelCalls &kernels, Location loc, Value out) const override {
    auto gate = cast<RankedTensorType>(x.getGate().getType()).getShape();
    ValueRange biases = adaptor.getBiases();
    auto bias = [&](size_t i) { return biases.empty() ? kernels.null(loc) : biases[i]; };
    int32_t activation = static_cast<int32_t>(x.getActivation());
    if (activation == LOOM_EXPERT_GEGLU && state.numerics == LOOM_NUMERICS_GGML)
      activation = LOOM_EXPERT_GEGLU_F16_TABLE;
    LOOM_KERNEL_CALL(kernels, loc, loom_k_experts, adaptor.getInput(), abi(x, NumTokens),
                     kernels.i64(loc, innermost(x.getInput())), adaptor.getExperts(), adaptor.getWeights(),
                     kernels.i64(loc, innermost(x.getExperts())), adaptor.getGate(), adaptor.getUp(),
                     adaptor.getDown(), bias(0), bias(1), bias(2), kernels.i64(loc, gate[0]),
                     kernels.i64(loc, gate[1]), kernels.i32(loc, activation),
                     kernels.f32(loc, x.getAlpha().convertToDouble()), kernels.f32(loc, x.getLimit().convertToDouble()),
                     kernels.i32(loc, x.getWeightInput() ? 1 : 0), out);
  }
};

struct LowerMoeDispatch : KernelPattern<MoeDispatchOp> {
  using KernelPattern::KernelPattern;
  LogicalResult matchAndRewrite(MoeDispatchOp m, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    KernelCalls kernels = calls(rewriter);
    Location loc = m.getLoc();
    Value order = scratchFor(rewriter, loc, m.getOrder());
    Value offsets = scratchFor(rewriter, loc, m.getOffsets());
    int64_t experts = cast<RankedTensorType>(m.getOffsets().getType()).getDimSize(0) - 1;
    LOOM_KERNEL_CALL(kernels, loc, loom_k_moe_dispatch, adaptor.getExperts(), abi(m, NumTokens),
                     kernels.i64(loc, innermost(m.getExperts())), kernels.i64(loc, experts), order, offsets);
    rewriter.replaceOp(m, ValueRange{order, offsets});
    return success();
  }
};

struct LowerMoeGather : OneResultPattern<MoeGatherOp> {
  using OneResultPattern::OneResultPattern;
  void call(MoeGatherOp g, OpAdaptor adaptor, KernelCalls &kernels, Location loc, Value out) const override {
    LOOM_KERNEL_CALL(kernels, loc, loom_k_moe_gather, adaptor.getInput(), abi(g, NumTokens),
                     kernels.i64(loc, innermost(g.getInput())), adaptor.getOrder(),
                     kernels.i64(loc, innermost(g.getOrder())), orNull(kernels, loc, adaptor.getWeights()), out);
  }
};

struct LowerGroupedLinear : OneResultPattern<GroupedLinearOp> {
  using OneResultPattern::OneResultPattern;
  void call(GroupedLinearOp l, OpAdaptor adaptor, KernelCalls &kernels, Location loc, Value out) const override {
    auto w = cast<RankedTensorType>(l.getWeight().getType()).getShape();
    LOOM_KERNEL_CALL(kernels, loc, loom_k_grouped_linear, adaptor.getInput(), kernels.i64(loc, w[2]),
                     adaptor.getOffsets(), kernels.i64(loc, w[0]), adaptor.getWeight(), kernels.i64(loc, w[1]),
                     orNull(kernels, loc, adaptor.getBias()), orNull(kernels, loc, adaptor.getShared()), out);
  }
};

struct LowerMoeAppendShared : KernelPattern<MoeAppendSharedOp> {
  using KernelPattern::KernelPattern;
  LogicalResult matchAndRewrite(MoeAppendSharedOp a, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    KernelCalls kernels = calls(rewriter);
    Location loc = a.getLoc();
    Value ids = scratchFor(rewriter, loc, a.getResultExperts());
    Value weights = scratchFor(rewriter, loc, a.getResultWeights());
    LOOM_KERNEL_CALL(kernels, loc, loom_k_moe_append_shared, adaptor.getExperts(), adaptor.getWeights(),
                     orNull(kernels, loc, adaptor.getGate()), abi(a, NumTokens),
                     kernels.i64(loc, innermost(a.getExperts())),
                     kernels.i32(loc, static_cast<int32_t>(a.getExpert())), ids, weights);
    rewriter.replaceOp(a, ValueRange{ids, weights});
    return success();
  }
};

struct LowerMoeCombine : OneResultPattern<MoeCombineOp> {
  using OneResultPattern::OneResultPattern;
  void call(MoeCombineOp c, OpAdaptor adaptor, KernelCalls &kernels, Location loc, Value out) const override {
    LOOM_KERNEL_CALL(kernels, loc, loom_k_moe_combine, adaptor.getInput(), abi(c, NumTokens),
                     kernels.i64(loc, innermost(c.getResult())), adaptor.getOrder(),
                     kernels.i64(loc, innermost(c.getOrder())), orNull(kernels, loc, adaptor.getWeights()), out);
  }
};

void populateKernelPatterns(RewritePatternSet &patterns, const TypeConverter &converter, LoweringState &state) {
  patterns.add<LowerForwardSignature, LowerReturn, LowerWeight, LowerKVCache, LowerView<SplitHeadsOp>,
               LowerView<MergeHeadsOp>, LowerPositionIds, LowerEmbedding, LowerRMSNorm, LowerLayerNorm, LowerLinear,
               LowerLMHead, LowerRoPE, LowerQKNormRoPE, LowerCacheAppend, LowerAttend, LowerSigmoidGate, LowerSoftcap, LowerSwiGLUOai, LowerScale,
               LowerGelu, LowerGeGLU, LowerRoute, LowerExperts, LowerMoeDispatch, LowerMoeGather, LowerGroupedLinear, LowerMoeAppendShared, LowerMoeCombine, LowerMLAttend,
               LowerSlice, LowerConcat, LowerAttentionTemperature, LowerGatedDeltaNet, LowerGatedRMSNorm>(converter,
                                                                                                     state);
  patterns.add<LowerElementwise<SwiGLUOp>>(converter, state,
                                           +[](KernelCalls &k, Location loc, Value a, Value b, Value n, Value out) {
                                             LOOM_KERNEL_CALL(k, loc, loom_k_swiglu, a, b, n, out);
                                           });
  patterns.add<LowerElementwise<AddOp>>(converter, state,
                                        +[](KernelCalls &k, Location loc, Value a, Value b, Value n, Value out) {
                                          LOOM_KERNEL_CALL(k, loc, loom_k_add, a, b, n, out);
                                        });
}

/// Whether `use` is the weight operand of a product loom_k_linear computes.
bool isProductWeight(OpOperand &use) {
  Operation *user = use.getOwner();
  if (auto linear = dyn_cast<LinearOp>(user))
    return &use == &linear.getWeightMutable();
  if (auto head = dyn_cast<LMHeadOp>(user))
    return &use == &head.getWeightMutable();
  return false;
}

/// Whether `use` is the table of a loom_k_embedding (which reads packed tables too).
bool isEmbeddingTable(OpOperand &use) {
  auto embedding = dyn_cast<EmbeddingOp>(use.getOwner());
  return embedding && &use == &embedding.getTableMutable();
}

/// Numbers the weights in first-use order and checks what the patterns rely on, so that no pattern fails
/// half-way through the conversion. A matrix only products read may be repacked by the runtime for them
/// (LOOM_LAYOUT_PRODUCT_ROWS), as llama.cpp repacks the same matrices on x86. llama.cpp keeps the token
/// embedding as it is, and with it a tied LM head's order; the fast profile packs that matrix too.
LogicalResult prepare(func::FuncOp forward, ModelDescriptor &descriptor, LoweringState &state) {
  if (!forward.getBody().hasOneBlock())
    return forward.emitOpError("must be a single block to be lowered to kernels");
  // Token ids and the first position are the only inputs the ABI passes through.
  FunctionType type = forward.getFunctionType();
  if (type.getNumInputs() != 2 || !isa<RankedTensorType>(type.getInput(0)) || !isa<IndexType>(type.getInput(1)))
    return forward.emitOpError() << "must take (token ids, start position) to be lowered to kernels, it takes "
                                 << type.getInputs();
  SmallVector<WeightOp> declared;
  // Per declared weight, over all its declarations: read by products and nothing they could not share.
  SmallVector<bool> productsOnly, readByProducts;
  WalkResult walk = forward.walk([&](Operation *op) -> WalkResult {
    if (auto w = dyn_cast<WeightOp>(op)) {
      auto [it, inserted] = state.weightIndex.try_emplace(w.getName(), declared.size());
      if (inserted) {
        declared.push_back(w);
        WeightRecord record{w.getName().str(), llvm::to_vector_of<int64_t, 4>(w.getType().getShape())};
        if (RopeRowsAttr rope = w.getRopeAttr()) {
          record.ropePairing = rope.getPairing() == RopePairing::half ? LOOM_ROPE_HALF : LOOM_ROPE_INTERLEAVED;
          record.ropeHeadDim = rope.getHeadDim();
          record.ropeDims = rope.getDims();
        }
        descriptor.weights.push_back(std::move(record));
        productsOnly.push_back(true);
        readByProducts.push_back(false);
      } else if (WeightOp first = declared[it->second];
                 first.getType() != w.getType() || first.getRopeAttr() != w.getRopeAttr()) {
        return w.emitOpError() << "redeclares weight '" << w.getName() << "' as " << w.getType() << ", it was "
                               << first.getType();
      }
    }
    if (auto w = dyn_cast<WeightOp>(op)) {
      unsigned index = state.weightIndex.lookup(w.getName());
      bool embeddings = state.numerics == LOOM_NUMERICS_FAST;
      productsOnly[index] = productsOnly[index] && llvm::all_of(w->getUses(), [&](OpOperand &use) {
                              return isProductWeight(use) || (embeddings && isEmbeddingTable(use));
                            });
      readByProducts[index] = readByProducts[index] || llvm::any_of(w->getUses(), isProductWeight);
    }
    if (auto cache = dyn_cast<KVCacheOp>(op)) {
      std::optional<uint64_t> slot = cache.getSlot();
      if (!slot || *slot >= descriptor.caches.size())
        return cache.emitOpError("has no slot: run loom-assign-caches before the lowering");
    }
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  for (auto [record, only, read] : llvm::zip_equal(descriptor.weights, productsOnly, readByProducts))
    if (only && read && record.shape.size() == 2)
      record.layout = LOOM_LAYOUT_PRODUCT_ROWS;
  return success();
}

struct LoomLowerToKernelsPass : impl::LoomLowerToKernelsPassBase<LoomLowerToKernelsPass> {
  using LoomLowerToKernelsPassBase::LoomLowerToKernelsPassBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    auto forward = module.lookupSymbol<func::FuncOp>("forward");
    if (!forward) {
      module.emitError("expected a 'forward' function to lower");
      return signalPassFailure();
    }
    if (!module->hasAttr(kDescriptorAttrName)) {
      module.emitError() << "has no '" << kDescriptorAttrName << "': run loom-assign-caches before the lowering";
      return signalPassFailure();
    }
    FailureOr<ModelDescriptor> descriptor = ModelDescriptor::read(module);
    if (failed(descriptor))
      return signalPassFailure();
    LoweringState state(module);
    state.numerics = loom_numerics_from_name(numerics.c_str());
    if (state.numerics < 0) {
      module.emitError() << "unknown numerics profile '" << numerics << "' (fast or ggml)";
      return signalPassFailure();
    }
    descriptor->numerics = state.numerics;
    if (failed(prepare(forward, *descriptor, state)))
      return signalPassFailure();

    KernelTypeConverter converter(ctx);
    ConversionTarget target(*ctx);
    target.addLegalDialect<LLVM::LLVMDialect>();
    target.addIllegalDialect<LoomDialect>();
    target.addLegalOp<ModuleOp, ScratchOp, func::CallOp>();
    target.addDynamicallyLegalOp<func::FuncOp>(
        [&](func::FuncOp f) { return converter.isSignatureLegal(f.getFunctionType()); });
    target.addDynamicallyLegalOp<func::ReturnOp>([](func::ReturnOp r) { return r.getNumOperands() == 0; });
    RewritePatternSet patterns(ctx);
    populateKernelPatterns(patterns, converter, state);
    if (failed(applyFullConversion(module, target, std::move(patterns))))
      return signalPassFailure();

    if (state.llama3Divisors)
      descriptor->ropeFreqDivisors.assign(state.llama3Divisors->begin(), state.llama3Divisors->end());
    module->setAttr(kDescriptorAttrName, descriptor->toAttr(ctx));
  }
};

} // namespace
} // namespace loom
