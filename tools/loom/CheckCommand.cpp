//===- CheckCommand.cpp - `loom check SPEC` -----------------------------===//
#include "Commands.h"
#include "SpecCompiler.h"

#include "loom/Frontend/Frontend.h"

#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace {
cl::SubCommand sub("check", "Parse and check a spec, print the resolved architecture");
cl::opt<std::string> spec(cl::Positional, cl::Required, cl::desc("<spec.loom>"), cl::sub(sub));
cl::opt<std::string> arch("arch", cl::desc("Architecture to select when the file defines several"),
                          cl::init(""), cl::sub(sub));

int run() {
  loom::SpecSession session;
  auto parsed = session.parse(spec, arch);
  if (!parsed)
    return loom::reportError(parsed.takeError());
  outs() << loom::describeArchSpec(**parsed);
  return 0;
}
} // namespace

loom::Command loom::checkCommand() { return {sub, run}; }
