//===- KernelVariantAArch64.cpp - The kernel variant of an AArch64 kit -----===//
//
// An AArch64 kit compiles each pipeline for one Halide target, arm-64-linux:
// NEON is part of the architecture, so there is no dispatch to refine and no
// EVEX-only scope to honour (KernelVariant.cpp says what x86 needs of both).
//
//===----------------------------------------------------------------------===//

#include "RunPipeline.h"
#include "loom/Runtime/Kernels.h"

void loom::kernels::ensureKernelDispatch() {}

loom::kernels::EvexOnlyPipeline::EvexOnlyPipeline() : previous(false) {}

loom::kernels::EvexOnlyPipeline::~EvexOnlyPipeline() = default;

const char *loom_kernels_variant(void) { return "aarch64 neon"; }

const char *loom_kernels_unavailable(void) { return nullptr; }
