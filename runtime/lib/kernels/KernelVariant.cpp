//===- KernelVariant.cpp - Which kernel variant runs, and when it may -----===//
//
// Each pipeline is compiled once per Halide target (LOOM_KERNELS_HALIDE_TARGETS,
// best first) and Halide's dispatch runs the first whose features the CPU has.
// Halide 14 asks only for the features a target names: for
// avx512_sapphirerapids, AVX-512 VNNI and BF16. But LLVM compiles that target
// for the Sapphire Rapids CPU, and the code uses what that CPU has beyond them:
// the VEX form of vpdpbusd (AVX-VNNI), which Zen 4 and Cooper Lake lack. So
// the kernels install a stricter check: that variant runs only where AVX-VNNI
// is present too. (AVX512-FP16, which Sapphire Rapids also has, must not
// appear in the code at all: test/kernels checks the objects for it.) The
// AVX-512 CPUs without AVX-VNNI (Zen 4, Ice Lake) run the avx512_cannonlake
// variant: 512-bit vectors, 8-bit products widened to 16 bits as in the
// baseline, since Halide 14 has no target with VNNI but not AVX-VNNI.
//
// Some pipelines' variants hold no VEX-encoded instruction at all (the products
// on packed rows, whose dot products are all 512 bits wide, where only the EVEX
// form exists): those run their 8-bit dot product variant on Zen 4 too, inside
// an EvexOnlyPipeline scope (RunPipeline.h), and the objects of every pipeline
// run so are checked for VEX forms (test/kernels/check-variant-instructions.sh).
//
// LOOM_KERNELS=avx2 in the environment makes every pipeline run its baseline
// variant, LOOM_KERNELS=avx512 the AVX-512 one without 8-bit dot products, to
// compare them on one machine.
//
// A probe pipeline compiled for the same targets (codegen/kernels/
// KernelVariant.cpp) returns the index of the variant that ran, so
// loom_kernels_variant reports the dispatch's real choice; a second copy of it
// runs in an EvexOnlyPipeline scope. Halide's dispatch keeps each pipeline's
// first choice: a pipeline runs always, or never, inside such a scope.
//
//===----------------------------------------------------------------------===//

#include "DeviceCopies.h"
#include "RunPipeline.h"
#include "loom/Runtime/Kernels.h"

#include "loom_hl_kernel_variant.h"
#include "loom_hl_kernel_variant_evex_only.h"

#include <cstdlib>
#include <cstring>

namespace {

bool hasFeature(int count, const uint64_t *features, int feature) {
  return feature / 64 < count && (features[feature / 64] >> (feature % 64) & 1);
}

bool requested(const char *variant) {
  const char *value = std::getenv("LOOM_KERNELS");
  return value && std::strcmp(value, variant) == 0;
}

thread_local bool evexOnlyPipeline = false;

int canUseTargetFeatures(int count, const uint64_t *features) {
  if (!halide_default_can_use_target_features(count, features))
    return 0;
  if (!hasFeature(count, features, halide_target_feature_avx512))
    return 1;
  if (requested("avx2"))
    return 0;
  if (!hasFeature(count, features, halide_target_feature_avx512_sapphirerapids))
    return 1;
  if (requested("avx512"))
    return 0;
  return evexOnlyPipeline || __builtin_cpu_supports("avxvnni") ? 1 : 0;
}

/// The variant a probe pipeline runs (0 baseline, 1 AVX-512, 2 with 8-bit dot products). Halide's dispatch
/// keeps a pipeline's first choice, so each probe is called in one kind of scope only.
int32_t probeVariant(int (*probe)(halide_buffer_t *)) {
  int32_t variant = 0;
  halide_buffer_t out{};
  out.host = reinterpret_cast<uint8_t *>(&variant);
  out.type = halide_type_t(halide_type_int, 32);
  loom::kernels::runPipeline("loom_kernels_variant", probe, &out);
  return variant;
}

} // namespace

void loom::kernels::ensureKernelDispatch() {
  static const bool installed = (halide_set_custom_can_use_target_features(canUseTargetFeatures), true);
  (void)installed;
}

loom::kernels::EvexOnlyPipeline::EvexOnlyPipeline() : previous(evexOnlyPipeline) { evexOnlyPipeline = true; }

loom::kernels::EvexOnlyPipeline::~EvexOnlyPipeline() { evexOnlyPipeline = previous; }

const char *loom_kernels_unavailable(void) {
  // The baseline variant's own instructions; Halide's dispatch never looks below it.
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma") || !__builtin_cpu_supports("f16c"))
    return "this library's kernels need an x86-64 CPU with AVX2, FMA and F16C (x86-64-v3), which this one lacks";
  return nullptr;
}

const char *loom_kernels_variant(void) {
  static const char *const name = [] {
    int32_t variant = probeVariant(loom_hl_kernel_variant), evexOnly;
    {
      loom::kernels::EvexOnlyPipeline scope;
      evexOnly = probeVariant(loom_hl_kernel_variant_evex_only);
    }
    if (variant == 1 && evexOnly == 2)
      return "x86-64 avx512, vnni packed products";
    return variant == 2 ? "x86-64 avx512-vnni" : variant == 1 ? "x86-64 avx512" : "x86-64 avx2";
  }();
  return name;
}

const halide_device_interface_t *loom::kernels::kitDeviceInterface() { return nullptr; }
