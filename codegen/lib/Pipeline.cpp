//===- Pipeline.cpp - From loom IR to the LLVM dialect ------------------===//
#include "loom/Codegen/Pipeline.h"

#include "loom/Dialect/LoomDialect.h"
#include "loom/Passes/Passes.h"

#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"

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
  PassManager pm(module.getContext());
  if (options.printIRAfterAll) {
    module.getContext()->disableMultithreading();
    pm.enableIRPrinting([](Pass *, Operation *) { return false; }, [](Pass *, Operation *) { return true; },
                        /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false);
  }
  if (options.timing)
    pm.enableTiming();

  // Loom-level clean-up; architecture-aware passes slot in here.
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  if (!options.stopBeforeLowering) {
    pm.addPass(createLoomLowerToKernelsPass(LoomLowerToKernelsPassOptions{options.maxChunk}));
    pm.addPass(createConvertFuncToLLVMPass());
    pm.addPass(createReconcileUnrealizedCastsPass());
  }
  return pm.run(module);
}

} // namespace loom
