//===- ConstantTables.cpp - Read-only F32 arrays in the lowered module ----===//
#include "ConstantTables.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/bit.h"

using namespace mlir;

namespace loom {

Value ConstantTables::address(OpBuilder &builder, Location loc, llvm::ArrayRef<float> values) {
  std::vector<uint32_t> bits;
  for (float v : values)
    bits.push_back(llvm::bit_cast<uint32_t>(v));
  LLVM::GlobalOp &global = globals[bits];
  if (!global) {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(module.getBody());
    Type f32 = builder.getF32Type();
    auto type = LLVM::LLVMArrayType::get(f32, values.size());
    auto init = DenseElementsAttr::get(RankedTensorType::get({static_cast<int64_t>(values.size())}, f32), values);
    global = LLVM::GlobalOp::create(builder, loc, type, /*isConstant=*/true, LLVM::Linkage::Private,
                                    prefix + std::to_string(globals.size() - 1), init);
  }
  return LLVM::AddressOfOp::create(builder, loc, global);
}

} // namespace loom
