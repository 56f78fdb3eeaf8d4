//===- Value.cpp - Values of constant expressions ------------------------===//
#include "Value.h"

#include "Components.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/ErrorHandling.h"

#include <charconv>
#include <cmath>

namespace loom::frontend {

Value Value::integer(int64_t v) {
  Value result;
  result.kind = Kind::Int;
  result.intValue = v;
  return result;
}

Value Value::number(double v) {
  Value result;
  result.kind = Kind::Float;
  result.floatValue = v;
  return result;
}

Value Value::boolean(bool v) {
  Value result;
  result.kind = Kind::Bool;
  result.boolValue = v;
  return result;
}

Value Value::symbol(llvm::StringRef name) {
  Value result;
  result.kind = Kind::Symbol;
  result.symbolValue = name;
  return result;
}

Value Value::component(std::shared_ptr<const ComponentValue> c) {
  Value result;
  result.kind = Kind::Component;
  result.componentValue = std::move(c);
  return result;
}

std::optional<int64_t> Value::toExactInt() const {
  if (kind == Kind::Int)
    return intValue;
  // 2^63 is exactly representable; anything at or beyond it does not fit.
  constexpr double kLimit = 9223372036854775808.0;
  if (kind == Kind::Float && std::trunc(floatValue) == floatValue && floatValue < kLimit && floatValue >= -kLimit)
    return static_cast<int64_t>(floatValue);
  return std::nullopt;
}

std::string formatNumber(double value) {
  char buffer[64];
  // Shortest round-trip form; 64 characters always suffice for a double.
  std::to_chars_result result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

std::string Value::describe() const {
  switch (kind) {
  case Kind::Int:
    return "integer " + std::to_string(intValue);
  case Kind::Float:
    return "number " + formatNumber(floatValue);
  case Kind::Bool:
    return boolValue ? "boolean true" : "boolean false";
  case Kind::Symbol:
    return ("'" + symbolValue + "'").str();
  case Kind::None:
    return "none";
  case Kind::Component:
    return (componentValue->ctor->name + " component").str();
  }
  llvm_unreachable("unknown value kind");
}

const ComponentArg *ComponentValue::findArg(llvm::StringRef name) const {
  for (const ComponentArg &arg : args)
    if (arg.name == name)
      return &arg;
  return nullptr;
}

void ComponentValue::setArg(ComponentArg arg) {
  for (ComponentArg &existing : args)
    if (existing.name == arg.name) {
      existing = std::move(arg);
      return;
    }
  args.push_back(std::move(arg));
}

} // namespace loom::frontend
