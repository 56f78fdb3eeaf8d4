//===- KernelVariantAArch64.cpp - The kernels of an AArch64 kit ------------===//
//
// An AArch64 kit compiles each pipeline for two targets (codegen/kernels/
// CMakeLists.txt): with Armv8.2's 8-bit dot products (sdot), then the NEON
// baseline that every AArch64 CPU runs. Halide 14's runtime cannot tell
// whether an AArch64 CPU has dotprod (it would take the first variant
// everywhere), so the dispatch asks the kernel, through the hardware
// capabilities it gives each process. LOOM_KERNELS=neon keeps the baseline,
// as LOOM_KERNELS=avx2 does on x86.
//
//===----------------------------------------------------------------------===//

#include "DeviceCopies.h"
#include "RunPipeline.h"
#include "loom/Runtime/Kernels.h"

#include "loom_hl_kernel_variant.h"

#include <sys/auxv.h>

#include <cstdlib>
#include <cstring>

namespace {

/// AT_HWCAP's bit for the dotprod extension (Linux's uapi asm/hwcap.h, HWCAP_ASIMDDP).
constexpr unsigned long kHwcapDotProduct = 1ul << 20;

bool cpuHasDotProduct() {
  const char *forced = std::getenv("LOOM_KERNELS");
  if (forced && std::strcmp(forced, "neon") == 0)
    return false;
  return (getauxval(AT_HWCAP) & kHwcapDotProduct) != 0;
}

int canUseTargetFeatures(int count, const uint64_t *features) {
  constexpr int dotProduct = halide_target_feature_arm_dot_prod;
  if (dotProduct / 64 < count && (features[dotProduct / 64] >> (dotProduct % 64) & 1)) {
    static const bool available = cpuHasDotProduct();
    if (!available)
      return 0;
  }
  return halide_default_can_use_target_features(count, features);
}

} // namespace

void loom::kernels::ensureKernelDispatch() {
  static const bool installed = (halide_set_custom_can_use_target_features(canUseTargetFeatures), true);
  (void)installed;
}

// No pipeline here runs under an EVEX-only scope (an x86 matter: KernelVariant.cpp).
loom::kernels::EvexOnlyPipeline::EvexOnlyPipeline() : previous(false) {}

loom::kernels::EvexOnlyPipeline::~EvexOnlyPipeline() = default;

const char *loom_kernels_variant(void) {
  static const char *const name = [] {
    int32_t variant = 0;
    halide_buffer_t out{};
    out.host = reinterpret_cast<uint8_t *>(&variant);
    out.type = halide_type_t(halide_type_int, 32);
    loom::kernels::runPipeline("loom_kernels_variant", loom_hl_kernel_variant, &out);
    return variant == 2 ? "aarch64 neon dotprod" : "aarch64 neon";
  }();
  return name;
}

const char *loom_kernels_unavailable(void) { return nullptr; }

const halide_device_interface_t *loom::kernels::kitDeviceInterface() { return nullptr; }
