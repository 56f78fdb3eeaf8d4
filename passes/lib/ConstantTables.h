//===- ConstantTables.h - Read-only F32 arrays in the lowered module -*- C++ -*-===//
//
// Kernels that take per-model constants (RoPE scaling's frequency divisors)
// get them as pointers to private constant globals, emitted once per distinct
// content so that every layer with the same scaling shares one table.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_PASSES_CONSTANTTABLES_H
#define LOOM_PASSES_CONSTANTTABLES_H

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

#include <map>
#include <string>
#include <vector>

namespace loom {

class ConstantTables {
public:
  ConstantTables(mlir::ModuleOp module, std::string prefix) : module(module), prefix(std::move(prefix)) {}

  /// The address of a constant array holding `values`, at the builder's insertion point.
  mlir::Value address(mlir::OpBuilder &builder, mlir::Location loc, llvm::ArrayRef<float> values);

private:
  mlir::ModuleOp module;
  std::string prefix;
  /// By the values' bit patterns, so that -0.0 and NaNs are told apart.
  std::map<std::vector<uint32_t>, mlir::LLVM::GlobalOp> globals;
};

} // namespace loom

#endif // LOOM_PASSES_CONSTANTTABLES_H
