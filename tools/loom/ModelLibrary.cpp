//===- ModelLibrary.cpp - A compiled model, loaded ----------------------===//
#include "ModelLibrary.h"

#include <dlfcn.h>

namespace loom {

llvm::Expected<std::unique_ptr<LoadedModel>> LoadedModel::open(const std::string &libraryPath) {
  // RTLD_LOCAL: each model library carries its own runtime; two may coexist.
  void *lib = dlopen(libraryPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib)
    return llvm::createStringError("cannot load model library '%s': %s", libraryPath.c_str(), dlerror());
  std::unique_ptr<LoadedModel> loaded(new LoadedModel());
#define LOOM_API_FUNCTION(name)                                                                              \
  loaded->fns.name = reinterpret_cast<decltype(&::name)>(dlsym(lib, #name));                                \
  if (!loaded->fns.name)                                                                                     \
    return llvm::createStringError("'%s' is not a Loom model library: it lacks %s", libraryPath.c_str(), #name);
#include "ModelApiFunctions.def"
  loaded->handle = loaded->fns.loom_model_create();
  if (!loaded->handle)
    return loaded->lastError("creating the model");
  loaded->fns.loom_model_get_info(loaded->handle, &loaded->modelInfo);
  return loaded;
}

LoadedModel::~LoadedModel() {
  for (loom_kv_cache *cache : caches)
    fns.loom_kv_cache_free(cache);
  if (handle)
    fns.loom_model_free(handle);
}

llvm::Error LoadedModel::lastError(const llvm::Twine &what) const {
  return llvm::createStringError(what + ": " + fns.loom_last_error());
}

llvm::Error LoadedModel::loadWeights(const std::string &path, uint64_t seed) {
  if (path.empty())
    return fns.loom_model_init_random(handle, seed, 0.02f) == 0 ? llvm::Error::success()
                                                                   : lastError("initializing random weights");
  return fns.loom_model_load_weights(handle, path.c_str()) == 0 ? llvm::Error::success()
                                                                  : lastError("loading weights");
}

llvm::Expected<loom_kv_cache *> LoadedModel::newCache(int64_t maxContext) {
  loom_kv_cache *cache = fns.loom_kv_cache_create_typed(handle, maxContext, kvDtype);
  if (!cache)
    return lastError("allocating the KV cache");
  caches.push_back(cache);
  return cache;
}

llvm::Error LoadedModel::forward(loom_kv_cache *cache, const std::vector<int32_t> &tokens, bool allLogits,
                                 std::vector<float> &logits) {
  logits.resize((allLogits ? tokens.size() : 1) * static_cast<size_t>(modelInfo.vocab));
  if (fns.loom_model_forward(handle, cache, tokens.data(), static_cast<int64_t>(tokens.size()), allLogits ? 1 : 0,
                             logits.data()) != 0)
    return lastError("forward pass");
  return llvm::Error::success();
}

} // namespace loom
