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

#include "loom/Runtime/CudaTarget.h"
#include "llvm/Support/Error.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>
#include <vector>

namespace loom {

struct TargetSpec {
  std::string triple;   // empty: the host; "cuda" or "opencl": the host driving such a device
  std::string cpu;      // empty: the host CPU when compiling for the host, else "generic"
  std::string features; // e.g. "+avx2,+fma"
  unsigned optLevel = 3;
  std::vector<std::string> gpus; // with "cuda": the GPU architectures to run on, e.g. sm_90 (default sm_80)
};

/// The kinds of machine Loom has kernels for.
enum class TargetFamily {
  X86_64,  ///< AVX2 + FMA and up, picked at load (runtime/lib/kernels/KernelVariant.cpp)
  AArch64, ///< NEON
  Cuda,    ///< an x86-64 host and an NVIDIA GPU: PTX for compute capability 8.0 and up
  OpenCL,  ///< an x86-64 host and an OpenCL device (the GPU schedules as OpenCL C; PoCL runs them on CPUs)
};

/// What --target resolves to.
struct ResolvedTarget {
  std::string triple; ///< normalized; the host code's (for cuda: the x86-64 host's)
  TargetFamily family;
  /// The kit's directory under <install>/lib/loom/targets, or empty for the host's own kit.
  std::string kit;
  /// The machine the generated glue (host code) is compiled for.
  TargetSpec machine;
  /// cuda: the GPU architectures asked for, each sm_80 or newer.
  std::vector<std::string> gpus;
};

/// The oldest GPU architecture the CUDA kit's PTX runs on.
constexpr int kMinimumCudaArch = LOOM_CUDA_CAPABILITY;

/// Resolves `spec` (empty triple: the host); an error names targets Loom has no kernels for.
llvm::Expected<ResolvedTarget> resolveTarget(const TargetSpec &spec);

/// The numerics profiles `target` can run: ggml reproduces llama.cpp's x86 arithmetic, so it is x86's alone.
llvm::Error checkNumericsForTarget(const ResolvedTarget &target, llvm::StringRef numerics);

/// The link line of `target`'s kit, as its model-link.txt holds it (<install>/lib/loom[/targets/<kit>]/,
/// beside the running executable's install tree): a first line `--driver=...` names a cross kit's compiler
/// driver, every other line is one linker argument.
struct KitLinkLine {
  std::string file;   ///< the model-link.txt read
  std::string driver; ///< empty: the host's
  std::vector<std::string> args;
};
llvm::Expected<KitLinkLine> readKitLinkLine(const ResolvedTarget &target);

/// The device code a library for `target` embeds, as `--emit=asm` writes it: for cuda, every PTX module
/// of the kit, each after a `//--- <pipeline>.ptx` line (LLVM's split-file cuts them apart for ptxas).
llvm::Expected<std::string> deviceCode(const ResolvedTarget &target);

/// Creates the TargetMachine for `spec`, filling in host defaults.
llvm::Expected<std::unique_ptr<llvm::TargetMachine>> createTargetMachine(const TargetSpec &spec);

} // namespace loom

#endif // LOOM_CODEGEN_TARGET_H
