//===- ArenaPlanner.cpp - Scratch-arena slices for activations ----------===//
#include "ArenaPlanner.h"

#include "loom/Dialect/LoomOps.h"

#include "llvm/ADT/STLExtras.h"

#include <map>

using namespace mlir;

namespace loom {
namespace {

/// Whether `value` needs arena storage: activations do, except the LM head's
/// result (written straight to the caller's logits) and function arguments.
bool livesInArena(Value value) {
  Operation *def = value.getDefiningOp();
  if (!def || isa<WeightOp, LMHeadOp>(def))
    return false;
  return isa<RankedTensorType>(value.getType());
}

int64_t sliceBytes(Value value, int64_t maxChunk) {
  int64_t elements = maxChunk;
  for (int64_t dim : cast<RankedTensorType>(value.getType()).getShape().drop_front())
    elements *= dim;
  return llvm::alignTo(elements * 4, kArenaAlignment);
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

} // namespace

ArenaPlan planArena(Block &body, int64_t maxChunk) {
  ArenaPlan plan;
  llvm::DenseMap<Operation *, int64_t> index;
  for (auto [i, op] : llvm::enumerate(body))
    index[&op] = static_cast<int64_t>(i);

  // Storage roots: a view shares its operand's root.
  llvm::DenseMap<Value, Value> root;
  auto rootOf = [&](Value v) { return root.lookup(v) ? root.lookup(v) : v; };
  for (Operation &op : body) {
    if (isa<SplitHeadsOp, MergeHeadsOp>(op))
      root[op.getResult(0)] = rootOf(op.getOperand(0));
  }

  // Last use of each root over all of its aliases.
  llvm::DenseMap<Value, int64_t> lastUse;
  auto computeLastUses = [&] {
    lastUse.clear();
    for (Operation &op : body) {
      for (Value result : op.getResults())
        if (livesInArena(result))
          lastUse.try_emplace(rootOf(result), index[&op]);
      for (Value operand : op.getOperands())
        if (livesInArena(operand))
          lastUse[rootOf(operand)] = std::max(lastUse[rootOf(operand)], index[&op]);
    }
  };
  computeLastUses();

  // RoPE (alone or fused with its QK-norm) works in place when nothing reads its operand afterwards.
  for (Operation &op : body) {
    if (!isa<RoPEOp, QKNormRoPEOp>(op) || !livesInArena(op.getOperand(0)))
      continue;
    Value input = op.getOperand(0), result = op.getResult(0);
    Value operandRoot = rootOf(input);
    if (lastUse[operandRoot] != index[&op])
      continue;
    plan.inPlace.insert(&op);
    for (auto &[alias, aliasRoot] : root)
      if (aliasRoot == result)
        aliasRoot = operandRoot;
    root[result] = operandRoot;
    computeLastUses();
  }

  Arena arena;
  llvm::DenseMap<Value, int64_t> rootOffset;
  for (Operation &op : body) {
    for (Value result : op.getResults()) {
      if (!livesInArena(result))
        continue;
      Value r = rootOf(result);
      auto [it, isNew] = rootOffset.try_emplace(r, 0);
      if (isNew)
        it->second = arena.allocate(sliceBytes(r, maxChunk));
      plan.offsets[result] = it->second;
    }
    // Release after allocating this op's results so they never overlap its operands.
    for (auto &[r, last] : lastUse)
      if (last == index[&op] && rootOffset.count(r))
        arena.release(rootOffset[r]);
  }
  plan.bytes = arena.peakBytes();
  return plan;
}

} // namespace loom
