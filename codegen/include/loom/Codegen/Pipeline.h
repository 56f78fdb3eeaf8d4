//===- Pipeline.h - From loom IR to the LLVM dialect -------------*- C++ -*-===//
#ifndef LOOM_CODEGEN_PIPELINE_H
#define LOOM_CODEGEN_PIPELINE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

namespace loom {

struct PipelineOptions {
  int64_t maxChunk = 64;
  bool printIRAfterAll = false;
  bool timing = false;
  /// Stop after the loom-level passes (for --emit=loom-mlir).
  bool stopBeforeLowering = false;
  /// loom-fuse-qk-norm-rope: QK-norm and RoPE as one op.
  bool fuseQKNormRoPE = true;
  /// loom-specialize-attention: ring and chunk caches for windowed layers.
  bool specializeAttention = true;
  /// loom-absorb-mla: MLA against the cached latent for decode and short chunks.
  bool absorbMLA = true;
  /// loom-moe-grouped-matmul: routed experts as one grouped product per projection.
  bool moeGroupedMatmul = true;
  /// Its option: a shared expert as wide as a routed one joins the grouped products as one more group.
  bool moeFuseSharedExpert = true;
  /// The numerics profile: "fast" or "ggml" (loom-lower-to-kernels).
  std::string numerics = "fast";
  /// loom-plan-arena's copy folding: RoPE in place where its operand dies.
  bool foldCopies = true;
  /// Where to print the pipeline as text (loom-opt's --pass-pipeline syntax) before running it, if anywhere.
  llvm::raw_ostream *pipelineOut = nullptr;
};

/// Runs the loom passes, the lowering to kernel calls and the conversion to
/// the LLVM dialect on `module` (loom::buildLoomPipeline), as documented in docs/design.md.
mlir::LogicalResult runPipeline(mlir::ModuleOp module, const PipelineOptions &options);

/// Registers what a context needs to parse and lower loom IR.
void registerLoomCompilerDialects(mlir::MLIRContext &context);

} // namespace loom

#endif // LOOM_CODEGEN_PIPELINE_H
