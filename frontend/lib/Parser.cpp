//===- Parser.cpp - Recursive-descent parser for spec files --------------===//
//
// Statements end at a newline or `;`. Inside parentheses newlines are
// insignificant (consume() skips them while parenDepth > 0), and a newline
// may follow a binary operator, so long constructor calls and expressions
// can span lines.
//
// Error recovery works per statement: a statement that fails to parse is
// skipped up to the next separator outside parentheses and braces, or up to
// the brace closing the enclosing body.
//
//===----------------------------------------------------------------------===//
#include "Parser.h"

#include "Diagnostics.h"
#include "Lexer.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/SourceMgr.h"

#include <cmath>
#include <optional>

using namespace llvm;

namespace loom::frontend {
namespace {

class Parser {
public:
  Parser(const SourceMgr &sm, unsigned bufferId, DiagnosticEmitter &diags)
      : lexer(sm.getMemoryBuffer(bufferId)->getBuffer(), diags), diags(diags) {
    tok = lexer.lex();
  }

  std::unique_ptr<ast::SpecFile> parseFile(unsigned bufferId);

private:
  /// Counts the recursion depth of the expression parsers; reports an error
  /// and converts to false once the depth exceeds kMaxNesting.
  class NestingGuard {
  public:
    explicit NestingGuard(Parser &parser) : parser(parser) {
      ok = ++parser.nesting <= kMaxNesting;
      if (!ok)
        parser.diags.error(parser.tok.getLoc(), "expression is nested too deeply (the limit is " +
                                                    Twine(kMaxNesting) + " levels)");
    }
    ~NestingGuard() { --parser.nesting; }
    explicit operator bool() const { return ok; }

  private:
    Parser &parser;
    bool ok;
  };

  //===--- Tokens ----------------------------------------------------------===//

  void consume();
  bool isIdentifier(StringRef text) const { return tok.is(Token::Identifier) && tok.spelling == text; }
  /// Reports "expected <what>, found <token>". Malformed tokens were already
  /// reported by the lexer, so they are not reported again.
  void errorExpected(const Twine &what);
  /// Consumes a token of `kind`, or reports that `what` was expected.
  bool expect(Token::Kind kind, const Twine &what);
  /// Skips empty statements: newlines and semicolons.
  void skipSeparators();
  /// Lets a newline follow a binary operator.
  void skipLineBreaks();
  bool atStatementEnd() const;
  /// Skips the rest of a statement that failed to parse.
  void recoverStatement();
  /// Skips to the next `architecture` or `import` at the top level.
  void recoverTopLevel();
  /// Parses `{ statement* }` calling `parseStatement` at the start of each
  /// statement; `what` names the construct for a missing `}`. Returns the
  /// range from the opening to the closing brace if both are present.
  std::optional<SMRange> parseBraced(const Twine &what, function_ref<bool()> parseStatement);

  //===--- Declarations ----------------------------------------------------===//

  bool parseImport(ast::SpecFile &file);
  std::unique_ptr<ast::Architecture> parseArchitecture();
  bool parseArchitectureStatement(ast::Architecture &arch);
  bool parseBinding(std::vector<ast::Binding> &bindings);
  std::unique_ptr<ast::Block> parseBlock();
  bool parseLayerRule(std::vector<ast::LayerRule> &rules);
  bool parseLayerSelector(ast::LayerRule &rule);
  bool parseLayerRuleStatement(ast::LayerRule &rule);

  //===--- Constant expressions -------------------------------------------===//

