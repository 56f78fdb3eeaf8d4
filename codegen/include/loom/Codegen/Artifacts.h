//===- Artifacts.h - The files `loom compile` writes -------------*- C++ -*-===//
#ifndef LOOM_CODEGEN_ARTIFACTS_H
#define LOOM_CODEGEN_ARTIFACTS_H

#include "loom/Codegen/Target.h"
#include "loom/Passes/ModelDescriptor.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace loom {

/// Links `object` with the runtime and kernel archives of `target`'s kit into a
/// shared library exporting the C API of loom.h.
llvm::Error linkSharedLibrary(llvm::StringRef object, llvm::StringRef output, const ResolvedTarget &target);

/// Identifies what linkSharedLibrary would link (the archive list and each
/// archive's modification time), so caches of compiled models notice a
/// rebuilt runtime or kernel library.
llvm::Expected<std::string> runtimeLinkFingerprint(const ResolvedTarget &target);

/// The C header for one model: the loom.h API plus the model's constants.
std::string renderModelHeader(const ModelDescriptor &descriptor, llvm::StringRef libraryName);

/// The weight manifest as JSON: {"architecture", "weights": [{name, shape, dtype}], ...}.
std::string renderManifest(const ModelDescriptor &descriptor);

} // namespace loom

#endif // LOOM_CODEGEN_ARTIFACTS_H
