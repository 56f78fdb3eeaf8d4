//===- Passes.h - Loom passes ------------------------------------*- C++ -*-===//
#ifndef LOOM_PASSES_PASSES_H
#define LOOM_PASSES_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Pass/Pass.h"
#include "loom/Passes/ModelDescriptor.h"

namespace loom {

#define GEN_PASS_DECL
#include "loom/Passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "loom/Passes/Passes.h.inc"

} // namespace loom

#endif // LOOM_PASSES_PASSES_H
