//===- ModelOptions.h - Options shared by commands that run a model -*- C++ -*-===//
#ifndef LOOM_TOOLS_MODELOPTIONS_H
#define LOOM_TOOLS_MODELOPTIONS_H

#include "ModelLibrary.h"

#include "llvm/Support/CommandLine.h"

namespace loom {

/// `<model.so | spec.loom> [--arch A] [--threads T]`, registered on one
/// subcommand. Construct after the SubCommand (same translation unit).
struct ModelTargetOptions {
  explicit ModelTargetOptions(llvm::cl::SubCommand &sub);

  bool isSpec() const { return !llvm::StringRef(target).ends_with(".so"); }
  /// Compiles the spec if needed (cached), opens the library and sets the
  /// kernel thread count.
  llvm::Expected<std::unique_ptr<LoadedModel>> open() const;

  llvm::cl::opt<std::string> target;
  llvm::cl::opt<std::string> arch;
  llvm::cl::opt<int> threads;
};

} // namespace loom

#endif // LOOM_TOOLS_MODELOPTIONS_H
