//===- Target.h - Which machine code is generated for ------------*- C++ -*-===//
//
// A target is a triple plus CPU and features, so the same pipeline serves
// x86-64 today and AArch64 / NVPTX next: nothing below the triple is
// hard-coded.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_CODEGEN_TARGET_H
#define LOOM_CODEGEN_TARGET_H

#include "llvm/Support/Error.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>

namespace loom {

struct TargetSpec {
  std::string triple;   // empty: the host
  std::string cpu;      // empty: the host CPU when compiling for the host, else "generic"
  std::string features; // e.g. "+avx2,+fma"
  unsigned optLevel = 3;
};

/// Creates the TargetMachine for `spec`, filling in host defaults.
llvm::Expected<std::unique_ptr<llvm::TargetMachine>> createTargetMachine(const TargetSpec &spec);

} // namespace loom

#endif // LOOM_CODEGEN_TARGET_H
