//===- Importer.h - A .loom spec from a checkpoint's metadata ----*- C++ -*-===//
#ifndef LOOM_TOOLS_IMPORTER_H
#define LOOM_TOOLS_IMPORTER_H

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace loom {

/// The text of a .loom spec for the architecture of `path`: a GGUF file (by
/// its magic) or a Hugging Face config.json. `architectureName` overrides the
/// name taken from the file when not empty. `notes` receives what the spec
/// cannot express (also written into it as comments), for the caller to warn
/// about. An unsupported family or a malformed file is an error naming it, as
/// is any key that would change the computation in a way the spec cannot
/// express, or that the importer does not know (ImportKeys.h); `ignoredKeys`
/// are unknown keys the user vouches for, recorded in `notes`.
llvm::Expected<std::string> importSpec(const std::string &path, const std::string &architectureName,
                                       std::vector<std::string> &notes,
                                       const std::vector<std::string> &ignoredKeys = {});

} // namespace loom

#endif // LOOM_TOOLS_IMPORTER_H
