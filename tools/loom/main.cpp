//===- main.cpp - The loom command-line tool ----------------------------===//
#include "Commands.h"

#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

namespace loom {
int reportError(llvm::Error error) {
  llvm::handleAllErrors(std::move(error), [](const llvm::ErrorInfoBase &info) {
    // An empty message means the diagnostics were already printed (located, by the frontend).
    if (!info.message().empty())
      llvm::WithColor::error(llvm::errs(), "loom") << info.message() << "\n";
  });
  return 1;
}
} // namespace loom

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
