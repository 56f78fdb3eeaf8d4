//===- Value.h - Values of constant expressions ----------------*- C++ -*-===//
//
// A key of an architecture evaluates to a Value: a number, a boolean, an
// enumerator such as `half`, `none`, or a component such as `GQA(...)`.
// Integers are kept apart from floating-point numbers so that dimensions stay
// exact; an integral float is accepted wherever an integer is required.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_FRONTEND_LIB_VALUE_H
#define LOOM_FRONTEND_LIB_VALUE_H

#include "loom/Frontend/ArchSpec.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace loom::frontend {

struct ComponentValue;
struct ConstructorInfo;

class Value {
public:
  enum class Kind { Int, Float, Bool, Symbol, None, Component };

  static Value integer(int64_t v);
  static Value number(double v);
  static Value boolean(bool v);
  static Value symbol(llvm::StringRef name);
  static Value none() { return Value(); }
  static Value component(std::shared_ptr<const ComponentValue> c);

  Kind getKind() const { return kind; }
  bool is(Kind k) const { return kind == k; }
  bool isNumber() const { return kind == Kind::Int || kind == Kind::Float; }

  int64_t getInt() const { return intValue; }
  bool getBool() const { return boolValue; }
  llvm::StringRef getSymbol() const { return symbolValue; }
  const ComponentValue &getComponent() const { return *componentValue; }
  const std::shared_ptr<const ComponentValue> &getComponentPtr() const { return componentValue; }

  /// A number as a double.
  double toDouble() const { return kind == Kind::Int ? static_cast<double>(intValue) : floatValue; }
  /// The value as an exact integer: an Int, or a Float with an integral
  /// value in the int64 range (`1.5e5`, `d_model / 2` with an even d_model).
  std::optional<int64_t> toExactInt() const;

  /// For diagnostics: "integer 3", "number 0.5", "boolean true", "'half'",
  /// "none", "GQA component".
  std::string describe() const;

private:
  Kind kind = Kind::None;
  int64_t intValue = 0;
  double floatValue = 0;
  bool boolValue = false;
  llvm::StringRef symbolValue;
  std::shared_ptr<const ComponentValue> componentValue;
};

/// Shortest text that reads back as `value`: 1e-06, 0.0625, 10000.
std::string formatNumber(double value);

/// A named argument of a component constructor, already evaluated.
struct ComponentArg {
  llvm::StringRef name;
  llvm::SMLoc nameLoc;
  llvm::SMRange valueRange;
  Value value;
};

/// A component as written: its constructor and arguments, kept so that
/// `name(arg = ...)` can copy it with some arguments replaced, plus the
/// validated spec built from them.
struct ComponentValue {
  const ConstructorInfo *ctor = nullptr;
  /// The constructor call, or the copy call that produced this component.
  llvm::SMLoc loc;
  std::vector<ComponentArg> args;
  std::variant<NormSpec, RopeSpec, RopeScalingSpec, AttentionSpec, FFNSpec, DeltaNetSpec> spec;

  const ComponentArg *findArg(llvm::StringRef name) const;
  /// Replaces the argument of the same name, or appends.
  void setArg(ComponentArg arg);
};

} // namespace loom::frontend

#endif // LOOM_FRONTEND_LIB_VALUE_H
