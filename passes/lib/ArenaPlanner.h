//===- ArenaPlanner.h - Scratch-arena slices for activations ----*- C++ -*-===//
//
// The forward function is straight-line code, so the lifetime of every
// activation is an interval of op indices and a first-fit assignment over
// those intervals packs them into one arena allocated once per model. Views
// (head split/merge) and in-place ops (RoPE, fused or not, on a dying operand) share their
// operand's slice.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_PASSES_ARENAPLANNER_H
#define LOOM_PASSES_ARENAPLANNER_H

#include "mlir/IR/Block.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

namespace loom {

struct ArenaPlan {
  /// Byte offset of every activation that lives in the arena.
  llvm::DenseMap<mlir::Value, int64_t> offsets;
  /// RoPE and QK-norm+RoPE ops whose result shares the operand's slice.
  llvm::DenseSet<mlir::Operation *> inPlace;
  int64_t bytes = 0;
};

/// Slices are aligned to this many bytes (a cache line, and AVX-512 friendly).
inline constexpr int64_t kArenaAlignment = 64;

/// Plans `body` (the forward function's only block) for chunks of at most
/// `maxChunk` tokens.
ArenaPlan planArena(mlir::Block &body, int64_t maxChunk);

} // namespace loom

#endif // LOOM_PASSES_ARENAPLANNER_H
