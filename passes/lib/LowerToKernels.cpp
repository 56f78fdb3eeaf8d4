//===- LowerToKernels.cpp - loom ops to kernel calls --------------------===//
//
// The forward function is rewritten as a whole rather than op by op through
// the dialect-conversion framework: where an activation lives depends on the
// liveness of every other activation (ArenaPlanner), which is a property of
// the function, not of a single op.
//
//===----------------------------------------------------------------------===//
#include "loom/Passes/Passes.h"

#include "ArenaPlanner.h"
#include "ConstantTables.h"
#include "KernelCalls.h"

#include "loom/Dialect/LoomOps.h"
#include "loom/Dialect/RopeScaling.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/SmallVectorExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cstddef>

namespace loom {
#define GEN_PASS_DEF_LOOMLOWERTOKERNELSPASS
#include "loom/Passes/Passes.h.inc"
} // namespace loom

using namespace mlir;

namespace loom {
namespace {

int64_t innermost(Value v) { return cast<RankedTensorType>(v.getType()).getShape().back(); }

/// Elements per token of an activation.
int64_t rowElements(Value v) {
  int64_t n = 1;
  for (int64_t d : cast<RankedTensorType>(v.getType()).getShape().drop_front())
    n *= d;
  return n;
}

// The dialect's enumerations are the ABI's: checked here, where the two meet.
static_assert(static_cast<int>(AttentionMask::global) == LOOM_MASK_GLOBAL &&
              static_cast<int>(AttentionMask::sliding_window) == LOOM_MASK_SLIDING_WINDOW &&
              static_cast<int>(AttentionMask::chunked) == LOOM_MASK_CHUNKED);
static_assert(static_cast<int>(CacheKind::full) == LOOM_CACHE_FULL &&
              static_cast<int>(CacheKind::ring) == LOOM_CACHE_RING &&
              static_cast<int>(CacheKind::chunk) == LOOM_CACHE_CHUNK);

static_assert(sizeof(loom_cache_view) == 32 && offsetof(loom_cache_view, values) == 8 &&
                  offsetof(loom_cache_view, rows) == 16 && offsetof(loom_cache_view, dtype) == 24,
              "loom_cache_view changed: update cacheViewType");
static_assert(sizeof(loom_tensor) == 16, "loom_tensor changed: update weightHandle");

int32_t maskCode(AttentionMask mask) { return static_cast<int32_t>(mask); }
int64_t cacheKindCode(CacheKind kind) { return static_cast<int64_t>(kind); }

/// Arguments of `loom_generated_forward`, in ABI order.
enum ForwardArg { Weights, Caches, Tokens, NumTokens, Start, FirstLogitRow, Scratch, Logits };

class ForwardLowering {
public:
  ForwardLowering(ModuleOp module, func::FuncOp forward, int64_t maxChunk)
      : module(module), forward(forward), maxChunk(maxChunk), builder(module.getContext()),
        kernels(module, builder), tables(module, builder, "loom.rope_divisors.") {}

  LogicalResult run();

private:
  LogicalResult lower(Operation &op);
  /// The RoPE arguments loom_k_rope and loom_k_qk_norm_rope share, scaling included.
  struct RopeOperands {
    Value rotaryDims, theta, divisors, attnFactor, interleaved;
  };
  RopeOperands ropeOperands(Location loc, Attribute scaling, double theta, int64_t rotary, RopePairing style);
  void lowerRoPE(Location loc, RoPEOp r, Value x);
  Value storage(Value v) { return pointers.lookup(v); }
  FailureOr<Value> embeddingIds(EmbeddingOp e);
  Value weightHandle(Location loc, Value weight);
  Value weightHandleOrNull(Location loc, Value weight) {
    return weight ? weightHandle(loc, weight) : kernels.null(loc);
  }
  Value rows(Location loc, Value v) {
    int64_t perToken = rowElements(v) / innermost(v);
    return perToken == 1 ? arg(NumTokens) : kernels.mul(loc, arg(NumTokens), perToken);
  }
  Value count(Location loc, Value v) { return kernels.mul(loc, arg(NumTokens), rowElements(v)); }
  Value arg(ForwardArg which) { return entry->getArgument(which); }
  /// loom_cache_view (ModelABI.h): keys, values, rows, dtype.
  Type cacheViewType() {
    return LLVM::LLVMStructType::getLiteral(
        module.getContext(), {kernels.ptrType(), kernels.ptrType(), builder.getI64Type(), builder.getI64Type()});
  }
  LogicalResult recordCaches();

