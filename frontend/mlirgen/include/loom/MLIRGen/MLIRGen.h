//===- MLIRGen.h - ArchSpec to loom IR -------------------------*- C++ -*-===//
#ifndef LOOM_MLIRGEN_MLIRGEN_H
#define LOOM_MLIRGEN_MLIRGEN_H

#include "loom/Frontend/ArchSpec.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace loom {

/// Name of the function MLIRGen emits: `(tensor<?xi32> tokens, index start)
/// -> tensor<?x vocab x f32>` over the tokens of one chunk.
inline constexpr llvm::StringLiteral kForwardFunctionName = "forward";
/// Dictionary attribute on the forward function with the model's global
/// hyper-parameters (name, vocab, d_model, n_layers, max_context).
inline constexpr llvm::StringLiteral kModelAttrName = "loom.model";

/// Builds the loom IR of one forward pass. Every op carries the DSL location
/// of the construct it came from. Returns null after emitting a diagnostic if
/// the spec uses something the IR cannot express.
mlir::OwningOpRef<mlir::ModuleOp> buildModelIR(mlir::MLIRContext &context, const ArchSpec &spec);

} // namespace loom

#endif // LOOM_MLIRGEN_MLIRGEN_H
