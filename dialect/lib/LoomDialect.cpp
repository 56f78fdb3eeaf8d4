//===- LoomDialect.cpp - The loom dialect -------------------------------===//
#include "loom/Dialect/LoomDialect.h"
#include "loom/Dialect/LoomOps.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace loom;

#include "loom/Dialect/LoomOpsDialect.cpp.inc"
#include "loom/Dialect/LoomOpsEnums.cpp.inc"
#define GET_ATTRDEF_CLASSES
#include "loom/Dialect/LoomOpsAttrDefs.cpp.inc"
#define GET_TYPEDEF_CLASSES
#include "loom/Dialect/LoomOpsTypes.cpp.inc"

void LoomDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "loom/Dialect/LoomOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "loom/Dialect/LoomOpsAttrDefs.cpp.inc"
      >();
  addTypes<
#define GET_TYPEDEF_LIST
#include "loom/Dialect/LoomOpsTypes.cpp.inc"
      >();
}
