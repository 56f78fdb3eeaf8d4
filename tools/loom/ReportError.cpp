//===- ReportError.cpp - How every loom command reports a failure ---------===//
#include "Commands.h"

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
