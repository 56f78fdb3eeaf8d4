//===- Descriptor.h - The model descriptor in LLVM IR ------------*- C++ -*-===//
#ifndef LOOM_CODEGEN_DESCRIPTOR_H
#define LOOM_CODEGEN_DESCRIPTOR_H

#include "loom/Passes/ModelDescriptor.h"
#include "llvm/IR/Module.h"

namespace loom {

/// Defines `loom_generated_descriptor()` in `module`, returning a constant
/// `loom_model_desc` (runtime/include/loom/Runtime/ModelABI.h) built from the
/// `loom.descriptor` dictionary left by loom-lower-to-kernels.
void emitModelDescriptor(llvm::Module &module, const ModelDescriptor &descriptor);

} // namespace loom

#endif // LOOM_CODEGEN_DESCRIPTOR_H
