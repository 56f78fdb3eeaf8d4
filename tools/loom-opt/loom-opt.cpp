//===- loom-opt.cpp - mlir-opt with the loom dialect and passes ---------===//
#include "loom/Dialect/LoomDialect.h"
#include "loom/Passes/Passes.h"
#include "loom/Passes/Pipeline.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  loom::registerLoomPasses();
  loom::registerLoomPipeline();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  registry.insert<loom::LoomDialect>();
  return mlir::asMainReturnCode(mlir::MlirOptMain(argc, argv, "Loom optimizer driver\n", registry));
}
