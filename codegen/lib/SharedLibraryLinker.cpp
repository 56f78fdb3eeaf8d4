//===- SharedLibraryLinker.cpp - Object + runtime archives -> .so -------===//
//
// The system compiler driver links, because it knows the target's C runtime
// and libstdc++ locations; the archives and flags to add come from
// lib/loom/model-link.txt, written by CMake next to the archives it built, so
// the `loom` binary needs no compiled-in paths.
//
//===----------------------------------------------------------------------===//
#include "loom/Codegen/Artifacts.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/TargetParser/Host.h"

namespace loom {

static llvm::Expected<std::vector<std::string>> readLinkArguments() {
  std::string exe = llvm::sys::fs::getMainExecutable(nullptr, reinterpret_cast<void *>(&readLinkArguments));
  llvm::SmallString<256> path(llvm::sys::path::parent_path(llvm::sys::path::parent_path(exe)));
  llvm::sys::path::append(path, "lib", "loom", "model-link.txt");
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return llvm::createStringError(buffer.getError(), "cannot read the runtime link list '%s'", path.c_str());
  std::vector<std::string> args;
  llvm::SmallVector<llvm::StringRef> lines;
  (*buffer)->getBuffer().split(lines, '\n', -1, false);
  for (llvm::StringRef line : lines)
    if (!line.trim().empty())
      args.push_back(line.trim().str());
  return args;
}

llvm::Expected<std::string> runtimeLinkFingerprint() {
  auto linkArgs = readLinkArguments();
  if (!linkArgs)
    return linkArgs.takeError();
  std::string fingerprint;
  for (const std::string &arg : *linkArgs) {
    fingerprint += arg + "\n";
    llvm::sys::fs::file_status status;
    if (!llvm::sys::fs::status(arg, status))
      fingerprint += std::to_string(status.getLastModificationTime().time_since_epoch().count()) + "\n";
  }
  return fingerprint;
}

llvm::Error linkSharedLibrary(llvm::StringRef object, llvm::StringRef output, llvm::StringRef triple) {
  auto linkArgs = readLinkArguments();
  if (!linkArgs)
    return linkArgs.takeError();
  std::string driver;
  for (const char *candidate : {"clang-22", "clang", "cc"})
    if (auto found = llvm::sys::findProgramByName(candidate)) {
      driver = *found;
      break;
    }
  if (driver.empty())
    return llvm::createStringError("no C compiler driver (clang-22, clang or cc) on PATH to link with");

  std::vector<std::string> args{driver, "-shared", "-o", output.str(), object.str()};
  if (!triple.empty() && triple != llvm::sys::getDefaultTargetTriple())
    args.push_back("--target=" + triple.str());
  args.insert(args.end(), linkArgs->begin(), linkArgs->end());
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
