//===- KernelCalls.h - Calls into the kernel ABI -----------------*- C++ -*-===//
//
// The one place that knows the C signatures of runtime/include/loom/Runtime/
// Kernels.h. Keeping them together makes an ABI change a one-file edit.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_PASSES_KERNELCALLS_H
#define LOOM_PASSES_KERNELCALLS_H

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace loom {

enum class Kernel {
  Embedding,
  RMSNorm,
  LayerNorm,
  Linear,
  RoPE,
  KVStore,
  Attention,
  SwiGLU,
  GeGLU,
  Gelu,
  Add,
};

/// Emits calls to kernels, declaring each one in the module on first use.
class KernelCalls {
public:
  KernelCalls(mlir::ModuleOp module, mlir::OpBuilder &builder);

  void call(mlir::Location loc, Kernel kernel, mlir::ValueRange args);

  mlir::Value i64(mlir::Location loc, int64_t value);
  mlir::Value i32(mlir::Location loc, int32_t value);
  mlir::Value f32(mlir::Location loc, double value);
  mlir::Value null(mlir::Location loc);
  /// `base + bytes`.
  mlir::Value offset(mlir::Location loc, mlir::Value base, int64_t bytes);
  mlir::Value offset(mlir::Location loc, mlir::Value base, mlir::Value bytes);
  mlir::Value mul(mlir::Location loc, mlir::Value lhs, int64_t rhs);

  mlir::Type ptrType() const { return ptr; }

private:
  mlir::ModuleOp module;
  mlir::OpBuilder &builder;
  mlir::Type ptr, i64Type, i32Type, f32Type;
};

} // namespace loom

#endif // LOOM_PASSES_KERNELCALLS_H
