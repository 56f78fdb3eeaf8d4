//===- Target.cpp - Which machine code is generated for -----------------===//
#include "loom/Codegen/Target.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

namespace loom {

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
