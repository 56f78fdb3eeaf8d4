//===- SpecCompilation.h - What running a spec needs of the compiler -*- C++ -*-===//
//
// The commands that run a model (run, logits, bench) take a compiled library,
// a spec, or only a GGUF file. Only the last two need the compiler, so these
// commands reach it through this header alone:
//
// - `loom-compiler`, the tool with the compiler, defines these functions in
//   SpecCompilation.cpp;
// - `loom`, the runner, has no LLVM or MLIR beyond the support library, so that
//   running a library costs a few MiB over the model. Its definitions
//   (NoSpecCompilation.cpp) are errors: RunnerMain.cpp hands every command
//   line that needs the compiler to loom-compiler before parsing it.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TOOLS_SPECCOMPILATION_H
#define LOOM_TOOLS_SPECCOMPILATION_H

#include "llvm/Support/Error.h"

#include <string>

namespace loom {

/// The spec `loom import` derives from a GGUF file's metadata, written into the
/// cache directory (named by content, so an unchanged import is reused); its path.
llvm::Expected<std::string> importSpecIntoCache(const std::string &ggufWeights);

/// The library compiled from `spec` into the cache directory (reused while the
/// spec, the compiler and the runtime are unchanged); its path.
llvm::Expected<std::string> compileSpecIntoCache(const std::string &spec, const std::string &architecture,
                                                 const std::string &numerics);

/// The architecture summary `loom run` prints for a spec.
llvm::Expected<std::string> describeSpec(const std::string &spec, const std::string &architecture);

} // namespace loom

#endif // LOOM_TOOLS_SPECCOMPILATION_H
