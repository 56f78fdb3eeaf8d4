//===- Descriptor.cpp - The model descriptor in LLVM IR -----------------===//
//
// Built with LLVM's constant folder rather than in the LLVM dialect: the
// descriptor is plain read-only data whose layout is fixed by ModelABI.h, and
// building nested constant structs is direct here.
//
//===----------------------------------------------------------------------===//
#include "loom/Codegen/Descriptor.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/IRBuilder.h"

namespace loom {
namespace {

constexpr int64_t kAbiVersion = 2; // LOOM_ABI_VERSION
constexpr int64_t kMaxRank = 4;    // LOOM_MAX_RANK
constexpr int64_t kDTypeF32 = 0;   // LOOM_DTYPE_F32

class DescriptorBuilder {
public:
  explicit DescriptorBuilder(llvm::Module &module)
      : module(module), ctx(module.getContext()), i64(llvm::Type::getInt64Ty(ctx)),
        ptr(llvm::PointerType::getUnqual(ctx)) {}

  llvm::Constant *int64(int64_t v) { return llvm::ConstantInt::get(i64, v); }

  llvm::Constant *string(llvm::StringRef s, const llvm::Twine &name) {
    auto *init = llvm::ConstantDataArray::getString(ctx, s);
    return new llvm::GlobalVariable(module, init->getType(), true, llvm::GlobalValue::PrivateLinkage, init, name);
  }

  llvm::Constant *array(llvm::StructType *element, llvm::ArrayRef<llvm::Constant *> items, const llvm::Twine &name) {
    auto *type = llvm::ArrayType::get(element, items.size());
    return new llvm::GlobalVariable(module, type, true, llvm::GlobalValue::PrivateLinkage,
                                    llvm::ConstantArray::get(type, items), name);
  }

  void build(mlir::DictionaryAttr desc);

private:
  int64_t get(mlir::DictionaryAttr d, llvm::StringRef key) { return mlir::cast<mlir::IntegerAttr>(d.get(key)).getInt(); }

  llvm::Module &module;
  llvm::LLVMContext &ctx;
  llvm::Type *i64;
  llvm::PointerType *ptr;
};

void DescriptorBuilder::build(mlir::DictionaryAttr desc) {
  auto *shapeType = llvm::ArrayType::get(i64, kMaxRank);
  auto *weightType = llvm::StructType::get(ctx, {ptr, i64, shapeType, i64});
  auto *layerType = llvm::StructType::get(ctx, {i64, i64, i64, i64, i64, i64});

  std::vector<llvm::Constant *> weights;
  for (auto [i, attr] : llvm::enumerate(mlir::cast<mlir::ArrayAttr>(desc.get("weights")))) {
    auto w = mlir::cast<mlir::DictionaryAttr>(attr);
    auto shape = mlir::cast<mlir::ArrayAttr>(w.get("shape"));
    std::vector<llvm::Constant *> dims(kMaxRank, int64(0));
    for (auto [d, dim] : llvm::enumerate(shape))
      dims[d] = int64(mlir::cast<mlir::IntegerAttr>(dim).getInt());
    weights.push_back(llvm::ConstantStruct::get(
        weightType, {string(mlir::cast<mlir::StringAttr>(w.get("name")).getValue(), "loom.weight.name." + llvm::Twine(i)),
                     int64(shape.size()), llvm::ConstantArray::get(shapeType, dims), int64(kDTypeF32)}));
  }
  std::vector<llvm::Constant *> layers;
  for (mlir::Attribute attr : mlir::cast<mlir::ArrayAttr>(desc.get("kv_layers"))) {
    auto l = mlir::cast<mlir::DictionaryAttr>(attr);
    layers.push_back(llvm::ConstantStruct::get(
        layerType, {int64(get(l, "kv_heads")), int64(get(l, "head_dim")), int64(get(l, "mask")),
                    int64(get(l, "window")), int64(get(l, "rope_pairing")), int64(get(l, "rope_dims"))}));
  }

  auto *descType = llvm::StructType::get(ctx, {i64, ptr, i64, i64, i64, i64, i64, i64, i64, ptr, ptr});
  auto *init = llvm::ConstantStruct::get(
      descType, {int64(kAbiVersion), string(mlir::cast<mlir::StringAttr>(desc.get("name")).getValue(), "loom.arch_name"),
                 int64(get(desc, "vocab")), int64(get(desc, "d_model")), int64(get(desc, "n_layers")),
                 int64(get(desc, "max_context")), int64(get(desc, "max_chunk")), int64(get(desc, "scratch_bytes")),
                 int64(weights.size()), array(weightType, weights, "loom.weights"),
                 array(layerType, layers, "loom.kv_layers")});
  auto *global = new llvm::GlobalVariable(module, descType, true, llvm::GlobalValue::PrivateLinkage, init,
                                          "loom.descriptor");

  auto *fn = llvm::Function::Create(llvm::FunctionType::get(ptr, false), llvm::GlobalValue::ExternalLinkage,
                                    "loom_generated_descriptor", module);
  llvm::IRBuilder<> builder(llvm::BasicBlock::Create(ctx, "entry", fn));
  builder.CreateRet(global);
}

} // namespace

void emitModelDescriptor(llvm::Module &module, mlir::DictionaryAttr descriptor) {
  DescriptorBuilder(module).build(descriptor);
}

} // namespace loom
