//===- Pipeline.cpp - Loom's pass pipeline ------------------------------===//
#include "loom/Passes/Pipeline.h"
#include "loom/Passes/Passes.h"

#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace loom {

void buildLoomPipeline(OpPassManager &pm, const LoomPipelineOptions &options) {
  // Architecture-aware rewrites on loom IR.
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  if (options.fuseQKNormRoPE)
    pm.addPass(createLoomFuseQKNormRoPEPass());
  if (options.specializeAttention)
    pm.addPass(createLoomSpecializeAttentionPass());
  if (options.absorbMLA)
    pm.addPass(createLoomAbsorbMLAPass());
  if (options.moeGroupedMatmul)
    pm.addPass(createLoomMoeGroupedMatmulPass(LoomMoeGroupedMatmulPassOptions{options.moeFuseSharedExpert}));
  if (!options.lower)
    return;
  // Lowering: caches get their slots, ops become kernel calls, slices get their place in the arena.
  pm.addPass(createLoomAssignCachesPass());
  pm.addPass(createLoomLowerToKernelsPass(LoomLowerToKernelsPassOptions{options.numerics}));
  pm.addPass(createLoomPlanArenaPass(LoomPlanArenaPassOptions{options.maxChunk, options.foldCopies}));
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void registerLoomPipeline() {
  PassPipelineRegistration<LoomPipelineOptions>(
      "loom-pipeline", "Loom's whole pipeline, from loom IR to the LLVM dialect", buildLoomPipeline);
}

} // namespace loom
