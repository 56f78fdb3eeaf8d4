//===- ModelLibrary.h - A compiled model, loaded ------------------*- C++ -*-===//
//
// The CLI drives compiled libraries exactly as a user's program would: through
// the C API of loom.h, looked up with dlopen. Nothing of the runtime is linked
// into `loom` itself.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TOOLS_MODELLIBRARY_H
#define LOOM_TOOLS_MODELLIBRARY_H

#include "loom/loom.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace loom {

struct ModelApi {
#define LOOM_API_FUNCTION(name) decltype(&::name) name = nullptr;
#include "ModelApiFunctions.def"
};

/// An open model library with a model instance and a KV cache.
class LoadedModel {
public:
  static llvm::Expected<std::unique_ptr<LoadedModel>> open(const std::string &libraryPath);
  ~LoadedModel();

  const ModelApi &api() const { return fns; }
  loom_model *model() const { return handle; }
  const loom_model_info &info() const { return modelInfo; }

  /// Weights: a safetensors file, or seeded random values when path is empty.
  llvm::Error loadWeights(const std::string &path, uint64_t seed);
  llvm::Expected<loom_kv_cache *> newCache(int64_t maxContext = 0);
  /// The element type (LOOM_DTYPE_F32 or LOOM_DTYPE_F16) of the caches newCache creates.
  void setKVType(int32_t dtype) { kvDtype = dtype; }
  /// Runs tokens through cache; returns logits (all rows, or the last row).
  llvm::Error forward(loom_kv_cache *cache, const std::vector<int32_t> &tokens, bool allLogits,
                      std::vector<float> &logits);
  llvm::Error lastError(const llvm::Twine &what) const;

private:
  LoadedModel() = default;
  ModelApi fns;
  loom_model *handle = nullptr;
  std::vector<loom_kv_cache *> caches;
  loom_model_info modelInfo{};
  int32_t kvDtype = 0;
};

} // namespace loom

#endif // LOOM_TOOLS_MODELLIBRARY_H
