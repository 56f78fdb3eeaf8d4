//===- KernelCalls.cpp - Calls into the kernel ABI ----------------------===//
#include "KernelCalls.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <limits>

using namespace mlir;

namespace loom {

KernelCalls::KernelCalls(ModuleOp module, OpBuilder &builder) : module(module), builder(builder) {
  MLIRContext *ctx = module.getContext();
  ptr = LLVM::LLVMPointerType::get(ctx);
  i64Type = builder.getI64Type();
  i32Type = builder.getI32Type();
  f32Type = builder.getF32Type();
}

void KernelCalls::emitCall(Location loc, StringRef name, ArrayRef<Type> params, ArrayRef<Value> args) {
  auto callee = module.lookupSymbol<func::FuncOp>(name);
  if (!callee) {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToEnd(module.getBody());
    callee = func::FuncOp::create(builder, loc, name, builder.getFunctionType(params, {}));
    callee.setPrivate();
  }
  assert(llvm::all_of(llvm::zip_equal(params, args),
                      [](auto pair) { return std::get<0>(pair) == std::get<1>(pair).getType(); }) &&
         "kernel argument type differs from the prototype in Kernels.h");
  func::CallOp::create(builder, loc, callee, args);
}

Value KernelCalls::i64(Location loc, int64_t value) {
  return LLVM::ConstantOp::create(builder, loc, i64Type, builder.getI64IntegerAttr(value));
}
Value KernelCalls::i32(Location loc, int32_t value) {
  return LLVM::ConstantOp::create(builder, loc, i32Type, builder.getI32IntegerAttr(value));
}
Value KernelCalls::f32(Location loc, double value) {
  return LLVM::ConstantOp::create(builder, loc, f32Type, builder.getF32FloatAttr(static_cast<float>(value)));
}
Value KernelCalls::null(Location loc) { return LLVM::ZeroOp::create(builder, loc, ptr); }

Value KernelCalls::offset(Location loc, Value base, int64_t bytes) {
  if (bytes > std::numeric_limits<int32_t>::max())
    return offset(loc, base, i64(loc, bytes));
  return LLVM::GEPOp::create(builder, loc, ptr, builder.getI8Type(), base,
                                     ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(bytes)});
}
Value KernelCalls::offset(Location loc, Value base, Value bytes) {
  return LLVM::GEPOp::create(builder, loc, ptr, builder.getI8Type(), base, ArrayRef<LLVM::GEPArg>{bytes});
}
Value KernelCalls::element(Location loc, Value array, Type element, int64_t index) {
  return LLVM::GEPOp::create(builder, loc, ptr, element, array, ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(index)});
}

Value KernelCalls::mul(Location loc, Value lhs, int64_t rhs) {
  return LLVM::MulOp::create(builder, loc, lhs, i64(loc, rhs));
}

} // namespace loom