  ast::ExprPtr parseExpr();
  ast::ExprPtr parseOr();
  ast::ExprPtr parseAnd();
  ast::ExprPtr parseNot();
  ast::ExprPtr parseComparison();
  ast::ExprPtr parseAdditive();
  ast::ExprPtr parseMultiplicative();
  ast::ExprPtr parseUnary();
  ast::ExprPtr parsePower();
  ast::ExprPtr parsePrimary();
  ast::ExprPtr parseCall(StringRef callee, SMRange calleeRange);
  ast::ExprPtr makeBinary(SMLoc opLoc, ast::BinaryOp op, ast::ExprPtr lhs, ast::ExprPtr rhs);
  /// Rejects trees taller than kMaxNesting; left-associative chains such as
  /// `1 + 1 + ... + 1` grow tall without deep parser recursion.
  template <typename Node>
  std::unique_ptr<Node> checkHeight(std::unique_ptr<Node> node, unsigned height, SMLoc loc);

  //===--- Block expressions ----------------------------------------------===//

  bool parseBlockStatement(ast::Block &block);
  std::unique_ptr<ast::BlockExpr> parseBlockExpr();
  std::unique_ptr<ast::BlockExpr> parseBlockTerm();

  Lexer lexer;
  DiagnosticEmitter &diags;
  Token tok;
  /// End and kind of the last consumed token other than a newline.
  SMLoc prevEnd;
  Token::Kind prevKind = Token::Eof;
  /// Whether a body left open at the end of the file was reported.
  bool reportedEof = false;
  /// Parentheses open in the current statement.
  unsigned parenDepth = 0;
  unsigned nesting = 0;
};

} // namespace

//===----------------------------------------------------------------------===//
// Tokens
//===----------------------------------------------------------------------===//

static std::string describe(const Token &tok) {
  switch (tok.kind) {
  case Token::Eof:
    return "end of file";
  case Token::Newline:
    return "end of line";
  default:
    return ("'" + tok.spelling + "'").str();
  }
}

void Parser::consume() {
  if (tok.is(Token::Eof))
    return;
  if (tok.is(Token::LParen))
    ++parenDepth;
  else if (tok.is(Token::RParen) && parenDepth > 0)
    --parenDepth;
  // Ranges and end-of-file diagnostics end at the last visible token.
  if (!tok.is(Token::Newline)) {
    prevEnd = tok.getEndLoc();
    prevKind = tok.kind;
  }
  do
    tok = lexer.lex();
  while (parenDepth > 0 && tok.is(Token::Newline));
}

void Parser::errorExpected(const Twine &what) {
  if (!tok.is(Token::Error))
    diags.error(tok.getLoc(), "expected " + what + ", found " + describe(tok), tok.getRange());
}

bool Parser::expect(Token::Kind kind, const Twine &what) {
  if (tok.is(kind)) {
    consume();
    return true;
  }
  errorExpected(what);
  return false;
}

void Parser::skipSeparators() {
  while (tok.is(Token::Newline) || tok.is(Token::Semicolon))
    consume();
}

void Parser::skipLineBreaks() {
  while (tok.is(Token::Newline))
    consume();
}

bool Parser::atStatementEnd() const {
  return tok.is(Token::Newline) || tok.is(Token::Semicolon) || tok.is(Token::RBrace) || tok.is(Token::Eof);
}

void Parser::recoverStatement() {
  unsigned braces = 0;
  while (!tok.is(Token::Eof)) {
    if (tok.is(Token::Semicolon) && braces == 0)
      break;
    if (tok.is(Token::Newline) && braces == 0 && parenDepth == 0)
      break;
    if (tok.is(Token::LBrace)) {
      ++braces;
    } else if (tok.is(Token::RBrace)) {
      if (braces == 0)
        break;
      --braces;
    }
    consume();
  }
  parenDepth = 0;
}

void Parser::recoverTopLevel() {
  unsigned braces = 0;
  while (!tok.is(Token::Eof)) {
    if (braces == 0 && (tok.is(Token::KwArchitecture) || tok.is(Token::KwImport)))
      break;
    if (tok.is(Token::LBrace))
      ++braces;
    else if (tok.is(Token::RBrace) && braces > 0)
      --braces;
    consume();
  }
  parenDepth = 0;
}

std::optional<SMRange> Parser::parseBraced(const Twine &what, function_ref<bool()> parseStatement) {
  skipLineBreaks();
  SMLoc open = tok.getLoc();
  if (!expect(Token::LBrace, "'{'"))
    return std::nullopt;
  while (true) {
    skipSeparators();
    if (tok.is(Token::RBrace)) {
      consume();
      return SMRange(open, prevEnd);
    }
    if (tok.is(Token::Eof)) {
      // Every body enclosing this one is unclosed too; saying so once is
      // enough. Input that ends in a malformed token (an unterminated
      // comment) was reported already.
      if (!reportedEof && prevKind != Token::Error) {
        diags.error(prevEnd, "expected '}' at the end of " + what);
        diags.note(open, "the body begins here");
      }
      reportedEof = true;
      return std::nullopt;
    }
    if (diags.reachedErrorLimit())
      return std::nullopt;
    if (!parseStatement()) {
      recoverStatement();
      continue;
    }
    if (!atStatementEnd()) {
      errorExpected("a newline or ';' after the statement");
      recoverStatement();
    }
  }
}

//===----------------------------------------------------------------------===//
// Declarations
//===----------------------------------------------------------------------===//

std::unique_ptr<ast::SpecFile> Parser::parseFile(unsigned bufferId) {
  auto file = std::make_unique<ast::SpecFile>();
  file->bufferId = bufferId;
  while (!diags.reachedErrorLimit()) {
    skipSeparators();
    if (tok.is(Token::Eof))
      break;
    if (tok.is(Token::KwImport)) {
      if (!file->architectures.empty()) {
        diags.error(tok.getLoc(), "'import' must come before the first architecture", tok.getRange());
        diags.note(file->architectures.front()->getLoc(), "the first architecture is here");
      }
      if (!parseImport(*file))
        recoverTopLevel();
      continue;
    }
    if (tok.is(Token::KwArchitecture)) {
      if (auto arch = parseArchitecture())
        file->architectures.push_back(std::move(arch));
      else
        recoverTopLevel();
      continue;
    }
    errorExpected("'architecture' or 'import'");
    consume();
    recoverTopLevel();
  }
  return file;
}

bool Parser::parseImport(ast::SpecFile &file) {
  consume(); // import
  if (!tok.is(Token::String)) {
    errorExpected("a quoted file path after 'import'");
    return false;
  }
  file.imports.push_back({tok.spelling.drop_front().drop_back(), tok.getRange()});
  consume();
  if (!atStatementEnd()) {
    errorExpected("a newline after the import");
    return false;
  }
  return true;
}

std::unique_ptr<ast::Architecture> Parser::parseArchitecture() {
  consume(); // architecture
  auto arch = std::make_unique<ast::Architecture>();
  if (!tok.is(Token::Identifier)) {
    errorExpected("an architecture name");
    return nullptr;
  }
  arch->name = tok.spelling;
  arch->nameRange = tok.getRange();
  consume();
  if (tok.is(Token::KwExtends)) {
    consume();
    if (!tok.is(Token::Identifier)) {
      errorExpected("the name of the architecture to extend");
      return nullptr;
    }
    arch->base = tok.spelling;
    arch->baseRange = tok.getRange();
    consume();
  }
  std::optional<SMRange> body = parseBraced("architecture '" + arch->name + "'",
                                            [&] { return parseArchitectureStatement(*arch); });
  if (!body)
    return nullptr;
  arch->body = *body;
  return arch;
}

bool Parser::parseArchitectureStatement(ast::Architecture &arch) {
  switch (tok.kind) {
  case Token::KwBlock:
    if (auto block = parseBlock()) {
      arch.blocks.push_back(std::move(block));
      return true;
    }
    return false;
  case Token::KwLayers:
    return parseLayerRule(arch.rules);
  case Token::Identifier:
    return parseBinding(arch.bindings);
  default:
    errorExpected("a key, 'block' or 'layers'");
    return false;
  }
}

bool Parser::parseBinding(std::vector<ast::Binding> &bindings) {
  ast::Binding binding;
  binding.name = tok.spelling;
  binding.nameRange = tok.getRange();
  consume();
  if (!expect(Token::Equal, "'=' after '" + binding.name + "'"))
    return false;
  binding.value = parseExpr();
  if (!binding.value)
    return false;
  bindings.push_back(std::move(binding));
  return true;
}

std::unique_ptr<ast::Block> Parser::parseBlock() {
  auto block = std::make_unique<ast::Block>();
  block->loc = tok.getLoc();
  consume(); // block
  if (!parseBraced("the block", [&] { return parseBlockStatement(*block); }))
    return nullptr;
  return block;
}

bool Parser::parseLayerRule(std::vector<ast::LayerRule> &rules) {
  ast::LayerRule rule;
  rule.loc = tok.getLoc();
  consume(); // layers
  if (!parseLayerSelector(rule))
    return false;
  rule.selectorRange = SMRange(rule.loc, prevEnd);
  if (!parseBraced("the 'layers' rule", [&] { return parseLayerRuleStatement(rule); }))
    return false;
  rules.push_back(std::move(rule));
  return true;
}

bool Parser::parseLayerSelector(ast::LayerRule &rule) {
  if (isIdentifier("where")) {
    consume();
    rule.selector = ast::LayerRule::Selector::Where;
    rule.condition = parseExpr();
    return rule.condition != nullptr;
  }
  if (isIdentifier("every")) {
    consume();
    rule.selector = ast::LayerRule::Selector::Every;
    rule.step = parseExpr();
    if (!rule.step)
      return false;
    if (isIdentifier("offset")) {
      consume();
      rule.offset = parseExpr();
      return rule.offset != nullptr;
    }
    return true;
  }
  rule.selector = ast::LayerRule::Selector::Range;
  rule.first = parseExpr();
  if (!rule.first)
    return false;
  if (!tok.is(Token::DotDot))
    return true;
  consume();
  if (tok.is(Token::LBrace)) {
    rule.openEnded = true;
    return true;
  }
  rule.last = parseExpr();
  return rule.last != nullptr;
}

bool Parser::parseLayerRuleStatement(ast::LayerRule &rule) {
  switch (tok.kind) {
  case Token::KwBlock:
    if (auto block = parseBlock()) {
      rule.blocks.push_back(std::move(block));
      return true;
    }
    return false;
  case Token::Identifier:
    return parseBinding(rule.bindings);
  case Token::KwLayers:
    diags.error(tok.getLoc(), "'layers' rules cannot be nested", tok.getRange());
    return false;
  default:
    errorExpected("a component binding or 'block'");
    return false;
  }
}

//===----------------------------------------------------------------------===//
// Constant expressions
//
// Precedence, loosest first: `or`, `and`, `not`, comparisons (which do not
// chain), `+ -`, `* / %`, unary `-`, `**` (right-associative; its right
// operand may be negated, so `168 ** -0.5` works and `-2 ** 2` is -4).
//===----------------------------------------------------------------------===//

template <typename Node>
std::unique_ptr<Node> Parser::checkHeight(std::unique_ptr<Node> node, unsigned height, SMLoc loc) {
  if (height <= kMaxNesting)
    return node;
  diags.error(loc, "expression is nested too deeply (the limit is " + Twine(kMaxNesting) + " levels)");
  return nullptr;
}

ast::ExprPtr Parser::makeBinary(SMLoc opLoc, ast::BinaryOp op, ast::ExprPtr lhs, ast::ExprPtr rhs) {
  auto node = std::make_unique<ast::BinaryExpr>(opLoc, op, std::move(lhs), std::move(rhs));
  unsigned height = node->getHeight();
  return checkHeight<ast::Expr>(std::move(node), height, opLoc);
}

ast::ExprPtr Parser::parseExpr() {
  NestingGuard guard(*this);
  if (!guard)
    return nullptr;
  return parseOr();
}

ast::ExprPtr Parser::parseOr() {
  ast::ExprPtr lhs = parseAnd();
  while (lhs && tok.is(Token::KwOr)) {
    SMLoc opLoc = tok.getLoc();
    consume();
    skipLineBreaks();
    ast::ExprPtr rhs = parseAnd();
    if (!rhs)
      return nullptr;
    lhs = makeBinary(opLoc, ast::BinaryOp::Or, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

ast::ExprPtr Parser::parseAnd() {
  ast::ExprPtr lhs = parseNot();
  while (lhs && tok.is(Token::KwAnd)) {
    SMLoc opLoc = tok.getLoc();
    consume();
    skipLineBreaks();
    ast::ExprPtr rhs = parseNot();
    if (!rhs)
      return nullptr;
    lhs = makeBinary(opLoc, ast::BinaryOp::And, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

ast::ExprPtr Parser::parseNot() {
  if (!tok.is(Token::KwNot))
    return parseComparison();
  SMLoc opLoc = tok.getLoc();
  consume();
  NestingGuard guard(*this);
  if (!guard)
    return nullptr;
  ast::ExprPtr operand = parseNot();
  if (!operand)
    return nullptr;
  SMRange range(opLoc, operand->getRange().End);
  auto node = std::make_unique<ast::UnaryExpr>(opLoc, range, ast::UnaryOp::Not, std::move(operand));
  unsigned height = node->getHeight();
  return checkHeight<ast::Expr>(std::move(node), height, opLoc);
}

static std::optional<ast::BinaryOp> comparisonOp(Token::Kind kind) {
  switch (kind) {
  case Token::EqualEqual:
    return ast::BinaryOp::Eq;
  case Token::BangEqual:
    return ast::BinaryOp::Ne;
  case Token::Less:
    return ast::BinaryOp::Lt;
  case Token::LessEqual:
    return ast::BinaryOp::Le;
  case Token::Greater:
    return ast::BinaryOp::Gt;
  case Token::GreaterEqual:
    return ast::BinaryOp::Ge;
  default:
    return std::nullopt;
  }
}

ast::ExprPtr Parser::parseComparison() {
  ast::ExprPtr lhs = parseAdditive();
  if (!lhs)
    return nullptr;
  std::optional<ast::BinaryOp> op = comparisonOp(tok.kind);
  if (!op)
    return lhs;
  SMLoc opLoc = tok.getLoc();
  consume();
  skipLineBreaks();
  ast::ExprPtr rhs = parseAdditive();
  if (!rhs)
    return nullptr;
  ast::ExprPtr result = makeBinary(opLoc, *op, std::move(lhs), std::move(rhs));
  if (result && comparisonOp(tok.kind)) {
    diags.error(tok.getLoc(), "comparisons cannot be chained; combine them with 'and'", tok.getRange());
    return nullptr;
  }
  return result;
}

ast::ExprPtr Parser::parseAdditive() {
  ast::ExprPtr lhs = parseMultiplicative();
  while (lhs && (tok.is(Token::Plus) || tok.is(Token::Minus))) {
    ast::BinaryOp op = tok.is(Token::Plus) ? ast::BinaryOp::Add : ast::BinaryOp::Sub;
    SMLoc opLoc = tok.getLoc();
    consume();
    skipLineBreaks();
    ast::ExprPtr rhs = parseMultiplicative();
    if (!rhs)
      return nullptr;
    lhs = makeBinary(opLoc, op, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

ast::ExprPtr Parser::parseMultiplicative() {
  ast::ExprPtr lhs = parseUnary();
  while (lhs && (tok.is(Token::Star) || tok.is(Token::Slash) || tok.is(Token::Percent))) {
    ast::BinaryOp op = tok.is(Token::Star)    ? ast::BinaryOp::Mul
                       : tok.is(Token::Slash) ? ast::BinaryOp::Div
                                              : ast::BinaryOp::Mod;
    SMLoc opLoc = tok.getLoc();
    consume();
    skipLineBreaks();
    ast::ExprPtr rhs = parseUnary();
    if (!rhs)
      return nullptr;
    lhs = makeBinary(opLoc, op, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

ast::ExprPtr Parser::parseUnary() {
  if (!tok.is(Token::Minus))
    return parsePower();
  SMLoc opLoc = tok.getLoc();
  consume();
  NestingGuard guard(*this);
  if (!guard)
    return nullptr;
  ast::ExprPtr operand = parseUnary();
  if (!operand)
    return nullptr;
  SMRange range(opLoc, operand->getRange().End);
  auto node = std::make_unique<ast::UnaryExpr>(opLoc, range, ast::UnaryOp::Negate, std::move(operand));
  unsigned height = node->getHeight();
  return checkHeight<ast::Expr>(std::move(node), height, opLoc);
}

ast::ExprPtr Parser::parsePower() {
  ast::ExprPtr base = parsePrimary();
  if (!base || !tok.is(Token::StarStar))
    return base;
  SMLoc opLoc = tok.getLoc();
  consume();
  skipLineBreaks();
  NestingGuard guard(*this);
  if (!guard)
    return nullptr;
  ast::ExprPtr exponent = parseUnary();
  if (!exponent)
    return nullptr;
  return makeBinary(opLoc, ast::BinaryOp::Pow, std::move(base), std::move(exponent));
}

ast::ExprPtr Parser::parsePrimary() {
  SMRange range = tok.getRange();
  switch (tok.kind) {
  case Token::Integer: {
    int64_t value;
    if (tok.spelling.getAsInteger(10, value)) {
      diags.error(tok.getLoc(), "integer " + tok.spelling + " does not fit in 64 bits", range);
      return nullptr;
    }
    consume();
    return std::make_unique<ast::NumberExpr>(range, value);
  }
  case Token::Float: {
    double value;
    if (tok.spelling.getAsDouble(value) || !std::isfinite(value)) {
      diags.error(tok.getLoc(), "number " + tok.spelling + " is out of range", range);
      return nullptr;
    }
    consume();
    return std::make_unique<ast::NumberExpr>(range, value);
  }
  case Token::KwTrue:
  case Token::KwFalse: {
    bool value = tok.is(Token::KwTrue);
    consume();
    return std::make_unique<ast::BoolExpr>(range, value);
  }
  case Token::Identifier: {
    StringRef name = tok.spelling;
    consume();
    if (tok.is(Token::LParen))
      return parseCall(name, range);
    return std::make_unique<ast::NameExpr>(range, name);
  }
  case Token::LParen: {
    consume();
    ast::ExprPtr inner = parseExpr();
    if (!inner || !expect(Token::RParen, "')'"))
      return nullptr;
    return inner;
  }
  default:
    errorExpected("an expression");
    return nullptr;
  }
}

ast::ExprPtr Parser::parseCall(StringRef callee, SMRange calleeRange) {
  consume(); // (
  std::vector<ast::CallExpr::Argument> args;
  while (!tok.is(Token::RParen)) {
    // An argument is `name = value` or a positional expression; parse an
    // expression first and reinterpret a bare name followed by `=`.
    ast::ExprPtr value = parseExpr();
    if (!value)
      return nullptr;
    ast::CallExpr::Argument arg;
    if (tok.is(Token::Equal) && isa<ast::NameExpr>(*value)) {
      arg.name = cast<ast::NameExpr>(*value).getName();
      arg.nameLoc = value->getLoc();
      consume();
      value = parseExpr();
      if (!value)
        return nullptr;
    }
    arg.value = std::move(value);
    args.push_back(std::move(arg));
    if (tok.is(Token::Comma)) {
      consume();
      continue;
    }
    if (!tok.is(Token::RParen)) {
      errorExpected("',' or ')' after the argument");
      return nullptr;
    }
  }
  consume(); // )
  auto call = std::make_unique<ast::CallExpr>(calleeRange, SMRange(calleeRange.Start, prevEnd), callee,
                                              std::move(args));
  unsigned height = call->getHeight();
  return checkHeight<ast::Expr>(std::move(call), height, calleeRange.Start);
}

//===----------------------------------------------------------------------===//
// Block expressions: `term ('+' term)*` with term = name | name(args) | (e).
//===----------------------------------------------------------------------===//

bool Parser::parseBlockStatement(ast::Block &block) {
  if (!tok.is(Token::Identifier)) {
    errorExpected("an assignment such as 'x = x + attention(x)'");
    return false;
  }
  ast::BlockStmt stmt;
  stmt.target = tok.spelling;
  stmt.targetRange = tok.getRange();
  consume();
  if (!expect(Token::Equal, "'=' after '" + stmt.target + "'"))
    return false;
  stmt.value = parseBlockExpr();
  if (!stmt.value)
    return false;
  block.stmts.push_back(std::move(stmt));
  return true;
}

std::unique_ptr<ast::BlockExpr> Parser::parseBlockExpr() {
  NestingGuard guard(*this);
  if (!guard)
    return nullptr;
  std::unique_ptr<ast::BlockExpr> lhs = parseBlockTerm();
  while (lhs) {
    if (tok.is(Token::Minus) || tok.is(Token::Star) || tok.is(Token::Slash) || tok.is(Token::Percent) ||
        tok.is(Token::StarStar)) {
      diags.error(tok.getLoc(), "only '+' (a residual add) can combine values in a block, found " + describe(tok),
                  tok.getRange());
      return nullptr;
    }
    if (!tok.is(Token::Plus))
      break;
    auto add = std::make_unique<ast::BlockExpr>();
    add->kind = ast::BlockExpr::Kind::Add;
    add->loc = tok.getLoc();
    consume();
    skipLineBreaks();
    std::unique_ptr<ast::BlockExpr> rhs = parseBlockTerm();
    if (!rhs)
      return nullptr;
    add->range = SMRange(lhs->range.Start, rhs->range.End);
    add->height = std::max(lhs->height, rhs->height) + 1;
    add->operands.push_back(std::move(lhs));
    add->operands.push_back(std::move(rhs));
    unsigned height = add->height;
    SMLoc loc = add->loc;
    lhs = checkHeight(std::move(add), height, loc);
  }
  return lhs;
}

std::unique_ptr<ast::BlockExpr> Parser::parseBlockTerm() {
  if (tok.is(Token::LParen)) {
    consume();
    std::unique_ptr<ast::BlockExpr> inner = parseBlockExpr();
    if (!inner || !expect(Token::RParen, "')'"))
      return nullptr;
    return inner;
  }
  if (!tok.is(Token::Identifier)) {
    errorExpected("a block variable or a component call");
    return nullptr;
  }
  auto term = std::make_unique<ast::BlockExpr>();
  term->name = tok.spelling;
  term->loc = tok.getLoc();
  term->range = tok.getRange();
  consume();
  if (!tok.is(Token::LParen))
    return term;

  term->kind = ast::BlockExpr::Kind::Call;
  consume(); // (
  while (!tok.is(Token::RParen)) {
    std::unique_ptr<ast::BlockExpr> arg = parseBlockExpr();
    if (!arg)
      return nullptr;
    term->height = std::max(term->height, arg->height + 1);
    term->operands.push_back(std::move(arg));
    if (tok.is(Token::Comma)) {
      consume();
      continue;
    }
    if (!tok.is(Token::RParen)) {
      errorExpected("',' or ')' after the argument");
      return nullptr;
    }
  }
  consume(); // )
  term->range.End = prevEnd;
  unsigned height = term->height;
  SMLoc loc = term->loc;
  return checkHeight(std::move(term), height, loc);
}

std::unique_ptr<ast::SpecFile> parseBuffer(const SourceMgr &sm, unsigned bufferId, DiagnosticEmitter &diags) {
  return Parser(sm, bufferId, diags).parseFile(bufferId);
}

} // namespace loom::frontend
