//===- LoomOps.h - Operations of the loom dialect -------------*- C++ -*-===//
#ifndef LOOM_DIALECT_LOOMOPS_H
#define LOOM_DIALECT_LOOMOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/LLVMIR/LLVMTypes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "loom/Dialect/LoomDialect.h"
#include "loom/Dialect/LoomOpsEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "loom/Dialect/LoomOpsAttrDefs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "loom/Dialect/LoomOpsTypes.h.inc"

#define GET_OP_CLASSES
#include "loom/Dialect/LoomOps.h.inc"

#endif // LOOM_DIALECT_LOOMOPS_H
