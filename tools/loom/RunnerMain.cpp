//===- RunnerMain.cpp - loom: runs libraries, hands the rest to the compiler ===//
//
// Running a compiled library must not cost the compiler: loom-compiler maps
// LLVM and MLIR, about 100 MiB resident before any weights. So `loom` itself
// holds only the commands that run a library (and the tokenizer), linked with
// LLVM's support library alone, and hands every command line that needs the
// compiler (a spec to compile, a GGUF file to import, compile, report, ...) to
// loom-compiler beside it, unchanged.
//
//===----------------------------------------------------------------------===//
#include "Commands.h"
#include "ModelOptions.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <cstring>
#include <unistd.h>

using namespace llvm;

namespace {

/// Whether the runner can do all of this command line: a run command given a compiled library, or tokenize.
bool runsWithoutCompiler(int argc, char **argv) {
  if (argc < 2)
    return false;
  StringRef command = argv[1];
  if (command == "tokenize")
    return true;
  if (command != "run" && command != "logits" && command != "bench")
    return false;
  for (int i = 2; i < argc; ++i)
    if (!StringRef(argv[i]).starts_with("-") && loom::isModelLibrary(argv[i]))
      return true;
  return false;
}

int handToCompiler(char **argv) {
  static int anchor;
  SmallString<256> compiler(sys::path::parent_path(sys::fs::getMainExecutable(argv[0], &anchor)));
  sys::path::append(compiler, "loom-compiler");
  ::execv(compiler.c_str(), argv);
  WithColor::error(errs(), "loom") << "cannot start '" << compiler << "': " << std::strerror(errno) << "\n";
  return 1;
}

} // namespace

int main(int argc, char **argv) {
  if (!runsWithoutCompiler(argc, argv))
    return handToCompiler(argv);
  InitLLVM init(argc, argv);
  loom::Command commands[] = {loom::runCommand(), loom::benchCommand(), loom::logitsCommand(),
                              loom::tokenizeCommand()};
  if (!cl::ParseCommandLineOptions(argc, argv, "Loom: run compiled model libraries\n"))
    return 1;
  for (const loom::Command &command : commands)
    if (command.sub)
      return command.run();
  return 1;
}
