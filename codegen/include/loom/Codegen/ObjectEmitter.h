//===- ObjectEmitter.h - LLVM dialect to native code -------------*- C++ -*-===//
#ifndef LOOM_CODEGEN_OBJECTEMITTER_H
#define LOOM_CODEGEN_OBJECTEMITTER_H

#include "loom/Codegen/Target.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"

namespace loom {

/// Translates the lowered module to LLVM IR for `machine`, adds the model
/// descriptor (from the `loom.descriptor` attribute) and runs LLVM's
/// optimization pipeline. Errors are reported as diagnostics on the module.
std::unique_ptr<llvm::Module> translateToLLVMIR(mlir::ModuleOp module, llvm::LLVMContext &context,
                                                llvm::TargetMachine &machine);

enum class NativeFileKind { Assembly, Object };

llvm::Error emitNativeCode(llvm::Module &module, llvm::TargetMachine &machine, NativeFileKind kind,
                           llvm::raw_pwrite_stream &out);

} // namespace loom

#endif // LOOM_CODEGEN_OBJECTEMITTER_H
