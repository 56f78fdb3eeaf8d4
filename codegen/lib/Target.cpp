//===- Target.cpp - Which machine code is generated for -----------------===//
#include "loom/Codegen/Target.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

namespace loom {

/// Checks `--gpu` values: sm_NN with NN at least kMinimumCudaArch.
static llvm::Expected<std::vector<std::string>> cudaArchitectures(const std::vector<std::string> &gpus) {
  if (gpus.empty())
    return std::vector<std::string>{"sm_" + std::to_string(kMinimumCudaArch)};
  for (const std::string &gpu : gpus) {
    unsigned arch = 0;
    llvm::StringRef digits(gpu);
    if (!digits.consume_front("sm_") || digits.getAsInteger(10, arch))
      return llvm::createStringError("--gpu '%s' is not a CUDA architecture such as sm_80 or sm_90", gpu.c_str());
    if (arch < kMinimumCudaArch)
      return llvm::createStringError("--gpu %s: Loom's CUDA kernels need sm_%d (Ampere) or newer", gpu.c_str(),
                                     kMinimumCudaArch);
  }
  return gpus;
}

llvm::Expected<ResolvedTarget> resolveTarget(const TargetSpec &spec) {
  llvm::Triple host(llvm::sys::getDefaultTargetTriple());
  if (spec.triple == "cuda" || spec.triple == "opencl") {
    // The glue runs on the host and calls the kit's kernels, which launch on the device.
    if (host.getArch() != llvm::Triple::x86_64)
      return llvm::createStringError("--target %s needs an x86-64 host, not '%s'", spec.triple.c_str(),
                                     host.str().c_str());
    TargetSpec machine = spec;
    machine.triple.clear();
    if (spec.triple == "opencl") {
      if (!spec.gpus.empty())
        return llvm::createStringError("--gpu is for --target cuda");
      return ResolvedTarget{host.str(), TargetFamily::OpenCL, "opencl", machine, {}};
    }
    auto gpus = cudaArchitectures(spec.gpus);
    if (!gpus)
      return gpus.takeError();
    return ResolvedTarget{host.str(), TargetFamily::Cuda, "cuda", machine, *gpus};
  }
  if (!spec.gpus.empty())
    return llvm::createStringError("--gpu is for --target cuda");
  llvm::Triple triple(spec.triple.empty() ? host.str() : llvm::Triple::normalize(spec.triple));
  bool linuxGnu = triple.isOSLinux() && triple.getEnvironment() == llvm::Triple::GNU;
  ResolvedTarget resolved{triple.str(), TargetFamily::X86_64, "", spec, {}};
  if (triple.getArch() == llvm::Triple::x86_64 && linuxGnu)
    resolved.family = TargetFamily::X86_64;
  else if (triple.getArch() == llvm::Triple::aarch64 && linuxGnu)
    resolved.family = TargetFamily::AArch64;
  else
    return llvm::createStringError("Loom has no kernels for target '%s' (supported: x86_64-linux-gnu, "
                                   "aarch64-linux-gnu, cuda, opencl)",
                                   spec.triple.c_str());
  // A kit is named by architecture, OS and environment, as its toolchain file (cmake/toolchains) is.
  if (triple.getArch() != host.getArch())
    resolved.kit = (llvm::Triple::getArchTypeName(triple.getArch()) + "-linux-gnu").str();
  return resolved;
}

llvm::Error checkNumericsForTarget(const ResolvedTarget &target, llvm::StringRef numerics) {
  if (numerics == "ggml" && target.family != TargetFamily::X86_64)
    return llvm::createStringError("the ggml numerics profile reproduces llama.cpp's x86 arithmetic; target "
                                   "'%s' runs the fast profile",
                                   target.kit.empty() ? target.triple.c_str() : target.kit.c_str());
  return llvm::Error::success();
}

llvm::Expected<KitLinkLine> readKitLinkLine(const ResolvedTarget &target) {
  std::string exe = llvm::sys::fs::getMainExecutable(nullptr, reinterpret_cast<void *>(&readKitLinkLine));
  llvm::SmallString<256> path(llvm::sys::path::parent_path(llvm::sys::path::parent_path(exe)));
  llvm::sys::path::append(path, "lib", "loom");
  if (!target.kit.empty())
    llvm::sys::path::append(path, "targets", target.kit);
  llvm::sys::path::append(path, "model-link.txt");
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer) {
    if (!target.kit.empty())
      return llvm::createStringError(buffer.getError(),
                                     "no %s kit: cannot read '%s' (the build makes it when LOOM_TARGET_KITS "
                                     "names the target and its cross toolchain is installed)",
                                     target.kit.c_str(), path.c_str());
    return llvm::createStringError(buffer.getError(), "cannot read the runtime link list '%s'", path.c_str());
  }
  KitLinkLine line{std::string(path), "", {}};
  llvm::SmallVector<llvm::StringRef> lines;
  (*buffer)->getBuffer().split(lines, '\n', -1, false);
  for (llvm::StringRef text : lines) {
    text = text.trim();
    if (text.consume_front("--driver="))
      line.driver = text.str();
    else if (!text.empty())
      line.args.push_back(text.str());
  }
  return line;
}

llvm::Expected<std::unique_ptr<llvm::TargetMachine>> createTargetMachine(const TargetSpec &spec) {
  static const bool initialized = [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
    return true;
  }();
  (void)initialized;

  bool host = spec.triple.empty();
  llvm::Triple triple(host ? llvm::sys::getDefaultTargetTriple() : spec.triple);
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return llvm::createStringError("unsupported target '%s': %s", triple.str().c_str(), error.c_str());

  std::string cpu = spec.cpu;
  std::string features = spec.features;
  if (cpu.empty())
    cpu = host ? llvm::sys::getHostCPUName().str() : "generic";
  if (host && features.empty()) {
    // The host CPU name alone can miss features a hypervisor exposes or hides.
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      features += (features.empty() ? "" : ",") + std::string(feature.getValue() ? "+" : "-") +
                  feature.getKey().str();
  }
  llvm::TargetOptions options;
  // Kernels own the numerically sensitive reductions; generated glue code only
  // does address arithmetic, so fast-math contraction is never needed here.
  auto level = spec.optLevel >= 3   ? llvm::CodeGenOptLevel::Aggressive
               : spec.optLevel == 2 ? llvm::CodeGenOptLevel::Default
               : spec.optLevel == 1 ? llvm::CodeGenOptLevel::Less
                                    : llvm::CodeGenOptLevel::None;
  std::unique_ptr<llvm::TargetMachine> machine(
      target->createTargetMachine(triple, cpu, features, options, llvm::Reloc::PIC_, std::nullopt, level));
  if (!machine)
    return llvm::createStringError("cannot create a target machine for '%s'", triple.str().c_str());
  return machine;
}

} // namespace loom
