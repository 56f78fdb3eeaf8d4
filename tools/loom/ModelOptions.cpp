//===- ModelOptions.cpp - Options shared by commands that run a model ----===//
#include "ModelOptions.h"

#include "Gguf.h"
#include "NumericsOption.h"
#include "SpecCompilation.h"
#include "loom/Runtime/Tensor.h"

using namespace llvm;

namespace loom {

bool isModelLibrary(StringRef path) { return path.ends_with(".so"); }

ModelTargetOptions::ModelTargetOptions(cl::SubCommand &sub)
    : target(cl::Positional, cl::Optional, cl::desc("[model.so | spec.loom]"), cl::init(""), cl::sub(sub)),
      arch("arch", cl::desc("Architecture to select when the spec defines several"), cl::init(""), cl::sub(sub)),
      threads("threads", cl::desc("Threads (0: one per hardware thread)"), cl::init(0), cl::sub(sub)),
      kvType("kv-type", cl::desc("KV cache element type: f32, or f16 (half the memory, llama.cpp's default)"),
             cl::init("f32"), cl::sub(sub)),
      numerics("numerics",
               cl::desc("Numerics profile when compiling a spec: fast, or ggml (llama.cpp's results on x86)"),
               cl::init("fast"), cl::sub(sub)) {}

Expected<std::string> ModelTargetOptions::resolveTarget(const std::string &weights) const {
  if (!target.empty())
    return target.getValue();
  if (weights.empty() || !rt::isGgufFile(weights))
    return createStringError("give a spec or a model library, or --weights FILE.gguf to take the architecture "
                             "from the file's metadata");
  return importSpecIntoCache(weights);
}

Expected<std::unique_ptr<LoadedModel>> ModelTargetOptions::open(const std::string &weights) const {
  if (threads < 0)
    return createStringError("--threads must be >= 0, got %d", threads.getValue());
  if (kvType != "f32" && kvType != "f16")
    return createStringError("--kv-type must be f32 or f16, got '%s'", kvType.c_str());
  if (Error err = checkNumericsProfile(numerics))
    return std::move(err);
  auto resolved = resolveTarget(weights);
  if (!resolved)
    return resolved.takeError();
  if (isModelLibrary(*resolved) && numerics.getNumOccurrences())
    return createStringError("--numerics applies when compiling a spec; '%s' was compiled with its own profile",
                             resolved->c_str());
  auto library = isModelLibrary(*resolved) ? Expected<std::string>(*resolved)
                                           : compileSpecIntoCache(*resolved, arch, numerics);
  if (!library)
    return library.takeError();
  auto model = LoadedModel::open(*library);
  if (model) {
    (*model)->api().loom_set_num_threads(threads);
    (*model)->setKVType(kvType == "f16" ? LOOM_DTYPE_F16 : LOOM_DTYPE_F32);
  }
  return model;
}

} // namespace loom
