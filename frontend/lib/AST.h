//===- AST.h - Syntax tree of a Loom spec file -----------------*- C++ -*-===//
//
// What the parser produces and Sema consumes. Names are StringRefs into the
// SourceMgr's buffers, which outlive the tree. Two expression languages
// exist: constant expressions (hyper-parameters, component constructors,
// layer selectors) and block expressions (the residual-block program).
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_FRONTEND_LIB_AST_H
#define LOOM_FRONTEND_LIB_AST_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/SMLoc.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

namespace loom::ast {

//===----------------------------------------------------------------------===//
// Constant expressions
//===----------------------------------------------------------------------===//

class Expr {
public:
  enum class Kind { Number, Bool, Name, Unary, Binary, Call };

  virtual ~Expr() = default;
  Kind getKind() const { return kind; }
  /// Where diagnostics about this expression point: the operator of a unary
  /// or binary expression, the callee of a call, else its first character.
  llvm::SMLoc getLoc() const { return loc; }
  llvm::SMRange getRange() const { return range; }
  /// Length of the longest path to a leaf; the parser bounds it so tree
  /// walks cannot overflow the stack.
  unsigned getHeight() const { return height; }

protected:
  Expr(Kind kind, llvm::SMLoc loc, llvm::SMRange range, unsigned height)
      : kind(kind), loc(loc), range(range), height(height) {}

private:
  Kind kind;
  llvm::SMLoc loc;
  llvm::SMRange range;
  unsigned height;
};

using ExprPtr = std::unique_ptr<Expr>;

/// An integer or floating-point literal. Integers stay exact so that large
/// dimensions and integer division are not subject to rounding.
class NumberExpr : public Expr {
public:
  NumberExpr(llvm::SMRange range, int64_t value)
      : Expr(Kind::Number, range.Start, range, 1), integer(true), intValue(value) {}
  NumberExpr(llvm::SMRange range, double value)
      : Expr(Kind::Number, range.Start, range, 1), integer(false), floatValue(value) {}

  bool isInteger() const { return integer; }
  int64_t getInt() const { return intValue; }
  double getFloat() const { return floatValue; }

  static bool classof(const Expr *e) { return e->getKind() == Kind::Number; }

private:
  bool integer;
  int64_t intValue = 0;
  double floatValue = 0;
};

class BoolExpr : public Expr {
public:
  BoolExpr(llvm::SMRange range, bool value) : Expr(Kind::Bool, range.Start, range, 1), value(value) {}
  bool getValue() const { return value; }
  static bool classof(const Expr *e) { return e->getKind() == Kind::Bool; }

private:
  bool value;
};

/// A reference to a key, the layer index `i`, or an enumerator (`half`).
class NameExpr : public Expr {
public:
  NameExpr(llvm::SMRange range, llvm::StringRef name) : Expr(Kind::Name, range.Start, range, 1), name(name) {}
  llvm::StringRef getName() const { return name; }
  static bool classof(const Expr *e) { return e->getKind() == Kind::Name; }

private:
  llvm::StringRef name;
};

enum class UnaryOp { Negate, Not };

class UnaryExpr : public Expr {
public:
  UnaryExpr(llvm::SMLoc opLoc, llvm::SMRange range, UnaryOp op, ExprPtr operand)
      : Expr(Kind::Unary, opLoc, range, operand->getHeight() + 1), op(op), operand(std::move(operand)) {}
  UnaryOp getOp() const { return op; }
  const Expr &getOperand() const { return *operand; }
  static bool classof(const Expr *e) { return e->getKind() == Kind::Unary; }

private:
  UnaryOp op;
  ExprPtr operand;
};

enum class BinaryOp { Add, Sub, Mul, Div, Mod, Pow, Eq, Ne, Lt, Le, Gt, Ge, And, Or };

/// The operator as written, for diagnostics.
inline llvm::StringRef spelling(BinaryOp op) {
  switch (op) {
  case BinaryOp::Add: return "+";
  case BinaryOp::Sub: return "-";
  case BinaryOp::Mul: return "*";
  case BinaryOp::Div: return "/";
  case BinaryOp::Mod: return "%";
  case BinaryOp::Pow: return "**";
  case BinaryOp::Eq: return "==";
  case BinaryOp::Ne: return "!=";
  case BinaryOp::Lt: return "<";
  case BinaryOp::Le: return "<=";
  case BinaryOp::Gt: return ">";
  case BinaryOp::Ge: return ">=";
  case BinaryOp::And: return "and";
  case BinaryOp::Or: return "or";
  }
  llvm_unreachable("unknown binary operator");
}

class BinaryExpr : public Expr {
public:
  BinaryExpr(llvm::SMLoc opLoc, BinaryOp op, ExprPtr lhs, ExprPtr rhs)
      : Expr(Kind::Binary, opLoc, {lhs->getRange().Start, rhs->getRange().End},
             std::max(lhs->getHeight(), rhs->getHeight()) + 1),
        op(op), lhs(std::move(lhs)), rhs(std::move(rhs)) {}
  BinaryOp getOp() const { return op; }
  const Expr &getLHS() const { return *lhs; }
  const Expr &getRHS() const { return *rhs; }
  static bool classof(const Expr *e) { return e->getKind() == Kind::Binary; }

private:
  BinaryOp op;
  ExprPtr lhs, rhs;
};

/// `callee(args)`: a built-in function (`sqrt(x)`), a component constructor
/// (`GQA(heads = 16, ...)`), or a copy of a component with some arguments
/// changed (`attention(window = 512)`). Sema decides which.
class CallExpr : public Expr {
public:
  struct Argument {
    /// Empty for a positional argument.
    llvm::StringRef name;
    llvm::SMLoc nameLoc;
    ExprPtr value;
  };

