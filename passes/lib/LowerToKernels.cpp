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
#include "KernelCalls.h"

#include "loom/Dialect/LoomOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/TypeSwitch.h"

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

/// Arguments of `loom_generated_forward`, in ABI order.
enum ForwardArg { Weights, KCaches, VCaches, Tokens, NumTokens, Start, FirstLogitRow, Scratch, Logits };

class ForwardLowering {
public:
  ForwardLowering(ModuleOp module, func::FuncOp forward, int64_t maxChunk)
      : module(module), forward(forward), maxChunk(maxChunk), builder(module.getContext()),
        kernels(module, builder) {}

  LogicalResult run();

private:
  LogicalResult lower(Operation &op);
  Value storage(Value v) { return pointers.lookup(v); }
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
  Value cacheSlot(Location loc, ForwardArg caches, int64_t layer);
  DictionaryAttr descriptor();

  ModuleOp module;
  func::FuncOp forward;
  int64_t maxChunk;
  OpBuilder builder;
  KernelCalls kernels;
  ArenaPlan plan;
  Block *entry = nullptr;
  llvm::DenseMap<Value, Value> pointers;
  /// Manifest: first-use order of weight names, with their types.
  llvm::StringMap<int64_t> weightIndex;
  SmallVector<std::pair<StringAttr, RankedTensorType>> manifest;
  /// Per cache slot: kv_heads, head_dim, mask, window, rope_pairing, rope_dims (ModelABI.h).
  std::map<int64_t, std::array<int64_t, 6>> kvLayers;
};

Value ForwardLowering::weightHandle(Location loc, Value weight) {
  auto op = weight.getDefiningOp<WeightOp>();
  auto it = weightIndex.find(op.getName());
  int64_t index = it->second;
  MLIRContext *ctx = module.getContext();
  auto tensorStruct = LLVM::LLVMStructType::getLiteral(ctx, {kernels.ptrType(), builder.getI64Type()});
  return LLVM::GEPOp::create(builder, loc, kernels.ptrType(), tensorStruct, arg(Weights),
                                     ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(index)});
}

