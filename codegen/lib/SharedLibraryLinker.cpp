//===- SharedLibraryLinker.cpp - Object + runtime archives -> .so -------===//
//
// A compiler driver links, because it knows the target's C runtime and
// libstdc++ locations; the archives and flags to add come from the target
// kit's model-link.txt (Target.h), written by CMake next to the archives it
// built, so the `loom` binary needs no compiled-in paths. A cross kit's file
// names its driver in a first line `--driver=...`; the host's links with the
// host's clang or cc.
//
//===----------------------------------------------------------------------===//
#include "loom/Codegen/Artifacts.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"

namespace loom {

llvm::Expected<std::string> runtimeLinkFingerprint(const ResolvedTarget &target) {
  auto link = readKitLinkLine(target);
  if (!link)
    return link.takeError();
  std::string fingerprint = target.triple + "\n" + link->driver + "\n";
  for (const std::string &arg : link->args) {
    fingerprint += arg + "\n";
    llvm::sys::fs::file_status status;
    if (!llvm::sys::fs::status(arg, status))
      fingerprint += std::to_string(status.getLastModificationTime().time_since_epoch().count()) + "\n";
  }
  return fingerprint;
}

llvm::Error linkSharedLibrary(llvm::StringRef object, llvm::StringRef output, const ResolvedTarget &target) {
  auto link = readKitLinkLine(target);
  if (!link)
    return link.takeError();
  std::string driver;
  std::vector<std::string> candidates{"clang-22", "clang", "cc"};
  if (!link->driver.empty())
    candidates = {link->driver};
  for (const std::string &candidate : candidates)
    if (auto found = llvm::sys::findProgramByName(candidate)) {
      driver = *found;
      break;
    }
  if (driver.empty())
    return llvm::createStringError("no compiler driver (%s) to link '%s' with",
                                   llvm::join(candidates, ", ").c_str(), output.str().c_str());

  std::vector<std::string> args{driver, "-shared", "-o", output.str(), object.str()};
  if (!target.kit.empty())
    args.push_back("--target=" + target.triple);
  args.insert(args.end(), link->args.begin(), link->args.end());
  for (const char *lib : {"-lstdc++", "-lm", "-lpthread", "-ldl"})
    args.push_back(lib);

  std::vector<llvm::StringRef> argv(args.begin(), args.end());
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(driver, argv, std::nullopt, {}, 0, 0, &message);
  if (rc != 0) {
    std::string command;
    for (const std::string &a : args)
      command += a + " ";
    return llvm::createStringError("linking '%s' failed (exit %d%s%s): %s", output.str().c_str(), rc,
                                   message.empty() ? "" : ", ", message.c_str(), command.c_str());
  }
  return llvm::Error::success();
}

} // namespace loom
