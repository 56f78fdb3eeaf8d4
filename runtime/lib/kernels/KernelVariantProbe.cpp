//===- KernelVariantProbe.cpp - The kernel variant, for the compiler ------===//
//
// `loom report` runs in loom-compiler, which does not link the kernels, yet
// should say which kernel variant this CPU runs. This library carries the
// kernels' own probe (KernelVariant.cpp), so the answer is the dispatch's,
// not a second copy of its rule.
//
//===----------------------------------------------------------------------===//

#include "loom/Runtime/Kernels.h"

extern "C" __attribute__((visibility("default"))) const char *loom_probe_kernel_variant(void) {
  return loom_kernels_variant();
}
