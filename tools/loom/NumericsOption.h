//===- NumericsOption.h - Checking a --numerics value -----------*- C++ -*-===//
#ifndef LOOM_TOOLS_NUMERICSOPTION_H
#define LOOM_TOOLS_NUMERICSOPTION_H

#include "loom/Runtime/ModelABI.h"

#include "llvm/Support/Error.h"

#include <string>

namespace loom {

/// An error naming the profiles unless `name` is one (ModelABI.h holds the names).
inline llvm::Error checkNumericsProfile(const std::string &name) {
  if (loom_numerics_from_name(name.c_str()) >= 0)
    return llvm::Error::success();
  return llvm::createStringError("--numerics must be %s or %s, got '%s'", loom_numerics_name(LOOM_NUMERICS_FAST),
                                 loom_numerics_name(LOOM_NUMERICS_GGML), name.c_str());
}

} // namespace loom

#endif // LOOM_TOOLS_NUMERICSOPTION_H
