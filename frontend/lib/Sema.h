//===- Sema.h - Resolution of architectures into ArchSpecs -----*- C++ -*-===//
//
// Semantic analysis of one architecture: merge the definitions along its
// `extends` chain, evaluate every key, check the reserved keys, apply the
// `layers` rules and check each layer's residual block against the
// components bound for that layer.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_FRONTEND_LIB_SEMA_H
#define LOOM_FRONTEND_LIB_SEMA_H

#include "AST.h"

#include "loom/Frontend/ArchSpec.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"

#include <optional>
#include <vector>

namespace loom::frontend {

class DiagnosticEmitter;

/// The architectures of the main file and of everything it imports, in the
/// order they were read; an architecture can only extend an earlier one,
/// which rules out inheritance cycles.
class ArchitectureRegistry {
public:
  /// Adds `arch`, or reports a redefinition if its name is taken.
  void add(const ast::Architecture &arch, DiagnosticEmitter &diags);
  const ast::Architecture *find(llvm::StringRef name) const;
  /// Position of `arch` in reading order.
  unsigned order(const ast::Architecture &arch) const { return orders.lookup(&arch); }
  /// Names of all architectures, in reading order.
  llvm::SmallVector<llvm::StringRef> names() const;

private:
  llvm::StringMap<const ast::Architecture *> byName;
  llvm::DenseMap<const ast::Architecture *, unsigned> orders;
  std::vector<const ast::Architecture *> ordered;
};

/// Resolves `arch` into an ArchSpec. Reports every problem found and returns
/// nothing if there was any error.
std::optional<ArchSpec> resolveArchitecture(const ast::Architecture &arch, const ArchitectureRegistry &registry,
                                            DiagnosticEmitter &diags);

} // namespace loom::frontend

#endif // LOOM_FRONTEND_LIB_SEMA_H
