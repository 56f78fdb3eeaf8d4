//===- CompilerMain.cpp - loom-compiler: every command of `loom` ----------===//
//
// The tool with the compiler in it. Users run `loom` (RunnerMain.cpp), which
// runs compiled libraries itself and hands every other command line here.
//
//===----------------------------------------------------------------------===//
#include "Commands.h"

#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"


int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  loom::Command commands[] = {loom::checkCommand(), loom::compileCommand(), loom::runCommand(),
                              loom::benchCommand(), loom::reportCommand(), loom::logitsCommand(),
                              loom::importCommand(), loom::tokenizeCommand()};
  if (!llvm::cl::ParseCommandLineOptions(argc, argv,
                                         "Loom: compile transformer architecture specs into native libraries\n"))
    return 1;
  for (const loom::Command &command : commands)
    if (command.sub)
      return command.run();
  llvm::errs() << "loom: expected a subcommand (check, compile, run, bench, report, logits, import, tokenize); see loom --help\n";
  return 1;
}
