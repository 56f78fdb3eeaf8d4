//===- LoomDialect.h - The loom dialect -----------------------*- C++ -*-===//
#ifndef LOOM_DIALECT_LOOMDIALECT_H
#define LOOM_DIALECT_LOOMDIALECT_H

#include "mlir/IR/Dialect.h"

#include "loom/Dialect/LoomOpsDialect.h.inc"

#endif // LOOM_DIALECT_LOOMDIALECT_H
