//===- Pipeline.cpp - From loom IR to the LLVM dialect ------------------===//
#include "loom/Codegen/Pipeline.h"

#include "loom/Dialect/LoomDialect.h"
#include "loom/Passes/Pipeline.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"

using namespace mlir;

namespace loom {

void registerLoomCompilerDialects(MLIRContext &context) {
  DialectRegistry registry;
  registry.insert<LoomDialect, func::FuncDialect, LLVM::LLVMDialect>();
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  context.appendDialectRegistry(registry);
  context.loadAllAvailableDialects();
}

LogicalResult runPipeline(ModuleOp module, const PipelineOptions &options) {
  PassManager pm(module.getContext(), ModuleOp::getOperationName());
  if (options.printIRAfterAll) {
    module.getContext()->disableMultithreading();
    pm.enableIRPrinting([](Pass *, Operation *) { return false; }, [](Pass *, Operation *) { return true; },
                        /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false);
  }
  if (options.timing)
    pm.enableTiming();
  LoomPipelineOptions loom;
  loom.maxChunk = options.maxChunk;
  loom.specializeAttention = options.specializeAttention;
  loom.fuseQKNormRoPE = options.fuseQKNormRoPE;
  loom.foldCopies = options.foldCopies;
  loom.moeGroupedMatmul = options.moeGroupedMatmul;
  loom.moeFuseSharedExpert = options.moeFuseSharedExpert;
  loom.absorbMLA = options.absorbMLA;
  loom.numerics = options.numerics;
  loom.lower = !options.stopBeforeLowering;
  buildLoomPipeline(pm, loom);
  if (options.pipelineOut) {
    pm.printAsTextualPipeline(*options.pipelineOut);
    *options.pipelineOut << "\n";
  }
  return pm.run(module);
}

} // namespace loom