Value ForwardLowering::cacheSlot(Location loc, ForwardArg caches, int64_t layer) {
  Value slot = LLVM::GEPOp::create(builder, loc, kernels.ptrType(), kernels.ptrType(), arg(caches),
                                           ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(layer)});
  return LLVM::LoadOp::create(builder, loc, kernels.ptrType(), slot);
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
        if (inserted)
          manifest.emplace_back(w.getNameAttr(), type);
        else if (manifest[it->second].second != type)
          return w.emitOpError() << "redeclares weight '" << w.getName() << "' as " << type << ", it was "
                                 << manifest[it->second].second;
        return success();
      })
      .Case([&](EmbeddingOp e) -> LogicalResult {
        kernels.call(loc, Kernel::Embedding,
                     {weightHandle(loc, e.getTable()), kernels.i64(loc, innermost(e.getResult())),
                      arg(Tokens), arg(NumTokens), kernels.f32(loc, e.getScale().convertToDouble()),
                      storage(e.getResult())});
        return success();
      })
      .Case([&](RMSNormOp n) -> LogicalResult {
        kernels.call(loc, Kernel::RMSNorm,
                     {storage(n.getInput()), rows(loc, n.getInput()), kernels.i64(loc, innermost(n.getInput())),
                      weightHandleOrNull(loc, n.getWeight()), kernels.f32(loc, n.getEps().convertToDouble()),
                      kernels.f32(loc, n.getWeightOffset().convertToDouble()), storage(n.getResult())});
        return success();
      })
      .Case([&](LayerNormOp n) -> LogicalResult {
        kernels.call(loc, Kernel::LayerNorm,
                     {storage(n.getInput()), rows(loc, n.getInput()), kernels.i64(loc, innermost(n.getInput())),
                      weightHandle(loc, n.getWeight()), weightHandleOrNull(loc, n.getBias()),
                      kernels.f32(loc, n.getEps().convertToDouble()), storage(n.getResult())});
        return success();
      })
      .Case([&](LinearOp l) -> LogicalResult {
        kernels.call(loc, Kernel::Linear,
                     {storage(l.getInput()), arg(NumTokens), kernels.i64(loc, innermost(l.getInput())),
                      weightHandle(loc, l.getWeight()), kernels.i64(loc, innermost(l.getResult())),
                      weightHandleOrNull(loc, l.getBias()), storage(l.getResult())});
        return success();
      })
      .Case([&](LMHeadOp h) -> LogicalResult {
        // Only rows first_logit_row.. are projected, straight into the caller's buffer.
        int64_t width = innermost(h.getInput());
        Value firstRowBytes = kernels.mul(loc, arg(FirstLogitRow), width * 4);
        Value input = kernels.offset(loc, storage(h.getInput()), firstRowBytes);
        Value m = LLVM::SubOp::create(builder, loc, arg(NumTokens), arg(FirstLogitRow));
        kernels.call(loc, Kernel::Linear,
                     {input, m, kernels.i64(loc, width), weightHandle(loc, h.getWeight()),
                      kernels.i64(loc, innermost(h.getResult())), kernels.null(loc), arg(Logits)});
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
        auto shape = cast<RankedTensorType>(r.getType()).getShape();
        kernels.call(loc, Kernel::RoPE,
                     {x, arg(NumTokens), kernels.i64(loc, shape[1]), kernels.i64(loc, shape[2]),
                      kernels.i64(loc, r.getRotaryDims()), arg(Start),
                      kernels.f32(loc, r.getTheta().convertToDouble()),
                      kernels.i32(loc, r.getStyle() == RopePairing::interleaved ? 1 : 0)});
        return success();
      })
      .Case([&](AttentionOp a) -> LogicalResult {
        auto q = cast<RankedTensorType>(a.getQuery().getType()).getShape();
        auto k = cast<RankedTensorType>(a.getKey().getType()).getShape();
        if (innermost(a.getValue()) != q[2])
          return a.emitOpError("lowering to kernels needs equal key and value head_dim");
        int64_t layer = a.getLayer();
        // The runtime's checkpoint loaders reorder Q/K rows between RoPE pairings (ModelABI.h).
        int64_t pairing = 0, ropeDims = 0; // LOOM_ROPE_NONE
        if (auto rope = a.getKey().getDefiningOp<RoPEOp>()) {
          pairing = rope.getStyle() == RopePairing::interleaved ? 2 : 1; // LOOM_ROPE_INTERLEAVED : LOOM_ROPE_HALF
          ropeDims = static_cast<int64_t>(rope.getRotaryDims());
        }
        std::array<int64_t, 6> layout{k[1], k[2], static_cast<int64_t>(a.getMask()),
                                      static_cast<int64_t>(a.getWindow()), pairing, ropeDims};
        if (!kvLayers.emplace(layer, layout).second)
          return a.emitOpError() << "reuses KV cache slot " << layer;
        Value kc = cacheSlot(loc, KCaches, layer), vc = cacheSlot(loc, VCaches, layer);
        kernels.call(loc, Kernel::KVStore,
                     {storage(a.getKey()), storage(a.getValue()), arg(NumTokens), kernels.i64(loc, k[1] * k[2]),
                      arg(Start), kc, vc});
        kernels.call(loc, Kernel::Attention,
                     {storage(a.getQuery()), arg(NumTokens), arg(Start), kc, vc, kernels.i64(loc, q[1]),
                      kernels.i64(loc, k[1]), kernels.i64(loc, q[2]),
                      kernels.f32(loc, a.getScale().convertToDouble()),
                      kernels.i32(loc, static_cast<int32_t>(a.getMask())), kernels.i64(loc, a.getWindow()),
                      storage(a.getResult())});
        return success();
      })
      .Case<SwiGLUOp, GeGLUOp, AddOp>([&](Operation *binary) -> LogicalResult {
        Kernel kernel = isa<SwiGLUOp>(binary) ? Kernel::SwiGLU : isa<GeGLUOp>(binary) ? Kernel::GeGLU : Kernel::Add;
        Value result = binary->getResult(0);
        kernels.call(loc, kernel,
                     {storage(binary->getOperand(0)), storage(binary->getOperand(1)), count(loc, result),
                      storage(result)});
        return success();
      })
      .Case([&](GeluOp g) -> LogicalResult {
        kernels.call(loc, Kernel::Gelu, {storage(g.getInput()), count(loc, g.getResult()), storage(g.getResult())});
        return success();
      })
      .Case([&](func::ReturnOp) { return success(); })
      .Default([&](Operation *other) {
        return other->emitOpError("cannot be lowered to Loom kernels");
      });
}