  ModuleOp module;
  func::FuncOp forward;
  int64_t maxChunk;
  OpBuilder builder;
  KernelCalls kernels;
  ConstantTables tables;
  /// The divisors of every RoPE if all are one Llama 3.1 scaling (what a GGUF file's rope_freqs.weight holds,
  /// ModelABI.h); empty otherwise. Unset before the first RoPE.
  std::optional<SmallVector<float>> llama3Divisors;
  ArenaPlan plan;
  Block *entry = nullptr;
  llvm::DenseMap<Value, Value> pointers;
  /// Manifest: first-use order of weight names, with their ops.
  llvm::StringMap<int64_t> weightIndex;
  SmallVector<WeightOp> manifest;
  ModelDescriptor descriptor;
};

Value ForwardLowering::weightHandle(Location loc, Value weight) {
  auto op = weight.getDefiningOp<WeightOp>();
  int64_t index = weightIndex.find(op.getName())->second;
  auto tensorStruct = LLVM::LLVMStructType::getLiteral(module.getContext(), {kernels.ptrType(), builder.getI64Type()});
  return kernels.element(loc, arg(Weights), tensorStruct, index);
}

ForwardLowering::RopeOperands ForwardLowering::ropeOperands(Location loc, Attribute scalingAttr, double theta,
                                                           int64_t rotary, RopePairing style) {
  // Scaled frequencies are a constant table (loom/Dialect/RopeScaling.h); unscaled RoPE passes none.
  RopeFrequencyScaling scaling = ropeFrequencyScaling(scalingAttr, theta, rotary);
  bool llama3 = isa_and_nonnull<RopeLlama3Attr>(scalingAttr);
  if (!llama3Divisors)
    llama3Divisors = llama3 ? scaling.divisors : SmallVector<float>();
  else if (!llama3 || *llama3Divisors != scaling.divisors)
    llama3Divisors->clear();
  // Created in a fixed order (a call's arguments are evaluated in any order).
  RopeOperands operands;
  operands.rotaryDims = kernels.i64(loc, rotary);
  operands.theta = kernels.f32(loc, theta);
  operands.divisors = scaling.divisors.empty() ? kernels.null(loc) : tables.address(loc, scaling.divisors);
  operands.attnFactor = kernels.f32(loc, scaling.attentionFactor);
  operands.interleaved = kernels.i32(loc, style == RopePairing::interleaved ? 1 : 0);
  return operands;
}

void ForwardLowering::lowerRoPE(Location loc, RoPEOp r, Value x) {
  auto shape = cast<RankedTensorType>(r.getType()).getShape();
  Value heads = kernels.i64(loc, shape[1]), headDim = kernels.i64(loc, shape[2]);
  RopeOperands rope = ropeOperands(loc, r.getScalingAttr(), r.getTheta().convertToDouble(),
                                   static_cast<int64_t>(r.getRotaryDims()), r.getStyle());
  LOOM_KERNEL_CALL(kernels, loc, loom_k_rope, x, arg(NumTokens), heads, headDim, rope.rotaryDims, arg(Start),
                   rope.theta, rope.divisors, rope.attnFactor, rope.interleaved);
}

/// The ids an embedding reads: the forward's tokens, or the arena slice of the op that computed them
/// (loom.position_ids).
FailureOr<Value> ForwardLowering::embeddingIds(EmbeddingOp e) {
  Value ids = e.getTokens();
  if (auto argument = dyn_cast<BlockArgument>(ids)) {
    if (argument.getOwner() != &forward.getBody().front() || argument.getArgNumber() != 0)
      return e.emitOpError("reads ids from a block argument other than the forward's tokens");
    return arg(Tokens);
  }
  if (Value slice = storage(ids))
    return slice;
  return e.emitOpError("reads ids that no lowered op produced");
}

LogicalResult ForwardLowering::lower(Operation &op) {
  Location loc = op.getLoc();
  for (Value result : op.getResults())
    if (auto it = plan.offsets.find(result); it != plan.offsets.end())
      pointers[result] = kernels.offset(loc, arg(Scratch), it->second);

  return llvm::TypeSwitch<Operation *, LogicalResult>(&op)
      .Case([&](WeightOp w) -> LogicalResult {
        auto type = cast<RankedTensorType>(w.getType());
        auto [it, inserted] = weightIndex.try_emplace(w.getName(), manifest.size());
        if (inserted) {
          manifest.push_back(w);
          return success();
        }
        WeightOp first = manifest[it->second];
        if (first.getType() != type || first.getRopeAttr() != w.getRopeAttr())
          return w.emitOpError() << "redeclares weight '" << w.getName() << "' as " << type << ", it was "
                                 << first.getType();
        return success();
      })
      .Case([&](PositionIdsOp p) -> LogicalResult {
        LOOM_KERNEL_CALL(kernels, loc, loom_k_position_ids, arg(Start), arg(NumTokens), storage(p.getResult()));
        return success();
      })
      .Case([&](EmbeddingOp e) -> LogicalResult {
        FailureOr<Value> ids = embeddingIds(e);
        if (failed(ids))
          return failure();
        LOOM_KERNEL_CALL(kernels, loc, loom_k_embedding, weightHandle(loc, e.getTable()),
                         kernels.i64(loc, innermost(e.getResult())), *ids, arg(NumTokens),
                         kernels.f32(loc, e.getScale().convertToDouble()), storage(e.getResult()));
        return success();
      })
      .Case([&](RMSNormOp n) -> LogicalResult {
        LOOM_KERNEL_CALL(kernels, loc, loom_k_rms_norm, storage(n.getInput()), rows(loc, n.getInput()),
                         kernels.i64(loc, innermost(n.getInput())), weightHandleOrNull(loc, n.getWeight()),
                         kernels.f32(loc, n.getEps().convertToDouble()),
                         kernels.f32(loc, n.getWeightOffset().convertToDouble()), storage(n.getResult()));
        return success();
      })
      .Case([&](LayerNormOp n) -> LogicalResult {
        LOOM_KERNEL_CALL(kernels, loc, loom_k_layer_norm, storage(n.getInput()), rows(loc, n.getInput()),
                         kernels.i64(loc, innermost(n.getInput())), weightHandle(loc, n.getWeight()),
                         weightHandleOrNull(loc, n.getBias()), kernels.f32(loc, n.getEps().convertToDouble()),
                         storage(n.getResult()));
        return success();
      })
      .Case([&](LinearOp l) -> LogicalResult {
        LOOM_KERNEL_CALL(kernels, loc, loom_k_linear, storage(l.getInput()), arg(NumTokens),
                         kernels.i64(loc, innermost(l.getInput())), weightHandle(loc, l.getWeight()),
                         kernels.i64(loc, innermost(l.getResult())), weightHandleOrNull(loc, l.getBias()),
                         storage(l.getResult()));
        return success();
      })
      .Case([&](LMHeadOp h) -> LogicalResult {
        // Only rows first_logit_row.. are projected, straight into the caller's buffer.
        int64_t width = innermost(h.getInput());
        Value firstRowBytes = kernels.mul(loc, arg(FirstLogitRow), width * 4);
        Value input = kernels.offset(loc, storage(h.getInput()), firstRowBytes);
        Value m = LLVM::SubOp::create(builder, loc, arg(NumTokens), arg(FirstLogitRow));
        LOOM_KERNEL_CALL(kernels, loc, loom_k_linear, input, m, kernels.i64(loc, width),
                         weightHandle(loc, h.getWeight()), kernels.i64(loc, innermost(h.getResult())),
                         kernels.null(loc), arg(Logits));
        return success();
      })
      .Case<SplitHeadsOp, MergeHeadsOp>([&](Operation *view) -> LogicalResult {
        pointers[view->getResult(0)] = storage(view->getOperand(0));
        return success();
      })
      .Case([&](RoPEOp r) -> LogicalResult {
        Value x = storage(r.getResult());
        if (!plan.inPlace.contains(r)) {
          Value bytes = kernels.mul(loc, arg(NumTokens), rowElements(r.getInput()) * 4);
          LLVM::MemcpyOp::create(builder, loc, x, storage(r.getInput()), bytes, /*isVolatile=*/false);
        } else {
          pointers[r.getResult()] = x = storage(r.getInput());
        }
        lowerRoPE(loc, r, x);
        return success();
      })
      .Case([&](QKNormRoPEOp f) -> LogicalResult {
        auto shape = cast<RankedTensorType>(f.getType()).getShape();
        int64_t width = static_cast<int64_t>(f.getNormWidth());
        Value heads = kernels.i64(loc, shape[1]), headDim = kernels.i64(loc, shape[2]);
        Value normWidth = kernels.i64(loc, width), weight = weightHandleOrNull(loc, f.getWeight());
        Value eps = kernels.f32(loc, f.getEps().convertToDouble());
        Value weightOffset = kernels.f32(loc, f.getWeightOffset().convertToDouble());
        RopeOperands rope = ropeOperands(loc, f.getScalingAttr(), f.getTheta().convertToDouble(),
                                         static_cast<int64_t>(f.getRotaryDims()), f.getStyle());
        LOOM_KERNEL_CALL(kernels, loc, loom_k_qk_norm_rope, storage(f.getInput()), arg(NumTokens), heads, headDim,
                         normWidth, weight, eps, weightOffset, rope.rotaryDims, arg(Start), rope.theta,
                         rope.divisors, rope.attnFactor, rope.interleaved, storage(f.getResult()));
        return success();
      })
      .Case([&](KVCacheOp c) -> LogicalResult {
        std::optional<uint64_t> slot = c.getSlot();
        if (!slot || *slot >= descriptor.caches.size())
          return c.emitOpError("has no slot: run loom-assign-caches before the lowering");
        pointers[c.getResult()] = kernels.element(loc, arg(Caches), cacheViewType(), static_cast<int64_t>(*slot));
        return success();
      })
      .Case([&](CacheAppendOp append) -> LogicalResult {
        Value cache = storage(append.getCache());
        pointers[append.getResult()] = cache;
        LOOM_KERNEL_CALL(kernels, loc, loom_k_kv_store, storage(append.getKey()), storage(append.getValue()),
                         arg(NumTokens), kernels.i64(loc, rowElements(append.getKey())),
                         kernels.i64(loc, rowElements(append.getValue())), arg(Start), cache);
        return success();
      })
      .Case([&](AttendOp a) -> LogicalResult {
        auto q = cast<RankedTensorType>(a.getQuery().getType()).getShape();
        KVCacheType cache = a.getCache().getType();
        LOOM_KERNEL_CALL(kernels, loc, loom_k_attention, storage(a.getQuery()), arg(NumTokens), arg(Start),
                         storage(a.getCache()), kernels.i64(loc, q[1]), kernels.i64(loc, cache.getKvHeads()),
                         kernels.i64(loc, cache.getKeyDim()), kernels.i64(loc, cache.getValueDim()),
                         kernels.f32(loc, a.getScale().convertToDouble()),
                         kernels.f32(loc, a.getSoftcap().convertToDouble()), weightHandleOrNull(loc, a.getSinks()),
                         kernels.i32(loc, maskCode(a.getMask())),
                         kernels.i64(loc, a.getWindow()), storage(a.getResult()));
        return success();
      })
      .Case<SwiGLUOp, GeGLUOp, SigmoidGateOp, AddOp>([&](Operation *binary) -> LogicalResult {
        Value result = binary->getResult(0);
        Value lhs = storage(binary->getOperand(0)), rhs = storage(binary->getOperand(1));
        if (isa<SwiGLUOp>(binary))
          LOOM_KERNEL_CALL(kernels, loc, loom_k_swiglu, lhs, rhs, count(loc, result), storage(result));
        else if (isa<GeGLUOp>(binary))
          LOOM_KERNEL_CALL(kernels, loc, loom_k_geglu, lhs, rhs, count(loc, result), storage(result));
        else if (isa<SigmoidGateOp>(binary))
          LOOM_KERNEL_CALL(kernels, loc, loom_k_sigmoid_gate, lhs, rhs, count(loc, result), storage(result));
        else
          LOOM_KERNEL_CALL(kernels, loc, loom_k_add, lhs, rhs, count(loc, result), storage(result));
        return success();
      })
      .Case([&](GeluOp g) -> LogicalResult {
        LOOM_KERNEL_CALL(kernels, loc, loom_k_gelu, storage(g.getInput()), count(loc, g.getResult()),
                         storage(g.getResult()));
        return success();
      })
      .Case([&](func::ReturnOp) { return success(); })
      .Default([&](Operation *other) {
        return other->emitOpError("cannot be lowered to Loom kernels");
      });
}

LogicalResult ForwardLowering::recordCaches() {
  auto records = module->getAttrOfType<ArrayAttr>(kCachesAttrName);
  if (!records)
    return module.emitError() << "has no '" << kCachesAttrName << "': run loom-assign-caches before the lowering";
  for (Attribute attr : records) {
    auto record = dyn_cast<DictionaryAttr>(attr);
    auto name = record ? record.getAs<StringAttr>("name") : StringAttr();
    auto type = record ? record.getAs<TypeAttr>("type") : TypeAttr();
    auto cache = type ? dyn_cast<KVCacheType>(type.getValue()) : KVCacheType();
    if (!name || !cache)
      return module.emitError() << "has a malformed cache record " << attr;
    descriptor.caches.push_back({name.str(), cacheKindCode(cache.getKind()), cache.getWindow(),
                                 cache.getKvHeads(), cache.getKeyDim(), cache.getValueDim()});
  }
  return success();
}

LogicalResult ForwardLowering::run() {
  auto model = forward->getAttrOfType<DictionaryAttr>("loom.model");
  if (!model)
    return forward.emitOpError("has no 'loom.model' attribute");
  if (!forward.getBody().hasOneBlock())
    return forward.emitOpError("must be a single block to be lowered to kernels");
  Block &body = forward.getBody().front();
  plan = planArena(body, maxChunk);

  if (failed(recordCaches()))
    return failure();
  builder.setInsertionPoint(forward);
  auto lowered = func::FuncOp::create(builder, forward.getLoc(), "loom_generated_forward",
                                      builder.getFunctionType(KernelSignature<decltype(loom_generated_forward)>::types(
                                                                  module.getContext()),
                                                              {}));
  entry = lowered.addEntryBlock();
  builder.setInsertionPointToStart(entry);

  for (Operation &op : body)
    if (failed(lower(op)))
      return failure();
  func::ReturnOp::create(builder, forward.getLoc());

  descriptor.name = cast<StringAttr>(model.get("name")).str();
  auto integer = [&](StringRef key) { return cast<IntegerAttr>(model.get(key)).getInt(); };
  descriptor.vocab = integer("vocab");
  descriptor.dModel = integer("d_model");
  descriptor.nLayers = integer("n_layers");
  descriptor.maxContext = integer("max_context");
  descriptor.maxChunk = maxChunk;
  descriptor.scratchBytes = plan.bytes;
  if (llama3Divisors)
    descriptor.ropeFreqDivisors.assign(llama3Divisors->begin(), llama3Divisors->end());
  for (WeightOp w : manifest) {
    WeightRecord record{w.getName().str(), llvm::to_vector_of<int64_t, 4>(w.getType().getShape())};
    if (RopeRowsAttr rope = w.getRopeAttr()) {
      record.ropePairing = rope.getPairing() == RopePairing::half ? LOOM_ROPE_HALF : LOOM_ROPE_INTERLEAVED;
      record.ropeHeadDim = rope.getHeadDim();
      record.ropeDims = rope.getDims();
    }
    descriptor.weights.push_back(std::move(record));
  }
  module->setAttr(kDescriptorAttrName, descriptor.toAttr(module.getContext()));
  module->removeAttr(kCachesAttrName);
  forward.erase();
  return success();
}

struct LoomLowerToKernelsPass : impl::LoomLowerToKernelsPassBase<LoomLowerToKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto forward = module.lookupSymbol<func::FuncOp>("forward");
    if (!forward) {
      module.emitError("expected a 'forward' function to lower");
      return signalPassFailure();
    }
    if (maxChunk <= 0) {
      module.emitError() << "max-chunk must be positive, got " << maxChunk;
      return signalPassFailure();
    }
    if (failed(ForwardLowering(module, forward, maxChunk).run()))
      signalPassFailure();
  }
};

} // namespace
} // namespace loom
