//===- PlanArena.cpp - Offsets in the scratch arena for every slice -----===//
//
// Runs on the lowered form, where a slice is a `loom.scratch` pointer and
// every read or write of it is a use of that pointer or of an address
// derived from it (llvm.getelementptr). The forward function is straight-line
// code, so each slice is live over an interval of op indices, and a first-fit
// assignment over those intervals packs them into one arena allocated once
// per model.
//
// Before assigning, copies are folded away: a memcpy from a slice that dies
// there (RoPE rotates a copy of its operand) and a slice marked `may_alias`
// of an operand that dies at the call writing it become that operand's slice.
//
//===----------------------------------------------------------------------===//
#include "loom/Passes/Passes.h"

#include "KernelCalls.h"

#include "loom/Dialect/LoomOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/STLExtras.h"

#include <map>

namespace loom {
#define GEN_PASS_DEF_LOOMPLANARENAPASS
#include "loom/Passes/Passes.h.inc"
} // namespace loom

using namespace mlir;

namespace loom {
namespace {

/// Slices are aligned to this many bytes (a cache line, and AVX-512 friendly).
constexpr int64_t kArenaAlignment = 64;

/// Where each slice is first defined and last used, by op index in the body.
class SliceLiveness {
public:
  explicit SliceLiveness(Block &body) {
    int64_t i = 0;
    for (Operation &op : body) {
      index[&op] = i;
      if (auto slice = dyn_cast<ScratchOp>(op)) {
        sliceOf[slice.getSlice()] = slice;
        lastUse[slice] = i;
      } else if (auto gep = dyn_cast<LLVM::GEPOp>(op)) {
        if (ScratchOp base = sliceOf.lookup(gep.getBase()))
          sliceOf[gep.getResult()] = base;
      }
      for (Value operand : op.getOperands())
        if (ScratchOp slice = sliceOf.lookup(operand))
          lastUse[slice] = std::max(lastUse[slice], i);
      ++i;
    }
  }

  int64_t indexOf(Operation *op) const { return index.lookup(op); }
  int64_t lastUseOf(ScratchOp slice) const { return lastUse.lookup(slice); }
  /// The first op, other than its own definition, that uses `slice` directly.
  int64_t firstUseOf(ScratchOp slice) const {
    int64_t first = lastUseOf(slice);
    for (Operation *user : slice->getUsers())
      first = std::min(first, indexOf(user));
    return first;
  }

private:
  llvm::DenseMap<Operation *, int64_t> index;
  llvm::DenseMap<Value, ScratchOp> sliceOf;
  llvm::DenseMap<Operation *, int64_t> lastUse;
};

/// Whether `into` can hold what `from` holds from `at` on: `into` is dead after `at`, `from` is not used
/// before `at`, and `into` is at least as large.
bool canFold(const SliceLiveness &live, ScratchOp from, ScratchOp into, int64_t at) {
  return into && from != into && live.lastUseOf(into) == at && live.firstUseOf(from) >= at &&
         from.getBytesPerToken() <= into.getBytesPerToken() && from.getFixedBytes() <= into.getFixedBytes();
}

/// Folds one copy or reusable slice; false when none is left.
bool foldOne(Block &body) {
  SliceLiveness live(body);
  for (Operation &op : body) {
    if (auto copy = dyn_cast<LLVM::MemcpyOp>(op)) {
      auto from = copy.getDst().getDefiningOp<ScratchOp>();
      auto into = copy.getSrc().getDefiningOp<ScratchOp>();
      if (from && canFold(live, from, into, live.indexOf(copy))) {
        from.getSlice().replaceAllUsesWith(into.getSlice());
        copy.erase();
        from.erase();
        return true;
      }
    }
    if (auto slice = dyn_cast<ScratchOp>(op); slice && slice.getReusable()) {
      auto into = slice.getReusable().getDefiningOp<ScratchOp>();
      // The reusable operand must die at the call that writes the slice, the slice's first use.
      if (canFold(live, slice, into, live.firstUseOf(slice))) {
        slice.getSlice().replaceAllUsesWith(into.getSlice());
        slice.erase();
        return true;
      }
    }
  }
  return false;
}

/// First-fit allocator over byte ranges.
class Arena {
public:
  int64_t allocate(int64_t size) {
    int64_t offset = 0;
    for (auto [start, length] : used) {
      if (start - offset >= size)
        break;
      offset = std::max(offset, start + length);
    }
    used.emplace(offset, size);
    peak = std::max(peak, offset + size);
    return offset;
  }
  void release(int64_t offset) { used.erase(offset); }
  int64_t peakBytes() const { return peak; }

private:
  std::map<int64_t, int64_t> used; // offset -> size
  int64_t peak = 0;
};

struct LoomPlanArenaPass : impl::LoomPlanArenaPassBase<LoomPlanArenaPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto forward = module.lookupSymbol<func::FuncOp>("loom_generated_forward");
    if (!forward || forward.isExternal()) {
      module.emitError("expected 'loom_generated_forward': run loom-lower-to-kernels before planning the arena");
      return signalPassFailure();
    }
    if (maxChunk <= 0) {
      module.emitError() << "max-chunk must be positive, got " << maxChunk;
      return signalPassFailure();
    }
    FailureOr<ModelDescriptor> descriptor = ModelDescriptor::read(module);
    if (failed(descriptor))
      return signalPassFailure();
    if (!forward.getBody().hasOneBlock()) {
      forward.emitOpError("must be a single block to plan its arena");
      return signalPassFailure();
    }
    Block &body = forward.getBody().front();

    if (foldCopies) {
      while (foldOne(body)) {
      }
      // The folded copies' byte counts.
      for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
        if (isOpTriviallyDead(&op))
          op.erase();
    }

    // Offsets by first fit, in program order; a slice is released after the op that last uses it, so an
    // op's output (defined before the op) never shares bytes with an input it reads.
    SliceLiveness live(body);
    Arena arena;
    llvm::DenseMap<Operation *, int64_t> offsets;
    std::multimap<int64_t, int64_t> releases; // last-use index -> offset
    for (Operation &op : body) {
      if (auto slice = dyn_cast<ScratchOp>(op)) {
        int64_t bytes = llvm::alignTo(slice.getBytesPerToken() * maxChunk + slice.getFixedBytes(), kArenaAlignment);
        offsets[slice] = arena.allocate(bytes);
        releases.emplace(live.lastUseOf(slice), offsets[slice]);
      }
      auto [first, last] = releases.equal_range(live.indexOf(&op));
      for (auto it = first; it != last; ++it)
        arena.release(it->second);
    }

    OpBuilder builder(module.getContext());
    KernelCalls kernels(module, builder);
    Value scratch = forward.getArgument(ForwardArg::Scratch);
    for (ScratchOp slice : llvm::make_early_inc_range(body.getOps<ScratchOp>())) {
      builder.setInsertionPoint(slice);
      slice.getSlice().replaceAllUsesWith(kernels.offset(slice.getLoc(), scratch, offsets[slice]));
      slice.erase();
    }
    descriptor->maxChunk = maxChunk;
    descriptor->scratchBytes = arena.peakBytes();
    module->setAttr(kDescriptorAttrName, descriptor->toAttr(module.getContext()));
  }
};

} // namespace
} // namespace loom
