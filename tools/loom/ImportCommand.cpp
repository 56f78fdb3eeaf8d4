//===- ImportCommand.cpp - `loom import FILE -o SPEC.loom` ---------------===//
#include "Commands.h"
#include "Importer.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace {
cl::SubCommand sub("import", "Write a .loom spec for a GGUF file or a Hugging Face config.json");
cl::opt<std::string> input(cl::Positional, cl::Required, cl::desc("<model.gguf | config.json>"), cl::sub(sub));
cl::opt<std::string> output("o", cl::desc("Output spec (- for stdout)"), cl::value_desc("spec.loom"), cl::Required,
                            cl::sub(sub));
cl::opt<std::string> archName("name", cl::desc("Architecture name in the spec (default: from the file)"),
                              cl::init(""), cl::sub(sub));
// Import refuses keys it does not know, since it cannot tell whether they change the computation; the user
// can vouch for them.
cl::list<std::string> ignoredKeys("ignore-key",
                                  cl::desc("A config or metadata key to ignore, which you know does not change "
                                           "the computation (repeatable; recorded in the spec)"),
                                  cl::value_desc("KEY"), cl::sub(sub));

int run() {
  std::vector<std::string> notes;
  Expected<std::string> spec =
      loom::importSpec(input, archName, notes, std::vector<std::string>(ignoredKeys.begin(), ignoredKeys.end()));
  if (!spec)
    return loom::reportError(spec.takeError());
  for (const std::string &note : notes)
    WithColor::warning(errs(), "loom") << note << "\n";
  if (output == "-") {
    outs() << *spec;
    return 0;
  }
  std::error_code ec;
  raw_fd_ostream out(output, ec, sys::fs::OF_Text);
  if (ec)
    return loom::reportError(createStringError(ec, "cannot write '%s'", output.c_str()));
  out << *spec;
  return 0;
}
} // namespace

loom::Command loom::importCommand() { return {sub, run}; }
