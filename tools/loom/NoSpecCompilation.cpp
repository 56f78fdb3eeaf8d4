//===- NoSpecCompilation.cpp - The runner has no compiler -----------------===//
//
// RunnerMain.cpp passes every command line naming a spec (or only a GGUF
// file) to loom-compiler, so these are reached only by a caller that skipped
// that check.
//
//===----------------------------------------------------------------------===//
#include "SpecCompilation.h"

namespace loom {
namespace {
llvm::Error needsCompiler(const std::string &what) {
  return llvm::createStringError("%s needs the compiler: run it with loom-compiler", what.c_str());
}
} // namespace

llvm::Expected<std::string> importSpecIntoCache(const std::string &ggufWeights) {
  return needsCompiler("importing the architecture of '" + ggufWeights + "'");
}

llvm::Expected<std::string> compileSpecIntoCache(const std::string &spec, const std::string &, const std::string &) {
  return needsCompiler("compiling '" + spec + "'");
}

llvm::Expected<std::string> describeSpec(const std::string &spec, const std::string &) {
  return needsCompiler("reading '" + spec + "'");
}

} // namespace loom
