//===- KernelVariant.cpp - Which kernel variant this CPU runs -------------===//
//
// A model library carries each kernel once per instruction set, and Halide's
// dispatch picks one at run time from the CPU's features. This pipeline is
// compiled for the same targets as the kernels and returns the index of its
// own target in ScheduleTarget.h's naming, so the runtime reports the variant
// the dispatch really chose rather than repeating its decision.
//
//===----------------------------------------------------------------------===//

#include "ScheduleTarget.h"

using namespace Halide;

namespace loom::kernels {
namespace {

class KernelVariant : public Generator<KernelVariant> {
public:
  /// 2 for the variant with 8-bit dot products (x86's vpdpbusd or AArch64's sdot), 1 for AVX-512 without
  /// them, 0 for the baseline.
  Output<Buffer<int32_t, 0>> variant{"variant"};

  void generate() {
    const Target target = get_target();
    variant() = hasInt8DotProduct(target) || hasArmDotProduct(target) ? 2 : target.has_feature(Target::AVX512) ? 1 : 0;
  }
};

} // namespace
} // namespace loom::kernels

HALIDE_REGISTER_GENERATOR(loom::kernels::KernelVariant, loom_kernel_variant)
