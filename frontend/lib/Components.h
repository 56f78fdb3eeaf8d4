//===- Components.h - Component constructors and their checks --*- C++ -*-===//
//
// The table of component kinds (`RMSNorm`, `GQA`, `SwiGLU`, ...) with their
// named parameters, and the validation that turns a constructor's evaluated
// arguments into a NormSpec, RopeSpec, RopeScalingSpec, AttentionSpec or
// FFNSpec.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_FRONTEND_LIB_COMPONENTS_H
#define LOOM_FRONTEND_LIB_COMPONENTS_H

#include "Value.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace loom::frontend {

class DiagnosticEmitter;

/// Upper bound on every dimension (vocab, d_model, heads, hidden, window...).
inline constexpr int64_t kMaxDimension = int64_t(1) << 31;

/// LinearAttention: a token mixer with a recurrent state (GatedDeltaNet) where attention would be.
enum class ComponentFamily { Norm, Rope, RopeScaling, Attention, FFN, LinearAttention };

enum class Constructor { RMSNorm, LayerNorm, RoPE, Linear, Llama3, Yarn, GQA, MHA, MQA, SwiGLU, GeGLU, GeluMLP, MoE, MLA,
                         GatedDeltaNet };

enum class ParamType {
  Int,
  Number,
  Bool,
  /// One of ParamInfo::enumerators, written as a bare name (`style = half`).
  Enum,
  /// A norm component or `none`.
  Norm,
  /// A RoPE component or `none`.
  Rope,
  /// A RoPE scaling (`linear(...)`, `llama3(...)`, `yarn(...)`) or `none`.
  RopeScaling,
};

struct ParamInfo {
  llvm::StringRef name;
  ParamType type;
  bool required;
  llvm::ArrayRef<llvm::StringRef> enumerators;
};

struct ConstructorInfo {
  llvm::StringRef name;
  Constructor kind;
  ComponentFamily family;
  llvm::ArrayRef<ParamInfo> params;

  const ParamInfo *findParam(llvm::StringRef param) const;
};

/// All component kinds, in documentation order.
llvm::ArrayRef<ConstructorInfo> constructors();
const ConstructorInfo *lookupConstructor(llvm::StringRef name);

/// Whether `name` is an enumerator of some parameter (`half`, `global`, ...)
/// or `none`. Such names evaluate to themselves anywhere.
bool isEnumerator(llvm::StringRef name);

/// Checks the argument types, required arguments and value ranges of
/// `component`, and fills in `component.spec`. Every problem is reported;
/// returns false if there was any.
bool buildComponentSpec(ComponentValue &component, DiagnosticEmitter &diags);

/// Whether a component of this family can be applied in a residual block.
inline bool isCallable(ComponentFamily family) {
  return family != ComponentFamily::Rope && family != ComponentFamily::RopeScaling;
}

} // namespace loom::frontend

#endif // LOOM_FRONTEND_LIB_COMPONENTS_H
