//===- ObjectEmitter.cpp - LLVM dialect to native code ------------------===//
#include "loom/Codegen/ObjectEmitter.h"

#include "loom/Codegen/Descriptor.h"
#include "loom/Passes/Passes.h"

#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/Passes/PassBuilder.h"

namespace loom {

static void optimize(llvm::Module &module, llvm::TargetMachine &machine) {
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager functions;
  llvm::CGSCCAnalysisManager cgscc;
  llvm::ModuleAnalysisManager modules;
  llvm::PassBuilder builder(&machine);
  builder.registerModuleAnalyses(modules);
  builder.registerCGSCCAnalyses(cgscc);
  builder.registerFunctionAnalyses(functions);
  builder.registerLoopAnalyses(loops);
  builder.crossRegisterProxies(loops, functions, cgscc, modules);
  llvm::ModulePassManager pipeline = builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2);
  pipeline.run(module, modules);
}

std::unique_ptr<llvm::Module> translateToLLVMIR(mlir::ModuleOp module, llvm::LLVMContext &context,
                                                llvm::TargetMachine &machine) {
  mlir::FailureOr<ModelDescriptor> descriptor = ModelDescriptor::read(module);
  if (failed(descriptor))
    return nullptr;
  if (descriptor->maxChunk <= 0) {
    module.emitError("has no planned scratch arena: run loom-plan-arena before emitting code");
    return nullptr;
  }
  std::unique_ptr<llvm::Module> llvmModule = mlir::translateModuleToLLVMIR(module, context);
  if (!llvmModule)
    return nullptr;
  llvmModule->setTargetTriple(machine.getTargetTriple());
  llvmModule->setDataLayout(machine.createDataLayout());
  emitModelDescriptor(*llvmModule, *descriptor);
  optimize(*llvmModule, machine);
  return llvmModule;
}

llvm::Error emitNativeCode(llvm::Module &module, llvm::TargetMachine &machine, NativeFileKind kind,
                           llvm::raw_pwrite_stream &out) {
  llvm::legacy::PassManager passes;
  auto fileType =
      kind == NativeFileKind::Object ? llvm::CodeGenFileType::ObjectFile : llvm::CodeGenFileType::AssemblyFile;
  if (machine.addPassesToEmitFile(passes, out, nullptr, fileType))
    return llvm::createStringError("target '%s' cannot emit this file type",
                                   machine.getTargetTriple().str().c_str());
  passes.run(module);
  return llvm::Error::success();
}

} // namespace loom
