//===- ModelOptions.h - Options shared by commands that run a model -*- C++ -*-===//
#ifndef LOOM_TOOLS_MODELOPTIONS_H
#define LOOM_TOOLS_MODELOPTIONS_H

#include "ModelLibrary.h"

#include "llvm/Support/CommandLine.h"

namespace loom {

/// `[model.so | spec.loom] [--arch A] [--threads T]`, registered on one
/// subcommand. Construct after the SubCommand (same translation unit).
///
/// The positional may be omitted when the weights are a GGUF file: the spec
/// then comes from the file's metadata (`loom import`), written into the
/// cache directory and compiled (and cached) like any other spec.
struct ModelTargetOptions {
  explicit ModelTargetOptions(llvm::cl::SubCommand &sub);

  /// The spec or library to run with `weights` (see above).
  llvm::Expected<std::string> resolveTarget(const std::string &weights) const;
  /// Compiles the spec if needed (cached), opens the library and sets the
  /// kernel thread count.
  llvm::Expected<std::unique_ptr<LoadedModel>> open(const std::string &weights) const;

  llvm::cl::opt<std::string> target;
  llvm::cl::opt<std::string> arch;
  llvm::cl::opt<int> threads;
  /// Element type of the KV caches the command creates.
  llvm::cl::opt<std::string> kvType;
  /// The numerics profile a spec is compiled with (a library has its own).
  llvm::cl::opt<std::string> numerics;
};

/// Whether `path` names a compiled model library rather than a spec.
bool isModelLibrary(llvm::StringRef path);

} // namespace loom

#endif // LOOM_TOOLS_MODELOPTIONS_H
