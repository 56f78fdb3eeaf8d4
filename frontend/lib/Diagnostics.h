//===- Diagnostics.h - Error reporting for the spec frontend ---*- C++ -*-===//
//
// Every phase of the frontend reports through one DiagnosticEmitter, which
// forwards to llvm::SourceMgr::PrintMessage (so messages read
// `file:line:col: error: ...` with the source line and a caret; a quoted line
// shows control bytes and invalid UTF-8 as '?'), drops exact repeats, and
// stops printing after a fixed number of errors.
//
// Repeats are expected rather than accidental: an architecture that extends
// another re-evaluates the inherited definitions, and per-layer checks run
// once per layer, so the same problem at the same place would otherwise be
// printed many times.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_FRONTEND_LIB_DIAGNOSTICS_H
#define LOOM_FRONTEND_LIB_DIAGNOSTICS_H

#include "loom/Frontend/ArchSpec.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/SMLoc.h"
#include "llvm/Support/SourceMgr.h"

#include <set>
#include <string>
#include <utility>

namespace loom::frontend {

/// Limit on expression, block and import nesting. Deeper input is rejected
/// with an error instead of overflowing the stack of the recursive-descent
/// parser and of the tree walkers that follow it.
inline constexpr unsigned kMaxNesting = 200;

class DiagnosticEmitter {
public:
  explicit DiagnosticEmitter(llvm::SourceMgr &sm, unsigned errorLimit = 20)
      : sm(sm), errorLimit(errorLimit) {}

  void error(llvm::SMLoc loc, const llvm::Twine &message, llvm::ArrayRef<llvm::SMRange> ranges = {});
  void warning(llvm::SMLoc loc, const llvm::Twine &message, llvm::ArrayRef<llvm::SMRange> ranges = {});
  /// Attaches to the preceding error or warning, and is dropped with it.
  void note(llvm::SMLoc loc, const llvm::Twine &message, llvm::ArrayRef<llvm::SMRange> ranges = {});

  /// Errors reported so far, including ones dropped as repeats.
  unsigned errorCount() const { return errors; }
  /// True once the error limit is reached; parsing stops early then.
  bool reachedErrorLimit() const { return printedErrors >= errorLimit; }

  /// While a ContextScope is alive, every error located outside `scope` is
  /// followed by `message` as a note at `noteLoc`. Sema uses it to say which
  /// derived architecture or component copy made inherited text invalid.
  class ContextScope {
  public:
    ContextScope(DiagnosticEmitter &diags, llvm::SMRange scope, llvm::SMLoc noteLoc, std::string message);
    ~ContextScope();
    ContextScope(const ContextScope &) = delete;
    ContextScope &operator=(const ContextScope &) = delete;

  private:
    DiagnosticEmitter &diags;
  };

  const llvm::SourceMgr &getSourceMgr() const { return sm; }

private:
  struct Context {
    llvm::SMRange scope;
    llvm::SMLoc noteLoc;
    std::string message;
  };

  /// Prints the diagnostic unless it repeats an earlier one; returns whether
  /// it was printed.
  bool emit(llvm::SMLoc loc, llvm::SourceMgr::DiagKind kind, const llvm::Twine &message,
            llvm::ArrayRef<llvm::SMRange> ranges);

  llvm::SourceMgr &sm;
  unsigned errorLimit;
  unsigned errors = 0;
  unsigned printedErrors = 0;
  bool lastDropped = false;
  std::set<std::pair<const char *, std::string>> printed;
  llvm::SmallVector<Context, 4> contexts;
};

/// "; did you mean 'x'?" naming the candidate closest to the misspelled
/// `name`, or an empty string if none is close enough to be a likely typo.
std::string didYouMean(llvm::StringRef name, llvm::ArrayRef<llvm::StringRef> candidates);

/// True if `loc` lies within `range` (end exclusive).
bool contains(llvm::SMRange range, llvm::SMLoc loc);

/// The file, line and column of `loc`, for the ArchSpec.
SourceLoc toSourceLoc(const llvm::SourceMgr &sm, llvm::SMLoc loc);

} // namespace loom::frontend

#endif // LOOM_FRONTEND_LIB_DIAGNOSTICS_H
