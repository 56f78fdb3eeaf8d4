//===- Pipeline.h - Loom's pass pipeline, by name ----------------*- C++ -*-===//
//
// The one definition of the order in which Loom's passes run, shared by
// `loom compile` and `loom-opt --loom-pipeline`. Every optimisation can be
// switched off, so its effect can be measured A/B on the same spec.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_PASSES_PIPELINE_H
#define LOOM_PASSES_PIPELINE_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace loom {

struct LoomPipelineOptions : mlir::PassPipelineOptions<LoomPipelineOptions> {
  Option<int64_t> maxChunk{*this, "max-chunk",
                           llvm::cl::desc("Most tokens one call of the generated forward processes"),
                           llvm::cl::init(64)};
  Option<bool> fuseQKNormRoPE{*this, "fuse-qk-norm-rope",
                              llvm::cl::desc("Run loom-fuse-qk-norm-rope (QK-norm and RoPE in one pass)"),
                              llvm::cl::init(true)};
  Option<bool> specializeAttention{*this, "specialize-attention",
                                   llvm::cl::desc("Run loom-specialize-attention (ring and chunk caches)"),
                                   llvm::cl::init(true)};
  Option<bool> absorbMLA{*this, "absorb-mla",
                         llvm::cl::desc("Run loom-absorb-mla (MLA absorbed for decode and short chunks)"),
                         llvm::cl::init(true)};
  Option<bool> moeGroupedMatmul{*this, "moe-grouped-matmul",
                                llvm::cl::desc("Run loom-moe-grouped-matmul (routed experts as grouped GEMMs)"),
                                llvm::cl::init(true)};
  Option<bool> moeFuseSharedExpert{
      *this, "moe-fuse-shared-expert",
      llvm::cl::desc("Let loom-moe-grouped-matmul run a shared expert as one more group of its products"),
      llvm::cl::init(true)};
  Option<bool> foldCopies{*this, "fold-copies",
                          llvm::cl::desc("Let loom-plan-arena fold copies into slices that die there"),
                          llvm::cl::init(true)};
  Option<std::string> numerics{*this, "numerics",
                               llvm::cl::desc("Numerics profile of the kernels: fast, or ggml (llama.cpp's results)"),
                               llvm::cl::init("fast")};
  Option<bool> lower{*this, "lower",
                     llvm::cl::desc("Lower to kernel calls and the LLVM dialect (off: stop at loom IR)"),
                     llvm::cl::init(true)};
};

/// Appends Loom's pipeline to `pm` (which runs on the module).
void buildLoomPipeline(mlir::OpPassManager &pm, const LoomPipelineOptions &options);

/// Registers `loom-pipeline` for mlir-opt-style tools.
void registerLoomPipeline();

} // namespace loom

#endif // LOOM_PASSES_PIPELINE_H
