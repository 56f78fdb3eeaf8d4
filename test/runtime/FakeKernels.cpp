//===- FakeKernels.cpp - Kernel-library stand-ins -------------------------===//
//
// Built into the tests only when the real loom_kernels target is not part of
// the build: the runtime references just these kernel-library symbols.
//
//===----------------------------------------------------------------------===//

#include "loom/Runtime/Kernels.h"

namespace {
int32_t numThreads = 0;
} // namespace

extern "C" void loom_kernels_set_num_threads(int32_t n) { numThreads = n; }

extern "C" int32_t loom_kernels_num_threads(void) { return numThreads; }

extern "C" void loom_kernels_forget_device_copies(const void *, int64_t) {}

extern "C" int32_t loom_kernels_supports(int64_t dtype) {
  return dtype == LOOM_DTYPE_F32 || dtype == LOOM_DTYPE_F16 || dtype == LOOM_DTYPE_BF16;
}
