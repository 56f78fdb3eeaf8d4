//===- Commands.h - The subcommands of `loom` --------------------*- C++ -*-===//
//
// Each subcommand lives in its own file with its llvm::cl::SubCommand and
// options (options must be constructed after their SubCommand, which only a
// single translation unit guarantees).
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TOOLS_COMMANDS_H
#define LOOM_TOOLS_COMMANDS_H

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"

namespace loom {

struct Command {
  llvm::cl::SubCommand &sub;
  int (*run)();
};

Command checkCommand();
Command compileCommand();
Command runCommand();
Command benchCommand();
Command reportCommand();
Command logitsCommand();
Command importCommand();
Command tokenizeCommand();

/// Prints `error` as `loom: error: ...` and returns the exit code 1.
int reportError(llvm::Error error);

} // namespace loom

#endif // LOOM_TOOLS_COMMANDS_H
