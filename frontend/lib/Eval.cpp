//===- Eval.cpp - Evaluation of constant expressions ---------------------===//
//
// Integer arithmetic stays exact and reports overflow; `/` of two integers
// yields an integer when the division is exact and a float otherwise, so
// `d_model / heads` is an integer dimension while `1 / 3` is not truncated.
// `%` is floored like Python's (the result has the sign of the divisor).
//
//===----------------------------------------------------------------------===//
#include "Eval.h"

#include "Components.h"
#include "Diagnostics.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>
#include <limits>

using namespace llvm;

namespace loom::frontend {

namespace {
enum class Builtin { Sqrt, Log, Exp, Min, Max };
} // namespace

static constexpr StringRef kBuiltinNames[] = {"sqrt", "log", "exp", "min", "max"};

static std::optional<Builtin> lookupBuiltin(StringRef name) {
  return StringSwitch<std::optional<Builtin>>(name)
      .Case("sqrt", Builtin::Sqrt)
      .Case("log", Builtin::Log)
      .Case("exp", Builtin::Exp)
      .Case("min", Builtin::Min)
      .Case("max", Builtin::Max)
      .Default(std::nullopt);
}

bool isBuiltinFunction(StringRef name) { return lookupBuiltin(name).has_value(); }

std::optional<Value> Evaluator::evaluate(const ast::Expr &expr) {
  switch (expr.getKind()) {
  case ast::Expr::Kind::Number: {
    const auto &number = cast<ast::NumberExpr>(expr);
    return number.isInteger() ? Value::integer(number.getInt()) : Value::number(number.getFloat());
  }
  case ast::Expr::Kind::Bool:
    return Value::boolean(cast<ast::BoolExpr>(expr).getValue());
  case ast::Expr::Kind::Name:
    return evalName(cast<ast::NameExpr>(expr));
  case ast::Expr::Kind::Unary:
    return evalUnary(cast<ast::UnaryExpr>(expr));
  case ast::Expr::Kind::Binary:
    return evalBinary(cast<ast::BinaryExpr>(expr));
  case ast::Expr::Kind::Call:
    return evalCall(cast<ast::CallExpr>(expr));
  }
  llvm_unreachable("unknown expression kind");
}

std::optional<Value> Evaluator::finite(const ast::Expr &expr, double value) {
  if (std::isfinite(value))
    return Value::number(value);
  StringRef what = isa<ast::CallExpr>(expr) ? cast<ast::CallExpr>(expr).getCallee()
                                             : spelling(cast<ast::BinaryExpr>(expr).getOp());
  diags.error(expr.getLoc(), "the result of '" + what + "' is not a finite number", expr.getRange());
  return std::nullopt;
}

std::optional<Value> Evaluator::evalName(const ast::NameExpr &expr) {
  StringRef name = expr.getName();
  if (layerIndex && name == "i")
    return Value::integer(*layerIndex);
  Scope::Lookup found = scope.lookup(name);
  if (found.status == Scope::Status::Found)
    return *found.value;
  if (found.status == Scope::Status::Failed)
    return std::nullopt;
  if (name == "none")
    return Value::none();
  if (isEnumerator(name))
    return Value::symbol(name);

  if (name == "i") {
    diags.error(expr.getLoc(), "the layer index 'i' is only defined in 'layers where' conditions",
                expr.getRange());
  } else if (lookupConstructor(name) || isBuiltinFunction(name)) {
    diags.error(expr.getLoc(), "'" + name + "' must be called, as in '" + name + "(...)'", expr.getRange());
  } else {
    SmallVector<StringRef, 16> candidates;
    scope.collectNames(candidates);
    if (layerIndex)
      candidates.push_back("i");
    diags.error(expr.getLoc(), "unknown name '" + name + "'" + didYouMean(name, candidates), expr.getRange());
  }
  return std::nullopt;
}

std::optional<Value> Evaluator::evalUnary(const ast::UnaryExpr &expr) {
  std::optional<Value> operand = evaluate(expr.getOperand());
  if (!operand)
    return std::nullopt;
  if (expr.getOp() == ast::UnaryOp::Not) {
    if (operand->is(Value::Kind::Bool))
      return Value::boolean(!operand->getBool());
    diags.error(expr.getLoc(), "the operand of 'not' must be a boolean, got " + operand->describe(),
                expr.getRange());
    return std::nullopt;
  }
  if (operand->is(Value::Kind::Float))
    return Value::number(-operand->toDouble());
  if (operand->is(Value::Kind::Int)) {
    if (operand->getInt() == std::numeric_limits<int64_t>::min()) {
      diags.error(expr.getLoc(), "integer overflow in '-'", expr.getRange());
      return std::nullopt;
    }
    return Value::integer(-operand->getInt());
  }
  diags.error(expr.getLoc(), "the operand of '-' must be a number, got " + operand->describe(), expr.getRange());
  return std::nullopt;
}

std::optional<Value> Evaluator::evalBinary(const ast::BinaryExpr &expr) {
  if (expr.getOp() == ast::BinaryOp::And || expr.getOp() == ast::BinaryOp::Or)
    return evalLogical(expr);
  std::optional<Value> lhs = evaluate(expr.getLHS());
  std::optional<Value> rhs = evaluate(expr.getRHS());
  if (!lhs || !rhs)
    return std::nullopt;
  switch (expr.getOp()) {
  case ast::BinaryOp::Eq:
  case ast::BinaryOp::Ne:
  case ast::BinaryOp::Lt:
  case ast::BinaryOp::Le:
  case ast::BinaryOp::Gt:
  case ast::BinaryOp::Ge:
    return evalComparison(expr, *lhs, *rhs);
  default:
    return evalArithmetic(expr, *lhs, *rhs);
  }
}

std::optional<Value> Evaluator::evalLogical(const ast::BinaryExpr &expr) {
  bool isAnd = expr.getOp() == ast::BinaryOp::And;
  auto operand = [&](const ast::Expr &side) -> std::optional<bool> {
    std::optional<Value> value = evaluate(side);
    if (!value)
      return std::nullopt;
    if (value->is(Value::Kind::Bool))
      return value->getBool();
    diags.error(side.getRange().Start,
                "the operands of '" + spelling(expr.getOp()) + "' must be booleans, got " + value->describe(),
                side.getRange());
    return std::nullopt;
  };
  std::optional<bool> lhs = operand(expr.getLHS());
  if (!lhs)
    return std::nullopt;
  // Short-circuit, so `i > 0 and 12 % i == 0` is fine for layer 0.
  if (*lhs != isAnd)
    return Value::boolean(*lhs);
  std::optional<bool> rhs = operand(expr.getRHS());
  if (!rhs)
    return std::nullopt;
  return Value::boolean(*rhs);
}

std::optional<Value> Evaluator::evalComparison(const ast::BinaryExpr &expr, const Value &lhs, const Value &rhs) {
  ast::BinaryOp op = expr.getOp();
  // -1, 0 or 1, or nothing for values that are only equal or unequal.
  std::optional<int> order;
  bool equal = false;
  if (lhs.isNumber() && rhs.isNumber()) {
    if (lhs.is(Value::Kind::Int) && rhs.is(Value::Kind::Int))
      order = lhs.getInt() < rhs.getInt() ? -1 : lhs.getInt() > rhs.getInt();
    else
      order = lhs.toDouble() < rhs.toDouble() ? -1 : lhs.toDouble() > rhs.toDouble();
    equal = *order == 0;
  } else if (lhs.getKind() == rhs.getKind() && !lhs.is(Value::Kind::Component)) {
    equal = lhs.is(Value::Kind::Bool)     ? lhs.getBool() == rhs.getBool()
            : lhs.is(Value::Kind::Symbol) ? lhs.getSymbol() == rhs.getSymbol()
                                          : true; // none == none
  } else {
    diags.error(expr.getLoc(),
                "'" + spelling(op) + "' cannot compare " + lhs.describe() + " with " + rhs.describe(),
                expr.getRange());
    return std::nullopt;
  }
  if (op == ast::BinaryOp::Eq || op == ast::BinaryOp::Ne)
    return Value::boolean(equal == (op == ast::BinaryOp::Eq));
  if (!order) {
    diags.error(expr.getLoc(), "'" + spelling(op) + "' needs numbers, got " + lhs.describe() + " and " +
                                   rhs.describe(),
                expr.getRange());
    return std::nullopt;
  }
  switch (op) {
  case ast::BinaryOp::Lt:
    return Value::boolean(*order < 0);
  case ast::BinaryOp::Le:
    return Value::boolean(*order <= 0);
  case ast::BinaryOp::Gt:
    return Value::boolean(*order > 0);
  default:
    return Value::boolean(*order >= 0);
  }
}

/// Integer power by repeated squaring; false on overflow.
static bool integerPower(int64_t base, int64_t exponent, int64_t &result) {
  result = 1;
  while (exponent > 0) {
    if ((exponent & 1) && MulOverflow(result, base, result))
      return false;
    exponent >>= 1;
    if (exponent > 0 && MulOverflow(base, base, base))
      return false;
  }
  return true;
}

std::optional<Value> Evaluator::evalArithmetic(const ast::BinaryExpr &expr, const Value &lhs, const Value &rhs) {
  ast::BinaryOp op = expr.getOp();
  if (!lhs.isNumber() || !rhs.isNumber()) {
    diags.error(expr.getLoc(), "'" + spelling(op) + "' needs numbers, got " + lhs.describe() + " and " +
                                   rhs.describe(),
                expr.getRange());
    return std::nullopt;
  }
  if ((op == ast::BinaryOp::Div || op == ast::BinaryOp::Mod) && rhs.toDouble() == 0) {
    diags.error(expr.getLoc(), "division by zero in '" + spelling(op) + "'", expr.getRHS().getRange());
    return std::nullopt;
  }

  if (lhs.is(Value::Kind::Int) && rhs.is(Value::Kind::Int)) {
    int64_t a = lhs.getInt(), b = rhs.getInt(), result = 0;
    bool overflow = false;
    switch (op) {
    case ast::BinaryOp::Add:
      overflow = AddOverflow(a, b, result);
      break;
    case ast::BinaryOp::Sub:
      overflow = SubOverflow(a, b, result);
      break;
    case ast::BinaryOp::Mul:
      overflow = MulOverflow(a, b, result);
      break;
    case ast::BinaryOp::Div:
      if (b == -1) {
        overflow = SubOverflow(int64_t(0), a, result);
        break;
      }
      if (a % b != 0)
        return finite(expr, static_cast<double>(a) / static_cast<double>(b));
      result = a / b;
      break;
    case ast::BinaryOp::Mod:
      // b == -1 would overflow for INT64_MIN; every integer is divisible by it.
      result = b == -1 ? 0 : a % b;
      if (result != 0 && (result < 0) != (b < 0))
        result += b;
      break;
    default: // Pow
      if (b < 0)
        return finite(expr, std::pow(static_cast<double>(a), static_cast<double>(b)));
      overflow = !integerPower(a, b, result);
      break;
    }
    if (overflow) {
      diags.error(expr.getLoc(), "integer overflow in '" + spelling(op) + "'", expr.getRange());
      return std::nullopt;
    }
    return Value::integer(result);
  }

  double a = lhs.toDouble(), b = rhs.toDouble();
  switch (op) {
  case ast::BinaryOp::Add:
    return finite(expr, a + b);
  case ast::BinaryOp::Sub:
    return finite(expr, a - b);
  case ast::BinaryOp::Mul:
    return finite(expr, a * b);
  case ast::BinaryOp::Div:
    return finite(expr, a / b);
  case ast::BinaryOp::Mod: {
    double result = std::fmod(a, b);
    if (result != 0 && (result < 0) != (b < 0))
      result += b;
    return finite(expr, result);
  }
  default: // Pow
    return finite(expr, std::pow(a, b));
  }
}

std::optional<Value> Evaluator::evalCall(const ast::CallExpr &call) {
  StringRef callee = call.getCallee();
  if (isBuiltinFunction(callee))
    return evalBuiltin(call);
  if (const ConstructorInfo *ctor = lookupConstructor(callee))
    return evalConstructor(call, *ctor, nullptr);

  Scope::Lookup found = scope.lookup(callee);
  if (found.status == Scope::Status::Failed)
    return std::nullopt;
  if (found.status == Scope::Status::Found) {
    if (found.value->is(Value::Kind::Component)) {
      const ComponentValue &base = found.value->getComponent();
      return evalConstructor(call, *base.ctor, &base);
    }
    diags.error(call.getLoc(),
                "'" + callee + "' is " + found.value->describe() + ", not a component, so it cannot be called",
                call.getCalleeRange());
    return std::nullopt;
  }

  SmallVector<StringRef, 32> candidates(std::begin(kBuiltinNames), std::end(kBuiltinNames));
  for (const ConstructorInfo &ctor : constructors())
    candidates.push_back(ctor.name);
  scope.collectNames(candidates);
  // Capitalized names are meant as component kinds (`SwiGLU`).
  StringRef what = isUpper(callee.front()) ? "unknown component kind '" : "unknown function or component '";
  diags.error(call.getLoc(), what + callee + "'" + didYouMean(callee, candidates), call.getCalleeRange());
  return std::nullopt;
}

std::optional<Value> Evaluator::evalBuiltin(const ast::CallExpr &call) {
  Builtin builtin = *lookupBuiltin(call.getCallee());
  StringRef name = call.getCallee();
  const auto &args = call.getArgs();
  bool variadic = builtin == Builtin::Min || builtin == Builtin::Max;
  if (variadic ? args.empty() : args.size() != 1) {
    diags.error(call.getLoc(),
                "'" + name + "' takes " + (variadic ? "at least one argument" : "one argument") + ", got " +
                    Twine(args.size()),
                call.getRange());
    return std::nullopt;
  }

  SmallVector<Value, 4> values;
  for (const ast::CallExpr::Argument &arg : args) {
    if (!arg.name.empty()) {
      diags.error(arg.nameLoc, "arguments of '" + name + "' are positional; remove '" + arg.name + " ='");
      return std::nullopt;
    }
    std::optional<Value> value = evaluate(*arg.value);
    if (!value)
      return std::nullopt;
    if (!value->isNumber()) {
      diags.error(arg.value->getRange().Start,
                  "the argument of '" + name + "' must be a number, got " + value->describe(),
                  arg.value->getRange());
      return std::nullopt;
    }
    values.push_back(*value);
  }

  const ast::Expr &operand = *args.front().value;
  double x = values.front().toDouble();
  switch (builtin) {
  case Builtin::Sqrt:
    if (x < 0) {
      diags.error(operand.getRange().Start, "sqrt of negative number " + formatNumber(x), operand.getRange());
      return std::nullopt;
    }
    return Value::number(std::sqrt(x));
  case Builtin::Log:
    if (x <= 0) {
      diags.error(operand.getRange().Start, "log of non-positive number " + formatNumber(x), operand.getRange());
      return std::nullopt;
    }
    return Value::number(std::log(x));
  case Builtin::Exp:
    return finite(call, std::exp(x));
  case Builtin::Min:
  case Builtin::Max: {
    bool isMin = builtin == Builtin::Min;
    Value best = values.front();
    for (const Value &value : ArrayRef(values).drop_front()) {
      bool less = value.is(Value::Kind::Int) && best.is(Value::Kind::Int) ? value.getInt() < best.getInt()
                                                                            : value.toDouble() < best.toDouble();
      bool greater = value.is(Value::Kind::Int) && best.is(Value::Kind::Int)
                         ? value.getInt() > best.getInt()
                         : value.toDouble() > best.toDouble();
      if (isMin ? less : greater)
        best = value;
    }
    return best;
  }
  }
  llvm_unreachable("unknown builtin");
}

std::optional<Value> Evaluator::evalArgument(const ParamInfo &param, const ast::Expr &expr) {
  // An enumerator-typed argument accepts any bare name that is not a key, so
  // a misspelled `style = ful` is reported against the allowed values.
  if (param.type == ParamType::Enum)
    if (const auto *name = dyn_cast<ast::NameExpr>(&expr))
      if (scope.lookup(name->getName()).status == Scope::Status::Undefined)
        return Value::symbol(name->getName());
  return evaluate(expr);
}

std::optional<Value> Evaluator::evalConstructor(const ast::CallExpr &call, const ConstructorInfo &ctor,
                                                const ComponentValue *base) {
  auto component = std::make_shared<ComponentValue>();
  if (base)
    *component = *base;
  component->ctor = &ctor;
  component->loc = call.getLoc();

  bool ok = true;
  SmallVector<const ast::CallExpr::Argument *, 8> seen;
  SmallVector<StringRef, 16> paramNames;
  for (const ParamInfo &param : ctor.params)
    paramNames.push_back(param.name);
  for (const ast::CallExpr::Argument &arg : call.getArgs()) {
    if (arg.name.empty()) {
      diags.error(arg.value->getRange().Start,
                  "arguments of " + ctor.name + " must be named, as in '" + ctor.params.front().name + " = ...'",
                  arg.value->getRange());
      ok = false;
      continue;
    }
    const ParamInfo *param = ctor.findParam(arg.name);
    if (!param) {
      std::string hint = didYouMean(arg.name, paramNames);
      if (hint.empty())
        hint = " (its arguments are " + join(paramNames, ", ") + ")";
      diags.error(arg.nameLoc, ctor.name + " has no argument '" + arg.name + "'" + hint);
      ok = false;
      continue;
    }
    auto previous = find_if(seen, [&](const auto *other) { return other->name == arg.name; });
    if (previous != seen.end()) {
      diags.error(arg.nameLoc, "argument '" + arg.name + "' is given twice");
      diags.note((*previous)->nameLoc, "first given here");
      ok = false;
      continue;
    }
    seen.push_back(&arg);
    std::optional<Value> value = evalArgument(*param, *arg.value);
    if (!value) {
      ok = false;
      continue;
    }
    component->setArg({arg.name, arg.nameLoc, arg.value->getRange(), std::move(*value)});
  }
  if (!ok)
    return std::nullopt;

  // Problems with arguments inherited from the copied component are reported
  // where they were written; say which copy made them a problem.
  std::optional<DiagnosticEmitter::ContextScope> copyContext;
  if (base)
    copyContext.emplace(diags, call.getRange(), call.getLoc(),
                        ("in this copy of '" + call.getCallee() + "'").str());
  if (!buildComponentSpec(*component, diags))
    return std::nullopt;
  return Value::component(std::move(component));
}

} // namespace loom::frontend
