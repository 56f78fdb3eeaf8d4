//===- SpecCompiler.h - Spec to artifacts, shared by the commands -*- C++ -*-===//
#ifndef LOOM_TOOLS_SPECCOMPILER_H
#define LOOM_TOOLS_SPECCOMPILER_H

#include "loom/Codegen/Pipeline.h"
#include "loom/Codegen/Target.h"
#include "loom/Frontend/ArchSpec.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/SourceMgr.h"

#include <optional>
#include <string>

namespace loom {

enum class EmitKind { LoomMLIR, LoweredMLIR, LLVM, Asm, Obj, SharedLibrary };

struct CompileRequest {
  std::string specPath;
  std::string architecture; // empty: the last one in the file
  TargetSpec target;
  PipelineOptions pipeline;
  /// Print DSL source locations with MLIR output.
  bool printLocations = false;
};

/// Parsing state that must outlive the IR (locations point into the source).
class SpecSession {
public:
  SpecSession();
  /// Parses and checks the spec; diagnostics go to stderr.
  llvm::Expected<const ArchSpec *> parse(const std::string &path, const std::string &architecture);
  /// Builds the loom IR of the parsed spec.
  llvm::Expected<mlir::ModuleOp> buildIR();
  mlir::MLIRContext &context() { return mlirContext; }

private:
  llvm::SourceMgr sourceMgr;
  mlir::MLIRContext mlirContext;
  std::unique_ptr<mlir::SourceMgrDiagnosticHandler> diagnostics;
  std::optional<ArchSpec> spec;
  mlir::OwningOpRef<mlir::ModuleOp> module;
};

/// Compiles request.specPath to `output` as `kind`. For a shared library it
/// also writes `<output minus .so>.h` and `<output minus .so>.manifest.json`.
llvm::Error compileSpec(const CompileRequest &request, EmitKind kind, const std::string &output);

/// $LOOM_CACHE_DIR/loom, or the user's cache directory's loom/ (created).
llvm::Expected<std::string> cacheDirectory();

/// A library path for `specOrLibrary`: itself if it is a shared library, or a
/// library compiled from the spec into the cache directory (reused while the
/// spec and the `loom` binary are unchanged).
llvm::Expected<std::string> resolveModelLibrary(const std::string &specOrLibrary, const std::string &architecture,
                                                const std::string &numerics = "fast");

} // namespace loom

#endif // LOOM_TOOLS_SPECCOMPILER_H
