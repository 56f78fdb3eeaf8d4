//===- Descriptor.cpp - The model descriptor in LLVM IR -----------------===//
//
// Built with LLVM's constant folder rather than in the LLVM dialect: the
// descriptor is plain read-only data whose layout is fixed by ModelABI.h, and
// building nested constant structs is direct here. The struct types below are
// the C structs of ModelABI.h field by field (all fields are pointers or
// int64); the static_asserts fail the build if one side changes alone.
//
//===----------------------------------------------------------------------===//
#include "loom/Codegen/Descriptor.h"

#include "loom/Runtime/ModelABI.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/IRBuilder.h"

#include <cstddef>

namespace loom {
namespace {

// Word = one int64 or pointer field; the LLVM types below list the same words in the same order.
constexpr size_t kWord = 8;
static_assert(sizeof(void *) == kWord && sizeof(int64_t) == kWord, "descriptor fields are 8-byte words");
static_assert(sizeof(loom_weight_desc) == (7 + LOOM_MAX_RANK) * kWord &&
                  offsetof(loom_weight_desc, shape) == 2 * kWord &&
                  offsetof(loom_weight_desc, dtype) == (2 + LOOM_MAX_RANK) * kWord &&
                  offsetof(loom_weight_desc, rope_dims) == (5 + LOOM_MAX_RANK) * kWord &&
                  offsetof(loom_weight_desc, layout) == (6 + LOOM_MAX_RANK) * kWord,
              "loom_weight_desc changed: update weightType below");
static_assert(sizeof(loom_cache_desc) == 6 * kWord && offsetof(loom_cache_desc, value_dim) == 4 * kWord &&
                  offsetof(loom_cache_desc, conv_channels) == 5 * kWord,
              "loom_cache_desc changed: update cacheType below");
static_assert(sizeof(loom_model_desc) == 15 * kWord && offsetof(loom_model_desc, weights) == 9 * kWord &&
                  offsetof(loom_model_desc, caches) == 11 * kWord &&
                  offsetof(loom_model_desc, rope_freq_divisors) == 13 * kWord &&
                  offsetof(loom_model_desc, numerics) == 14 * kWord,
              "loom_model_desc changed: update descType below");

class DescriptorBuilder {
public:
  explicit DescriptorBuilder(llvm::Module &module)
      : module(module), ctx(module.getContext()), i64(llvm::Type::getInt64Ty(ctx)),
        ptr(llvm::PointerType::getUnqual(ctx)) {}

  void build(const ModelDescriptor &desc);

private:
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

  llvm::Module &module;
  llvm::LLVMContext &ctx;
  llvm::Type *i64;
  llvm::PointerType *ptr;
};

void DescriptorBuilder::build(const ModelDescriptor &desc) {
  auto *shapeType = llvm::ArrayType::get(i64, LOOM_MAX_RANK);
  // loom_weight_desc: name, rank, shape, dtype, rope_pairing, rope_head_dim, rope_dims, layout.
  auto *weightType = llvm::StructType::get(ctx, {ptr, i64, shapeType, i64, i64, i64, i64, i64});
  // loom_cache_desc: kind, window, kv_heads, key_dim, value_dim, conv_channels.
  auto *cacheType = llvm::StructType::get(ctx, {i64, i64, i64, i64, i64, i64});

  std::vector<llvm::Constant *> weights;
  for (auto [i, w] : llvm::enumerate(desc.weights)) {
    std::vector<llvm::Constant *> dims(LOOM_MAX_RANK, int64(0));
    for (auto [d, dim] : llvm::enumerate(w.shape))
      dims[d] = int64(dim);
    weights.push_back(llvm::ConstantStruct::get(
        weightType, {string(w.name, "loom.weight.name." + llvm::Twine(i)), int64(w.shape.size()),
                     llvm::ConstantArray::get(shapeType, dims), int64(LOOM_DTYPE_F32), int64(w.ropePairing),
                     int64(w.ropeHeadDim), int64(w.ropeDims), int64(w.layout)}));
  }
  std::vector<llvm::Constant *> caches;
  for (const CacheRecord &c : desc.caches)
    caches.push_back(llvm::ConstantStruct::get(
        cacheType, {int64(c.kind), int64(c.window), int64(c.kvHeads), int64(c.keyDim), int64(c.valueDim),
                    int64(c.convChannels)}));

  llvm::Constant *divisors = llvm::ConstantPointerNull::get(ptr);
  if (!desc.ropeFreqDivisors.empty()) {
    auto *init = llvm::ConstantDataArray::get(ctx, llvm::ArrayRef<float>(desc.ropeFreqDivisors));
    divisors = new llvm::GlobalVariable(module, init->getType(), true, llvm::GlobalValue::PrivateLinkage, init,
                                        "loom.rope_freq_divisors");
  }

  // loom_model_desc.
  auto *descType =
      llvm::StructType::get(ctx, {i64, ptr, i64, i64, i64, i64, i64, i64, i64, ptr, i64, ptr, i64, ptr, i64});
  auto *init = llvm::ConstantStruct::get(
      descType, {int64(LOOM_ABI_VERSION), string(desc.name, "loom.arch_name"), int64(desc.vocab),
                 int64(desc.dModel), int64(desc.nLayers), int64(desc.maxContext), int64(desc.maxChunk),
                 int64(desc.scratchBytes), int64(weights.size()), array(weightType, weights, "loom.weights"),
                 int64(caches.size()), array(cacheType, caches, "loom.caches"),
                 int64(static_cast<int64_t>(desc.ropeFreqDivisors.size())), divisors, int64(desc.numerics)});
  auto *global = new llvm::GlobalVariable(module, descType, true, llvm::GlobalValue::PrivateLinkage, init,
                                          "loom.descriptor");

  auto *fn = llvm::Function::Create(llvm::FunctionType::get(ptr, false), llvm::GlobalValue::ExternalLinkage,
                                    "loom_generated_descriptor", module);
  llvm::IRBuilder<> builder(llvm::BasicBlock::Create(ctx, "entry", fn));
  builder.CreateRet(global);
}

} // namespace

void emitModelDescriptor(llvm::Module &module, const ModelDescriptor &descriptor) {
  DescriptorBuilder(module).build(descriptor);
}

} // namespace loom
