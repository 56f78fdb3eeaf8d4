//===- AssignCaches.cpp - Slots for the forward function's caches -------===//
#include "loom/Passes/Passes.h"

#include "loom/Dialect/LoomOps.h"

#include "llvm/ADT/StringMap.h"

namespace loom {
#define GEN_PASS_DEF_LOOMASSIGNCACHESPASS
#include "loom/Passes/Passes.h.inc"
} // namespace loom

using namespace mlir;

namespace loom {
namespace {

struct LoomAssignCachesPass : impl::LoomAssignCachesPassBase<LoomAssignCachesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    Builder b(module.getContext());
    SmallVector<Attribute> records;
    llvm::StringMap<KVCacheOp> byName;
    WalkResult walk = module.walk([&](KVCacheOp cache) {
      auto [it, inserted] = byName.try_emplace(cache.getName(), cache);
      if (!inserted) {
        InFlightDiagnostic diag = cache.emitOpError() << "declares cache '" << cache.getName() << "' twice";
        diag.attachNote(it->second.getLoc()) << "first declared here";
        return WalkResult::interrupt();
      }
      cache.setSlotAttr(b.getI64IntegerAttr(static_cast<int64_t>(records.size())));
      records.push_back(b.getDictionaryAttr({b.getNamedAttr("name", cache.getNameAttr()),
                                             b.getNamedAttr("type", TypeAttr::get(cache.getType()))}));
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    module->setAttr(kCachesAttrName, b.getArrayAttr(records));
  }
};

} // namespace
} // namespace loom
