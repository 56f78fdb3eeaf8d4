//===- Diagnostics.cpp - Error reporting for the spec frontend -----------===//
#include "Diagnostics.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <functional>

using namespace llvm;

namespace loom::frontend {

/// Longest source line quoted in full; longer ones are cut a little after the
/// column reported (a binary file can be one "line" of megabytes).
static constexpr size_t kMaxQuotedLine = 160;

/// `diag` with its quoted source line fit for a terminal: control bytes and
/// invalid UTF-8 become '?' byte for byte (so the caret stays aligned), and a
/// very long line is cut.
static SMDiagnostic printable(const SourceMgr &sm, const SMDiagnostic &diag) {
  StringRef line = diag.getLineContents();
  std::string shown;
  shown.reserve(line.size());
  for (size_t i = 0; i < line.size();) {
    auto byte = static_cast<unsigned char>(line[i]);
    size_t length = getNumBytesForUTF8(byte);
    const auto *start = reinterpret_cast<const UTF8 *>(line.data() + i);
    if (byte >= 0x80 && i + length <= line.size() && isLegalUTF8Sequence(start, start + length)) {
      shown.append(line.data() + i, length);
      i += length;
      continue;
    }
    shown += byte == '\t' || (byte >= 0x20 && byte < 0x7f) ? char(byte) : '?';
    ++i;
  }
  size_t column = diag.getColumnNo() < 0 ? 0 : size_t(diag.getColumnNo());
  if (shown.size() > kMaxQuotedLine)
    shown.resize(std::min(shown.size(), std::max(kMaxQuotedLine, column + 40)));
  if (shown == line)
    return diag;
  // SMDiagnostic::print does not clamp ranges to the line it is given.
  SmallVector<std::pair<unsigned, unsigned>, 4> ranges;
  for (std::pair<unsigned, unsigned> range : diag.getRanges())
    ranges.push_back({std::min<unsigned>(range.first, shown.size()), std::min<unsigned>(range.second, shown.size())});
  return SMDiagnostic(sm, diag.getLoc(), diag.getFilename(), diag.getLineNo(), diag.getColumnNo(), diag.getKind(),
                      diag.getMessage(), shown, ranges, diag.getFixIts());
}

bool DiagnosticEmitter::emit(SMLoc loc, SourceMgr::DiagKind kind, const Twine &message,
                             ArrayRef<SMRange> ranges) {
  std::string text = message.str();
  if (!printed.insert({loc.getPointer(), text}).second)
    return false;
  sm.PrintMessage(errs(), printable(sm, sm.GetMessage(loc, kind, text, ranges)));
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
    sm.PrintMessage(errs(), printable(sm, sm.GetMessage(loc, SourceMgr::DK_Note, message.str(), ranges)));
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
