//===- Parser.h - Recursive-descent parser for spec files ------*- C++ -*-===//
#ifndef LOOM_FRONTEND_LIB_PARSER_H
#define LOOM_FRONTEND_LIB_PARSER_H

#include "AST.h"

#include <memory>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace loom::frontend {

class DiagnosticEmitter;

/// Parses buffer `bufferId` of `sm`. Syntax errors are reported through
/// `diags`; the parser recovers at statement boundaries, so one run reports
/// many of them. The result holds every declaration that parsed, and is only
/// meaningful for semantic analysis if no error was reported.
std::unique_ptr<ast::SpecFile> parseBuffer(const llvm::SourceMgr &sm, unsigned bufferId,
                                           DiagnosticEmitter &diags);

} // namespace loom::frontend

#endif // LOOM_FRONTEND_LIB_PARSER_H
