//===- KernelCalls.cpp - Calls into the kernel ABI ----------------------===//
#include "KernelCalls.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <limits>

using namespace mlir;

namespace loom {
namespace {

struct KernelSignature {
  llvm::StringLiteral name;
  /// One letter per parameter: p = pointer, l = int64, i = int32, f = float.
  llvm::StringLiteral params;
};

/// Mirrors runtime/include/loom/Runtime/Kernels.h, in the order of `Kernel`.
constexpr KernelSignature kSignatures[] = {
    {"loom_k_embedding", "plplfp"},     // table, d, ids, n, scale, out
    {"loom_k_rms_norm", "pllpffp"},     // x, rows, d, w, eps, w_offset, y
    {"loom_k_layer_norm", "pllppfp"},   // x, rows, d, w, b, eps, y
    {"loom_k_linear", "pllplpp"},       // x, m, k, w, n, bias, y
    {"loom_k_rope", "plllllfi"},       // x, n, heads, head_dim, rot_dims, start, theta, interleaved
    {"loom_k_kv_store", "pplllpp"},     // k, v, n, row_elems, start, k_cache, v_cache
    {"loom_k_attention", "pllpplllfilp"}, // q, n, start, kc, vc, heads, kv_heads, head_dim, scale, mask, window, out
    {"loom_k_swiglu", "pplp"},          // gate, up, count, out
    {"loom_k_geglu", "pplp"},
    {"loom_k_gelu", "plp"},             // x, count, out
    {"loom_k_add", "pplp"},             // a, b, count, out
};

} // namespace

KernelCalls::KernelCalls(ModuleOp module, OpBuilder &builder) : module(module), builder(builder) {
  MLIRContext *ctx = module.getContext();
  ptr = LLVM::LLVMPointerType::get(ctx);
  i64Type = builder.getI64Type();
  i32Type = builder.getI32Type();
  f32Type = builder.getF32Type();
}

void KernelCalls::call(Location loc, Kernel kernel, ValueRange args) {
  const KernelSignature &sig = kSignatures[static_cast<int>(kernel)];
  auto callee = module.lookupSymbol<func::FuncOp>(sig.name);
  if (!callee) {
    SmallVector<Type> params;
    for (char c : sig.params)
      params.push_back(c == 'p' ? ptr : c == 'l' ? i64Type : c == 'i' ? i32Type : f32Type);
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToEnd(module.getBody());
    callee = func::FuncOp::create(builder, loc, sig.name, builder.getFunctionType(params, {}));
    callee.setPrivate();
  }
  assert(callee.getNumArguments() == args.size() && "kernel call arity mismatch");
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
Value KernelCalls::mul(Location loc, Value lhs, int64_t rhs) {
  return LLVM::MulOp::create(builder, loc, lhs, i64(loc, rhs));
}

} // namespace loom
