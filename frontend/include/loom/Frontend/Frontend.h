//===- Frontend.h - Parse a .loom spec into an ArchSpec --------*- C++ -*-===//
//
// The entry points of the frontend. Diagnostics go through the SourceMgr
// (`SourceMgr::PrintMessage`, or its diagnostic handler if one is set), read
// `file:line:col: error: message` followed by the source line and a caret,
// and several are reported per run.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_FRONTEND_FRONTEND_H
#define LOOM_FRONTEND_FRONTEND_H

#include "loom/Frontend/ArchSpec.h"

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace loom {

struct FrontendOptions {
  /// The architecture to return when the file defines several. Empty means
  /// the last one defined in the file itself (not in one it imports).
  std::string architecture;
};

/// Parses and resolves the spec file at `path` ("-" reads stdin), together
/// with the files it imports (paths relative to the importing file). Every
/// architecture of the file is checked, not only the one returned. Returns
/// nothing if any error was reported; warnings do not fail.
std::optional<ArchSpec> parseSpecFile(llvm::StringRef path, llvm::SourceMgr &sm, const FrontendOptions &opts = {});

/// Like parseSpecFile, for an in-memory spec; `bufferName` names it in
/// diagnostics, and its directory is where relative imports are looked up.
std::optional<ArchSpec> parseSpecBuffer(llvm::StringRef source, llvm::StringRef bufferName, llvm::SourceMgr &sm,
                                        const FrontendOptions &opts = {});

/// A short multi-line summary: the name and dimensions, then one line per
/// run of consecutive layers with identical components, e.g.
/// `layers 0-27: attn_norm RMSNorm | attention GQA 16/8x128 ...`.
std::string describeArchSpec(const ArchSpec &spec);

} // namespace loom

#endif // LOOM_FRONTEND_FRONTEND_H
