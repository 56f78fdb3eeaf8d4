//===- KernelVariantSingle.cpp - Kits with one variant per pipeline --------===//
//
// The CUDA and OpenCL kits compile each pipeline for one Halide target, so
// there is no dispatch to refine and no EVEX-only scope to honour
// (KernelVariant.cpp says what x86's several variants need of both).
//
//===----------------------------------------------------------------------===//

#include "RunPipeline.h"

void loom::kernels::ensureKernelDispatch() {}

loom::kernels::EvexOnlyPipeline::EvexOnlyPipeline() : previous(false) {}

loom::kernels::EvexOnlyPipeline::~EvexOnlyPipeline() = default;
