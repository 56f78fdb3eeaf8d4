//===- ModelOptions.cpp - Options shared by commands that run a model ----===//
#include "ModelOptions.h"

#include "Gguf.h"
#include "Importer.h"
#include "SpecCompiler.h"
#include "loom/Runtime/Tensor.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/xxhash.h"

#include <unistd.h>

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
  std::vector<std::string> notes;
  Expected<std::string> spec = importSpec(weights, "", notes);
  if (!spec)
    return spec.takeError();
  for (const std::string &note : notes)
    WithColor::warning(errs(), "loom") << note << "\n";

  // Named by content, so an unchanged import reuses its compiled library.
  auto dir = cacheDirectory();
  if (!dir)
    return dir.takeError();
  SmallString<256> path(*dir);
  sys::path::append(path, "imported");
  if (std::error_code ec = sys::fs::create_directories(path))
    return createStringError(ec, "cannot create '%s'", path.c_str());
  sys::path::append(path, (sys::path::stem(weights) + "-" + utohexstr(xxh3_64bits(*spec)) + ".loom").str());
  if (!sys::fs::exists(path)) {
    std::string partial = (path + formatv(".{0}.tmp", ::getpid())).str();
    {
      std::error_code ec;
      raw_fd_ostream out(partial, ec, sys::fs::OF_Text);
      if (ec)
        return createStringError(ec, "cannot write '%s'", partial.c_str());
      out << *spec;
    }
    if (std::error_code ec = sys::fs::rename(partial, path))
      return createStringError(ec, "cannot write '%s'", path.c_str());
  }
  return std::string(path);
}

Expected<std::unique_ptr<LoadedModel>> ModelTargetOptions::open(const std::string &weights) const {
  if (threads < 0)
    return createStringError("--threads must be >= 0, got %d", threads.getValue());
  if (kvType != "f32" && kvType != "f16")
    return createStringError("--kv-type must be f32 or f16, got '%s'", kvType.c_str());
  if (numerics != "fast" && numerics != "ggml")
    return createStringError("--numerics must be fast or ggml, got '%s'", numerics.c_str());
  auto resolved = resolveTarget(weights);
  if (!resolved)
    return resolved.takeError();
  if (isModelLibrary(*resolved) && numerics.getNumOccurrences())
    return createStringError("--numerics applies when compiling a spec; '%s' was compiled with its own profile",
                             resolved->c_str());
  auto library = resolveModelLibrary(*resolved, arch, numerics);
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
