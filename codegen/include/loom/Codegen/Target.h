//===- Target.h - Which machine code is generated for ------------*- C++ -*-===//
//
// Everything `loom compile` decides from --target lives here: the triple and
// CPU the TargetMachine gets, the family of targets it belongs to (which
// numerics profiles it can run), and which target kit (the runtime and kernel
// archives built for it, cmake/LoomTargetKits.cmake) a library links.
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

/// The kinds of machine Loom has kernels for.
enum class TargetFamily {
  X86_64,  ///< AVX2 + FMA and up, picked at load (runtime/lib/kernels/KernelVariant.cpp)
  AArch64, ///< NEON
};

/// What --target resolves to.
struct ResolvedTarget {
  std::string triple; ///< normalized
  TargetFamily family;
  /// The kit's directory under <install>/lib/loom/targets, or empty for the host's own kit.
  std::string kit;
};

/// Resolves `spec` (empty triple: the host); an error names targets Loom has no kernels for.
llvm::Expected<ResolvedTarget> resolveTarget(const TargetSpec &spec);

/// The numerics profiles `target` can run: ggml reproduces llama.cpp's x86 arithmetic, so it is x86's alone.
llvm::Error checkNumericsForTarget(const ResolvedTarget &target, llvm::StringRef numerics);

/// The link line of `target`'s kit: <install>/lib/loom[/targets/<kit>]/model-link.txt, beside the running
/// executable's install tree.
std::string kitLinkFile(const ResolvedTarget &target);

/// Creates the TargetMachine for `spec`, filling in host defaults.
llvm::Expected<std::unique_ptr<llvm::TargetMachine>> createTargetMachine(const TargetSpec &spec);

} // namespace loom

#endif // LOOM_CODEGEN_TARGET_H
