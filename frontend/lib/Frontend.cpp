//===- Frontend.cpp - Parse a .loom spec into an ArchSpec ----------------===//
//
// Reads the main file and, depth-first, the files it imports; registers
// their architectures in reading order (imports first) so that `extends` can
// only refer backwards; then resolves every architecture of the main file.
//
//===----------------------------------------------------------------------===//
#include "loom/Frontend/Frontend.h"

#include "Diagnostics.h"
#include "Parser.h"
#include "Sema.h"
#include "SourceText.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

using namespace llvm;

namespace loom {
namespace {

using frontend::ArchitectureRegistry;
using frontend::DiagnosticEmitter;

class SpecLoader {
public:
  SpecLoader(SourceMgr &sm, DiagnosticEmitter &diags) : sm(sm), diags(diags) {}

  /// Records the main file so that importing it again is a no-op.
  void markLoaded(StringRef path);
  /// Parses buffer `bufferId` and everything it imports.
  const ast::SpecFile &load(unsigned bufferId, unsigned depth);

  const ArchitectureRegistry &getRegistry() const { return registry; }

private:
  void loadImport(const ast::Import &import, unsigned importer, unsigned depth);

  SourceMgr &sm;
  DiagnosticEmitter &diags;
  ArchitectureRegistry registry;
  std::vector<std::unique_ptr<ast::SpecFile>> files;
  /// Real paths of the files read; a file imported twice (or in a cycle) is
  /// read once.
  StringSet<> loaded;
};

} // namespace

void SpecLoader::markLoaded(StringRef path) {
  SmallString<256> real;
  if (!sys::fs::real_path(path, real))
    loaded.insert(real);
}

const ast::SpecFile &SpecLoader::load(unsigned bufferId, unsigned depth) {
  if (!frontend::checkSourceText(sm, bufferId, diags))
    return *files.emplace_back(std::make_unique<ast::SpecFile>());
  const ast::SpecFile &file = *files.emplace_back(frontend::parseBuffer(sm, bufferId, diags));
  for (const ast::Import &import : file.imports)
    loadImport(import, bufferId, depth);
  for (const auto &arch : file.architectures)
    registry.add(*arch, diags);
  return file;
}

void SpecLoader::loadImport(const ast::Import &import, unsigned importer, unsigned depth) {
  if (depth + 1 > frontend::kMaxNesting) {
    diags.error(import.range.Start,
                "imports are nested too deeply (the limit is " + Twine(frontend::kMaxNesting) + " files)",
                import.range);
    return;
  }
  SmallString<256> path(import.path);
  if (sys::path::is_relative(path)) {
    path = sys::path::parent_path(sm.getMemoryBuffer(importer)->getBufferIdentifier());
    sys::path::append(path, import.path);
  }
  auto fail = [&](const Twine &why) {
    diags.error(import.range.Start, "cannot import '" + import.path + "': " + why, import.range);
  };
  // Only regular files: reading a FIFO or a device could block forever.
  sys::fs::file_status status;
  if (std::error_code ec = sys::fs::status(path, status))
    return fail(ec.message());
  if (!sys::fs::is_regular_file(status))
    return fail("not a regular file");

  SmallString<256> real;
  if (!sys::fs::real_path(path, real) && !loaded.insert(real).second)
    return;
  ErrorOr<std::unique_ptr<MemoryBuffer>> buffer = MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return fail(buffer.getError().message());
  unsigned bufferId = sm.AddNewSourceBuffer(std::move(*buffer), import.range.Start);
  load(bufferId, depth + 1);
}

/// Loads buffer `bufferId` (the main file), selects the architecture asked
/// for, and resolves it along with the rest of the main file.
static std::optional<ArchSpec> parseAndResolve(unsigned bufferId, SourceMgr &sm, const FrontendOptions &opts) {
  DiagnosticEmitter diags(sm);
  SpecLoader loader(sm, diags);
  StringRef name = sm.getMemoryBuffer(bufferId)->getBufferIdentifier();
  loader.markLoaded(name);
  const ast::SpecFile &main = loader.load(bufferId, 0);
  // Semantic errors after syntax errors are mostly noise.
  if (diags.errorCount() != 0)
    return std::nullopt;

  const ArchitectureRegistry &registry = loader.getRegistry();
  const ast::Architecture *selected = nullptr;
  if (opts.architecture.empty()) {
    if (main.architectures.empty()) {
      diags.error(SMLoc::getFromPointer(sm.getMemoryBuffer(bufferId)->getBufferStart()),
                  "'" + name + "' defines no architecture");
      return std::nullopt;
    }
    selected = main.architectures.back().get();
  } else {
    selected = registry.find(opts.architecture);
    if (!selected) {
      SmallVector<StringRef> names = registry.names();
      diags.error(SMLoc(), "no architecture named '" + opts.architecture + "' in '" + name + "'" +
                               frontend::didYouMean(opts.architecture, names) + " (it defines " +
                               join(names, ", ") + ")");
      return std::nullopt;
    }
  }

  std::optional<ArchSpec> result;
  bool selectedIsMain = false;
  for (const auto &arch : main.architectures) {
    std::optional<ArchSpec> spec = frontend::resolveArchitecture(*arch, registry, diags);
    if (arch.get() == selected) {
      result = std::move(spec);
      selectedIsMain = true;
    }
  }
  if (!selectedIsMain)
    result = frontend::resolveArchitecture(*selected, registry, diags);
  if (diags.errorCount() != 0)
    return std::nullopt;
  return result;
}

std::optional<ArchSpec> parseSpecFile(StringRef path, SourceMgr &sm, const FrontendOptions &opts) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buffer = MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/true);
  if (!buffer) {
    sm.PrintMessage(SMLoc(), SourceMgr::DK_Error, "cannot open '" + path + "': " + buffer.getError().message());
    return std::nullopt;
  }
  unsigned bufferId = sm.AddNewSourceBuffer(std::move(*buffer), SMLoc());
  return parseAndResolve(bufferId, sm, opts);
}

std::optional<ArchSpec> parseSpecBuffer(StringRef source, StringRef bufferName, SourceMgr &sm,
                                        const FrontendOptions &opts) {
  unsigned bufferId = sm.AddNewSourceBuffer(MemoryBuffer::getMemBufferCopy(source, bufferName), SMLoc());
  return parseAndResolve(bufferId, sm, opts);
}

} // namespace loom
