//===- FamilyImport.h - `loom import` for declared families -----*- C++ -*-===//
#ifndef LOOM_TOOLS_FAMILYIMPORT_H
#define LOOM_TOOLS_FAMILYIMPORT_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace loom {

/// The spec for `path` (a GGUF file or a config.json) when its architecture is a family declared in
/// runtime/lib/families (Family.h), filled in from the family's keys; nothing for any other family. A
/// missing or malformed key, a value of a fixed key the spec cannot express, or a key whose effect is
/// unknown (not in `ignoredKeys`, which go to `notes`) is an error naming it; every such key is reported.
llvm::Expected<std::optional<std::string>> importFamilySpec(const std::string &path,
                                                            const std::string &architectureName,
                                                            llvm::ArrayRef<std::string> ignoredKeys,
                                                            std::vector<std::string> &notes);

/// Importer.cpp's spelling of names and numbers in a spec.
std::string specIdentifier(llvm::StringRef text);
std::string specReal(double value, bool float32);

} // namespace loom

#endif // LOOM_TOOLS_FAMILYIMPORT_H