  CallExpr(llvm::SMRange calleeRange, llvm::SMRange range, llvm::StringRef callee, std::vector<Argument> args);
  llvm::StringRef getCallee() const { return callee; }
  llvm::SMRange getCalleeRange() const { return calleeRange; }
  const std::vector<Argument> &getArgs() const { return args; }
  static bool classof(const Expr *e) { return e->getKind() == Kind::Call; }

private:
  llvm::StringRef callee;
  llvm::SMRange calleeRange;
  std::vector<Argument> args;
};

inline CallExpr::CallExpr(llvm::SMRange calleeRange, llvm::SMRange range, llvm::StringRef callee,
                          std::vector<Argument> args)
    : Expr(Kind::Call, calleeRange.Start, range,
           [&] {
             unsigned height = 0;
             for (const Argument &arg : args)
               height = std::max(height, arg.value->getHeight());
             return height + 1;
           }()),
      callee(callee), calleeRange(calleeRange), args(std::move(args)) {}

//===----------------------------------------------------------------------===//
// Residual blocks
//===----------------------------------------------------------------------===//

/// `x`, a local, `a + b`, or `component(args)`. Calls keep every argument
/// they were written with so that Sema can report a wrong arity.
struct BlockExpr {
  enum class Kind { Var, Add, Call };
  Kind kind = Kind::Var;
  /// Var: the variable. Call: the component.
  llvm::StringRef name;
  /// The `+` of an Add, the name of a Var or Call.
  llvm::SMLoc loc;
  llvm::SMRange range;
  std::vector<std::unique_ptr<BlockExpr>> operands;
  unsigned height = 1;
};

struct BlockStmt {
  llvm::StringRef target;
  llvm::SMRange targetRange;
  std::unique_ptr<BlockExpr> value;
};

struct Block {
  /// The `block` keyword.
  llvm::SMLoc loc;
  std::vector<BlockStmt> stmts;
};

//===----------------------------------------------------------------------===//
// Declarations
//===----------------------------------------------------------------------===//

/// `name = value` in an architecture body or a `layers` rule.
struct Binding {
  llvm::StringRef name;
  llvm::SMRange nameRange;
  ExprPtr value;

  llvm::SMLoc getLoc() const { return nameRange.Start; }
};

/// `layers <selector> { bindings and at most one block }`.
struct LayerRule {
  enum class Selector {
    /// `layers a..b`, `layers a..` (openEnded) or `layers a` (no last).
    Range,
    /// `layers where <condition over i>`.
    Where,
    /// `layers every <step> [offset <offset>]`.
    Every,
  };

  Selector selector = Selector::Range;
  /// The `layers` keyword.
  llvm::SMLoc loc;
  /// From `layers` to the opening brace, for diagnostics about the selection.
  llvm::SMRange selectorRange;
  ExprPtr first, last;
  bool openEnded = false;
  ExprPtr condition;
  ExprPtr step, offset;
  std::vector<Binding> bindings;
  std::vector<std::unique_ptr<Block>> blocks;
};

struct Architecture {
  llvm::StringRef name;
  llvm::SMRange nameRange;
  /// Empty unless the architecture `extends` another.
  llvm::StringRef base;
  llvm::SMRange baseRange;
  /// From the opening to the closing brace.
  llvm::SMRange body;
  std::vector<Binding> bindings;
  /// All `block`s of the body; Sema reports any beyond the first.
  std::vector<std::unique_ptr<Block>> blocks;
  std::vector<LayerRule> rules;

  llvm::SMLoc getLoc() const { return nameRange.Start; }
};

struct Import {
  /// Without the quotes.
  llvm::StringRef path;
  llvm::SMRange range;
};

struct SpecFile {
  unsigned bufferId = 0;
  std::vector<Import> imports;
  std::vector<std::unique_ptr<Architecture>> architectures;
};

} // namespace loom::ast

#endif // LOOM_FRONTEND_LIB_AST_H
