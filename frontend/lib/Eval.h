//===- Eval.h - Evaluation of constant expressions -------------*- C++ -*-===//
//
// Evaluates an ast::Expr to a Value: arithmetic, comparisons and logic,
// built-in functions, component constructors and component copies. Every
// failure is reported at the offending operator or name; the result is then
// empty, and an expression that reads a failed key fails silently so one
// mistake is reported once.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_FRONTEND_LIB_EVAL_H
#define LOOM_FRONTEND_LIB_EVAL_H

#include "AST.h"
#include "Value.h"

#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace loom::frontend {

class DiagnosticEmitter;
struct ParamInfo;

/// The keys an expression can read.
class Scope {
public:
  enum class Status {
    Undefined,
    /// Defined, but its evaluation failed (and was reported).
    Failed,
    Found,
  };
  struct Lookup {
    Status status = Status::Undefined;
    const Value *value = nullptr;
  };

  virtual Lookup lookup(llvm::StringRef name) const = 0;
  /// Every defined name, for spelling suggestions.
  virtual void collectNames(llvm::SmallVectorImpl<llvm::StringRef> &names) const = 0;

protected:
  ~Scope() = default;
};

class Evaluator {
public:
  /// With `layerIndex`, the name `i` evaluates to it (`layers where`).
  Evaluator(const Scope &scope, DiagnosticEmitter &diags, std::optional<int64_t> layerIndex = std::nullopt)
      : scope(scope), diags(diags), layerIndex(layerIndex) {}

  std::optional<Value> evaluate(const ast::Expr &expr);

private:
  std::optional<Value> evalName(const ast::NameExpr &expr);
  std::optional<Value> evalUnary(const ast::UnaryExpr &expr);
  std::optional<Value> evalBinary(const ast::BinaryExpr &expr);
  std::optional<Value> evalLogical(const ast::BinaryExpr &expr);
  std::optional<Value> evalComparison(const ast::BinaryExpr &expr, const Value &lhs, const Value &rhs);
  std::optional<Value> evalArithmetic(const ast::BinaryExpr &expr, const Value &lhs, const Value &rhs);
  std::optional<Value> evalCall(const ast::CallExpr &call);
  std::optional<Value> evalBuiltin(const ast::CallExpr &call);
  /// A constructor call, or with `base` a copy of `base` with the call's
  /// arguments replacing its own.
  std::optional<Value> evalConstructor(const ast::CallExpr &call, const ConstructorInfo &ctor,
                                       const ComponentValue *base);
  std::optional<Value> evalArgument(const ParamInfo &param, const ast::Expr &expr);
  /// Reports a non-finite floating-point result of `expr`, a binary
  /// operation or a call.
  std::optional<Value> finite(const ast::Expr &expr, double value);

  const Scope &scope;
  DiagnosticEmitter &diags;
  std::optional<int64_t> layerIndex;
};

/// Whether `name` is a built-in function (`sqrt`, `min`, ...).
bool isBuiltinFunction(llvm::StringRef name);

} // namespace loom::frontend

#endif // LOOM_FRONTEND_LIB_EVAL_H
