//===- SourceText.h - Rejecting spec buffers that are not text ---*- C++ -*-===//
//
// A .loom spec is UTF-8 text. A buffer holding a NUL byte or invalid UTF-8
// is binary data (a weights file given where a spec belongs, a corrupted
// download), and the lexer would report every stray byte separately. One
// error, located at the first bad byte, says what is wrong instead.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_FRONTEND_LIB_SOURCETEXT_H
#define LOOM_FRONTEND_LIB_SOURCETEXT_H

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace loom::frontend {

class DiagnosticEmitter;

/// Reports the first NUL byte or invalid UTF-8 sequence of buffer `bufferId`
/// as an error at its line and column; returns whether the buffer is text.
bool checkSourceText(const llvm::SourceMgr &sm, unsigned bufferId, DiagnosticEmitter &diags);

} // namespace loom::frontend

#endif // LOOM_FRONTEND_LIB_SOURCETEXT_H
