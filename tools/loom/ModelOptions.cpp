//===- ModelOptions.cpp - Options shared by commands that run a model ----===//
#include "ModelOptions.h"

#include "SpecCompiler.h"

using namespace llvm;

namespace loom {

ModelTargetOptions::ModelTargetOptions(cl::SubCommand &sub)
    : target(cl::Positional, cl::Required, cl::desc("<model.so | spec.loom>"), cl::sub(sub)),
      arch("arch", cl::desc("Architecture to select when the spec defines several"), cl::init(""), cl::sub(sub)),
      threads("threads", cl::desc("Threads (0: one per hardware thread)"), cl::init(0), cl::sub(sub)) {}

Expected<std::unique_ptr<LoadedModel>> ModelTargetOptions::open() const {
  if (threads < 0)
    return createStringError("--threads must be >= 0, got %d", threads.getValue());
  auto library = resolveModelLibrary(target, arch);
  if (!library)
    return library.takeError();
  auto model = LoadedModel::open(*library);
  if (model)
    (*model)->api().loom_set_num_threads(threads);
  return model;
}

} // namespace loom
