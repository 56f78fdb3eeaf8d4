//===- Passes.h - Loom passes ------------------------------------*- C++ -*-===//
#ifndef LOOM_PASSES_PASSES_H
#define LOOM_PASSES_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Pass/Pass.h"

namespace loom {

/// Module attribute the lowering leaves for codegen: a dictionary with the
/// model's hyper-parameters, `weights` (manifest order: name and shape),
/// `kv_layers` (kv_heads, head_dim, mask, window per cache slot), `max_chunk`
/// and `scratch_bytes`.
inline constexpr llvm::StringLiteral kDescriptorAttrName = "loom.descriptor";

#define GEN_PASS_DECL
#include "loom/Passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "loom/Passes/Passes.h.inc"

} // namespace loom

#endif // LOOM_PASSES_PASSES_H