DictionaryAttr ForwardLowering::descriptor() {
  auto i64 = [&](int64_t v) { return builder.getI64IntegerAttr(v); };
  SmallVector<Attribute> weights;
  for (auto &[name, type] : manifest) {
    SmallVector<Attribute> shape;
    for (int64_t d : type.getShape())
      shape.push_back(i64(d));
    weights.push_back(builder.getDictionaryAttr(
        {builder.getNamedAttr("name", name), builder.getNamedAttr("shape", builder.getArrayAttr(shape))}));
  }
  SmallVector<Attribute> layers;
  for (auto &[slot, layout] : kvLayers)
    layers.push_back(builder.getDictionaryAttr({
        builder.getNamedAttr("kv_heads", i64(layout[0])),
        builder.getNamedAttr("head_dim", i64(layout[1])),
        builder.getNamedAttr("mask", i64(layout[2])),
        builder.getNamedAttr("window", i64(layout[3])),
        builder.getNamedAttr("rope_pairing", i64(layout[4])),
        builder.getNamedAttr("rope_dims", i64(layout[5])),
    }));
  auto model = forward->getAttrOfType<DictionaryAttr>("loom.model");
  SmallVector<NamedAttribute> entries(model.begin(), model.end());
  entries.push_back(builder.getNamedAttr("max_chunk", i64(maxChunk)));
  entries.push_back(builder.getNamedAttr("scratch_bytes", i64(plan.bytes)));
  entries.push_back(builder.getNamedAttr("weights", builder.getArrayAttr(weights)));
  entries.push_back(builder.getNamedAttr("kv_layers", builder.getArrayAttr(layers)));
  return builder.getDictionaryAttr(entries);
}

LogicalResult ForwardLowering::run() {
  auto model = forward->getAttrOfType<DictionaryAttr>("loom.model");
  if (!model)
    return forward.emitOpError("has no 'loom.model' attribute");
  if (!forward.getBody().hasOneBlock())
    return forward.emitOpError("must be a single block to be lowered to kernels");
  Block &body = forward.getBody().front();
  plan = planArena(body, maxChunk);

  Type ptr = kernels.ptrType(), i64 = builder.getI64Type();
  builder.setInsertionPoint(forward);
  auto lowered = func::FuncOp::create(builder, 
      forward.getLoc(), "loom_generated_forward",
      builder.getFunctionType({ptr, ptr, ptr, ptr, i64, i64, i64, ptr, ptr}, {}));
  entry = lowered.addEntryBlock();
  builder.setInsertionPointToStart(entry);

  for (Operation &op : body)
    if (failed(lower(op)))
      return failure();
  func::ReturnOp::create(builder, forward.getLoc());

  // Slots must cover every layer once, so the runtime's per-layer cache table lines up.
  auto nLayers = cast<IntegerAttr>(model.get("n_layers")).getInt();
  if (static_cast<int64_t>(kvLayers.size()) != nLayers ||
      (!kvLayers.empty() && kvLayers.rbegin()->first != nLayers - 1))
    return forward.emitOpError() << "has KV cache slots for " << kvLayers.size() << " layers, expected "
                                 << nLayers;

  module->setAttr(kDescriptorAttrName, descriptor());
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
