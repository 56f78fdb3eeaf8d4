//===- Lexer.h - Tokens of the Loom spec language --------------*- C++ -*-===//
//
// A streaming lexer over one SourceMgr buffer. Newlines are tokens because
// they separate statements; the parser ignores them inside parentheses.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_FRONTEND_LIB_LEXER_H
#define LOOM_FRONTEND_LIB_LEXER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"

#include <cstdint>

namespace loom::frontend {

class DiagnosticEmitter;

struct Token {
  enum Kind : uint8_t {
    Eof,
    Newline,
    /// Malformed input; the lexer has already reported it.
    Error,
    Identifier,
    Integer,
    Float,
    String,
    // Keywords. `where`, `every` and `offset` are only special after
    // `layers`, so they stay identifiers and remain usable as key names.
    KwArchitecture,
    KwExtends,
    KwImport,
    KwBlock,
    KwLayers,
    KwTrue,
    KwFalse,
    KwAnd,
    KwOr,
    KwNot,
    // Punctuation.
    LBrace,
    RBrace,
    LParen,
    RParen,
    Comma,
    Semicolon,
    Equal,
    Plus,
    Minus,
    Star,
    StarStar,
    Slash,
    Percent,
    EqualEqual,
    BangEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    DotDot,
  };

  Kind kind = Eof;
  /// The token's text in the buffer; a newline token inside a multi-line
  /// block comment spells the whole comment.
  llvm::StringRef spelling;

  bool is(Kind k) const { return kind == k; }
  llvm::SMLoc getLoc() const { return llvm::SMLoc::getFromPointer(spelling.data()); }
  llvm::SMLoc getEndLoc() const { return llvm::SMLoc::getFromPointer(spelling.data() + spelling.size()); }
  llvm::SMRange getRange() const { return {getLoc(), getEndLoc()}; }
};

class Lexer {
public:
  Lexer(llvm::StringRef buffer, DiagnosticEmitter &diags)
      : cur(buffer.begin()), end(buffer.end()), diags(diags) {}

  /// Returns the next token; at the end of the buffer, Eof forever.
  Token lex();

private:
  Token make(Token::Kind kind, const char *start) const { return {kind, llvm::StringRef(start, cur - start)}; }
  Token lexIdentifier(const char *start);
  Token lexNumber(const char *start);
  Token lexString(const char *start);
  /// Skips the block comment whose `/*` is at `start`. If it spans lines it
  /// separates statements like a line break: sets `result` to a Newline and
  /// returns true. An unterminated comment is reported and yields an Error
  /// token. Otherwise the comment is plain whitespace: returns false.
  bool skipBlockComment(const char *start, Token &result);

  const char *cur;
  const char *end;
  DiagnosticEmitter &diags;
};

} // namespace loom::frontend

#endif // LOOM_FRONTEND_LIB_LEXER_H
