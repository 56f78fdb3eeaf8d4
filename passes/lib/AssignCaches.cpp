//===- AssignCaches.cpp - Slots for the forward function's caches -------===//
//
// The descriptor starts here: the model's dimensions (the forward function's
// `loom.model`) and one record per cache, in slot order. Later steps add to it
// what only they know: the lowering its weight manifest, arena planning the
// scratch size.
//
//===----------------------------------------------------------------------===//
#include "loom/Passes/Passes.h"

#include "loom/Dialect/LoomOps.h"
#include "loom/Runtime/ModelABI.h"

#include "llvm/ADT/StringMap.h"

namespace loom {
#define GEN_PASS_DEF_LOOMASSIGNCACHESPASS
#include "loom/Passes/Passes.h.inc"
} // namespace loom

using namespace mlir;

namespace loom {
namespace {

// The dialect's cache kinds are the ABI's: checked here, where the one becomes the other.
static_assert(static_cast<int>(CacheKind::full) == LOOM_CACHE_FULL &&
              static_cast<int>(CacheKind::ring) == LOOM_CACHE_RING &&
              static_cast<int>(CacheKind::chunk) == LOOM_CACHE_CHUNK &&
              static_cast<int>(CacheKind::latent) == LOOM_CACHE_LATENT &&
              static_cast<int>(CacheKind::recurrent) == LOOM_CACHE_RECURRENT);

/// The model's dimensions from the frontend's `loom.model` dictionary.
FailureOr<ModelDescriptor> describeModel(func::FuncOp forward) {
  auto model = forward->getAttrOfType<DictionaryAttr>("loom.model");
  if (!model)
    return forward.emitOpError("has no 'loom.model' attribute");
  ModelDescriptor descriptor;
  auto name = model.getAs<StringAttr>("name");
  if (!name)
    return forward.emitOpError("has no model name in 'loom.model'");
  descriptor.name = name.str();
  for (auto [key, field] : {std::pair{"vocab", &descriptor.vocab}, {"d_model", &descriptor.dModel},
                            {"n_layers", &descriptor.nLayers}, {"max_context", &descriptor.maxContext}}) {
    auto value = model.getAs<IntegerAttr>(key);
    if (!value)
      return forward.emitOpError() << "has no integer '" << key << "' in 'loom.model'";
    *field = value.getInt();
  }
  return descriptor;
}

struct LoomAssignCachesPass : impl::LoomAssignCachesPassBase<LoomAssignCachesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto forward = module.lookupSymbol<func::FuncOp>("forward");
    if (!forward) {
      module.emitError("expected a 'forward' function whose caches to assign");
      return signalPassFailure();
    }
    FailureOr<ModelDescriptor> descriptor = describeModel(forward);
    if (failed(descriptor))
      return signalPassFailure();

    Builder b(module.getContext());
    llvm::StringMap<KVCacheOp> byName;
    WalkResult walk = forward.walk([&](KVCacheOp cache) {
      auto [it, inserted] = byName.try_emplace(cache.getName(), cache);
      if (!inserted) {
        InFlightDiagnostic diag = cache.emitOpError() << "declares cache '" << cache.getName() << "' twice";
        diag.attachNote(it->second.getLoc()) << "first declared here";
        return WalkResult::interrupt();
      }
      KVCacheType type = cache.getType();
      cache.setSlotAttr(b.getI64IntegerAttr(static_cast<int64_t>(descriptor->caches.size())));
      descriptor->caches.push_back({cache.getName().str(), static_cast<int64_t>(type.getKind()), type.getWindow(),
                                    type.getKvHeads(), type.getKeyDim(), type.getValueDim(),
                                    type.getConvChannels()});
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    module->setAttr(kDescriptorAttrName, descriptor->toAttr(module.getContext()));
  }
};

} // namespace
} // namespace loom
