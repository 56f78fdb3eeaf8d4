//===- KernelCalls.h - Calls into the kernel ABI -----------------*- C++ -*-===//
//
// runtime/include/loom/Runtime/Kernels.h is the only statement of the kernel
// ABI. A call is emitted through LOOM_KERNEL_CALL(kernels, loc, loom_k_x, ...),
// which takes the callee's MLIR signature from the C prototype itself (each
// parameter's C type maps to one MLIR type) and checks the argument count at
// compile time, so the lowering cannot drift from the kernels it calls.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_PASSES_KERNELCALLS_H
#define LOOM_PASSES_KERNELCALLS_H

#include "loom/Runtime/Kernels.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <type_traits>

namespace loom {

/// The MLIR type generated code passes for a kernel parameter of C type `T`.
template <typename T>
mlir::Type kernelParamType(mlir::MLIRContext *ctx) {
  if constexpr (std::is_pointer_v<T>)
    return mlir::LLVM::LLVMPointerType::get(ctx);
  else if constexpr (std::is_same_v<T, int64_t>)
    return mlir::IntegerType::get(ctx, 64);
  else if constexpr (std::is_same_v<T, int32_t>)
    return mlir::IntegerType::get(ctx, 32);
  else if constexpr (std::is_same_v<T, float>)
    return mlir::Float32Type::get(ctx);
  else
    static_assert(!sizeof(T), "a kernel parameter type with no MLIR counterpart");
}

template <typename Fn>
struct KernelSignature;

template <typename... Params>
struct KernelSignature<void(Params...)> {
  static constexpr size_t arity = sizeof...(Params);
  static llvm::SmallVector<mlir::Type> types(mlir::MLIRContext *ctx) { return {kernelParamType<Params>(ctx)...}; }
};

/// Arguments of `loom_generated_forward` (ModelABI.h), in order.
enum ForwardArg : unsigned { Weights, Caches, Tokens, NumTokens, Start, FirstLogitRow, Scratch, Logits, NumForwardArgs };
static_assert(KernelSignature<decltype(loom_generated_forward)>::arity == NumForwardArgs,
              "loom_generated_forward changed: update ForwardArg");

/// Emits calls to kernels, declaring each one in the module on first use.
class KernelCalls {
public:
  KernelCalls(mlir::ModuleOp module, mlir::OpBuilder &builder);

  template <typename Fn, typename... Args>
  void call(mlir::Location loc, llvm::StringRef name, Args... args) {
    static_assert(sizeof...(Args) == KernelSignature<Fn>::arity,
                  "argument count differs from the kernel's prototype in Kernels.h");
    emitCall(loc, name, KernelSignature<Fn>::types(module.getContext()), {mlir::Value(args)...});
  }

  mlir::Value i64(mlir::Location loc, int64_t value);
  mlir::Value i32(mlir::Location loc, int32_t value);
  mlir::Value f32(mlir::Location loc, double value);
  mlir::Value null(mlir::Location loc);
  /// `base + bytes`.
  mlir::Value offset(mlir::Location loc, mlir::Value base, int64_t bytes);
  mlir::Value offset(mlir::Location loc, mlir::Value base, mlir::Value bytes);
  mlir::Value mul(mlir::Location loc, mlir::Value lhs, int64_t rhs);
  /// `&array[index]` for an array of `element`.
  mlir::Value element(mlir::Location loc, mlir::Value array, mlir::Type element, int64_t index);

  mlir::Type ptrType() const { return ptr; }

private:
  void emitCall(mlir::Location loc, llvm::StringRef name, llvm::ArrayRef<mlir::Type> params,
                llvm::ArrayRef<mlir::Value> args);

  mlir::ModuleOp module;
  mlir::OpBuilder &builder;
  mlir::Type ptr, i64Type, i32Type, f32Type;
};

} // namespace loom

/// Calls kernel `fn` of Kernels.h with the given MLIR values.
#define LOOM_KERNEL_CALL(kernels, loc, fn, ...) (kernels).call<decltype(fn)>(loc, #fn, __VA_ARGS__)

#endif // LOOM_PASSES_KERNELCALLS_H
