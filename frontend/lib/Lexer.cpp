//===- Lexer.cpp - Tokens of the Loom spec language ----------------------===//
#include "Lexer.h"

#include "Diagnostics.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cctype>

using namespace llvm;

namespace loom::frontend {

static bool isIdentifierStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
static bool isIdentifierBody(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
static bool isDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)); }

Token Lexer::lex() {
  while (cur != end) {
    const char *start = cur;
    char c = *cur++;
    switch (c) {
    case ' ':
    case '\t':
    case '\r':
      continue;
    case '\n':
      return make(Token::Newline, start);
    case '{':
      return make(Token::LBrace, start);
    case '}':
      return make(Token::RBrace, start);
    case '(':
      return make(Token::LParen, start);
    case ')':
      return make(Token::RParen, start);
    case ',':
      return make(Token::Comma, start);
    case ';':
      return make(Token::Semicolon, start);
    case '+':
      return make(Token::Plus, start);
    case '-':
      return make(Token::Minus, start);
    case '%':
      return make(Token::Percent, start);
    case '*':
      if (cur != end && *cur == '*') {
        ++cur;
        return make(Token::StarStar, start);
      }
      return make(Token::Star, start);
    case '=':
      if (cur != end && *cur == '=') {
        ++cur;
        return make(Token::EqualEqual, start);
      }
      return make(Token::Equal, start);
    case '<':
      if (cur != end && *cur == '=') {
        ++cur;
        return make(Token::LessEqual, start);
      }
      return make(Token::Less, start);
    case '>':
      if (cur != end && *cur == '=') {
        ++cur;
        return make(Token::GreaterEqual, start);
      }
      return make(Token::Greater, start);
    case '!':
      if (cur != end && *cur == '=') {
        ++cur;
        return make(Token::BangEqual, start);
      }
      diags.error(SMLoc::getFromPointer(start), "unexpected character '!'; logical negation is written 'not'");
      return make(Token::Error, start);
    case '.':
      if (cur != end && *cur == '.') {
        ++cur;
        return make(Token::DotDot, start);
      }
      break;
    case '"':
      return lexString(start);
    case '/':
      if (cur != end && *cur == '/') {
        while (cur != end && *cur != '\n')
          ++cur;
        continue;
      }
      if (cur != end && *cur == '*') {
        Token result;
        if (skipBlockComment(start, result))
          return result;
        continue;
      }
      return make(Token::Slash, start);
    default:
      if (isIdentifierStart(c))
        return lexIdentifier(start);
      if (isDigit(c))
        return lexNumber(start);
      break;
    }

    std::string message;
    raw_string_ostream os(message);
    if (std::isprint(static_cast<unsigned char>(c)))
      os << "unexpected character '" << c << "'";
    else
      os << "unexpected byte " << format_hex(static_cast<unsigned char>(c), 4);
    diags.error(SMLoc::getFromPointer(start), message);
    return make(Token::Error, start);
  }
  return make(Token::Eof, cur);
}

Token Lexer::lexIdentifier(const char *start) {
  while (cur != end && isIdentifierBody(*cur))
    ++cur;
  StringRef text(start, cur - start);
  Token::Kind kind = StringSwitch<Token::Kind>(text)
                         .Case("architecture", Token::KwArchitecture)
                         .Case("extends", Token::KwExtends)
                         .Case("import", Token::KwImport)
                         .Case("block", Token::KwBlock)
                         .Case("layers", Token::KwLayers)
                         .Case("true", Token::KwTrue)
                         .Case("false", Token::KwFalse)
                         .Case("and", Token::KwAnd)
                         .Case("or", Token::KwOr)
                         .Case("not", Token::KwNot)
                         .Default(Token::Identifier);
  return make(kind, start);
}

Token Lexer::lexNumber(const char *start) {
  Token::Kind kind = Token::Integer;
  while (cur != end && isDigit(*cur))
    ++cur;
  // A fraction needs a digit after the dot, so that `0..2` lexes as a range.
  if (cur + 1 < end && *cur == '.' && isDigit(cur[1])) {
    kind = Token::Float;
    cur += 2;
    while (cur != end && isDigit(*cur))
      ++cur;
  }
  if (cur != end && (*cur == 'e' || *cur == 'E')) {
    const char *digits = cur + 1;
    if (digits != end && (*digits == '+' || *digits == '-'))
      ++digits;
    if (digits != end && isDigit(*digits)) {
      kind = Token::Float;
      cur = digits;
      while (cur != end && isDigit(*cur))
        ++cur;
    }
  }
  if (cur != end && isIdentifierBody(*cur)) {
    const char *suffix = cur;
    while (cur != end && isIdentifierBody(*cur))
      ++cur;
    diags.error(SMLoc::getFromPointer(suffix),
                "invalid suffix '" + StringRef(suffix, cur - suffix) + "' on number '" +
                    StringRef(start, suffix - start) + "'",
                SMRange(SMLoc::getFromPointer(suffix), SMLoc::getFromPointer(cur)));
    return make(Token::Error, start);
  }
  return make(kind, start);
}

Token Lexer::lexString(const char *start) {
  while (cur != end && *cur != '"' && *cur != '\n')
    ++cur;
  if (cur == end || *cur != '"') {
    diags.error(SMLoc::getFromPointer(start), "unterminated string literal");
    return make(Token::Error, start);
  }
  ++cur;
  return make(Token::String, start);
}

bool Lexer::skipBlockComment(const char *start, Token &result) {
  ++cur; // the '*' of "/*"
  bool spansLines = false;
  while (cur != end) {
    if (*cur == '*' && cur + 1 != end && cur[1] == '/') {
      cur += 2;
      if (!spansLines)
        return false;
      result = make(Token::Newline, start);
      return true;
    }
    spansLines |= *cur == '\n';
    ++cur;
  }
  diags.error(SMLoc::getFromPointer(start), "unterminated block comment",
              SMRange(SMLoc::getFromPointer(start), SMLoc::getFromPointer(start + 2)));
  result = make(Token::Error, start);
  return true;
}

} // namespace loom::frontend
