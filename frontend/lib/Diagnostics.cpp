//===- Diagnostics.cpp - Error reporting for the spec frontend -----------===//
#include "Diagnostics.h"

#include "llvm/ADT/STLExtras.h"

#include <functional>

using namespace llvm;

namespace loom::frontend {

bool DiagnosticEmitter::emit(SMLoc loc, SourceMgr::DiagKind kind, const Twine &message,
                             ArrayRef<SMRange> ranges) {
  std::string text = message.str();
  if (!printed.insert({loc.getPointer(), text}).second)
    return false;
  sm.PrintMessage(loc, kind, text, ranges);
  return true;
}

void DiagnosticEmitter::error(SMLoc loc, const Twine &message, ArrayRef<SMRange> ranges) {
  ++errors;
  if (reachedErrorLimit()) {
    lastDropped = true;
    return;
  }
  lastDropped = !emit(loc, SourceMgr::DK_Error, message, ranges);
  if (lastDropped)
    return;
  ++printedErrors;
  for (const Context &context : llvm::reverse(contexts))
    if (!contains(context.scope, loc))
      sm.PrintMessage(context.noteLoc, SourceMgr::DK_Note, context.message);
  if (reachedErrorLimit())
    sm.PrintMessage(SMLoc(), SourceMgr::DK_Note,
                    "too many errors (" + Twine(errorLimit) + "); stopping here");
}

void DiagnosticEmitter::warning(SMLoc loc, const Twine &message, ArrayRef<SMRange> ranges) {
  lastDropped = reachedErrorLimit() || !emit(loc, SourceMgr::DK_Warning, message, ranges);
}

void DiagnosticEmitter::note(SMLoc loc, const Twine &message, ArrayRef<SMRange> ranges) {
  if (!lastDropped)
    sm.PrintMessage(loc, SourceMgr::DK_Note, message, ranges);
}

DiagnosticEmitter::ContextScope::ContextScope(DiagnosticEmitter &diags, SMRange scope, SMLoc noteLoc,
                                              std::string message)
    : diags(diags) {
  diags.contexts.push_back({scope, noteLoc, std::move(message)});
}

DiagnosticEmitter::ContextScope::~ContextScope() { diags.contexts.pop_back(); }

std::string didYouMean(StringRef name, ArrayRef<StringRef> candidates) {
  // Very short names are close to too many others for a guess to help.
  if (name.size() < 3)
    return std::string();
  // Allow one edit per three characters, rounded up.
  unsigned best = (name.size() + 2) / 3 + 1;
  StringRef closest;
  for (StringRef candidate : candidates) {
    unsigned distance = name.edit_distance(candidate, /*AllowReplacements=*/true, best);
    if (distance < best && candidate != name) {
      best = distance;
      closest = candidate;
    }
  }
  return closest.empty() ? std::string() : ("; did you mean '" + closest + "'?").str();
}

bool contains(SMRange range, SMLoc loc) {
  // Locations of different buffers are unrelated pointers; std::less still
  // orders them totally, and a location in another buffer is never inside.
  std::less<const char *> before;
  return range.isValid() && loc.isValid() && !before(loc.getPointer(), range.Start.getPointer()) &&
         before(loc.getPointer(), range.End.getPointer());
}

SourceLoc toSourceLoc(const SourceMgr &sm, SMLoc loc) {
  SourceLoc result;
  if (!loc.isValid())
    return result;
  unsigned buffer = sm.FindBufferContainingLoc(loc);
  if (buffer == 0)
    return result;
  result.file = sm.getMemoryBuffer(buffer)->getBufferIdentifier().str();
  std::tie(result.line, result.column) = sm.getLineAndColumn(loc, buffer);
  return result;
}

} // namespace loom::frontend
