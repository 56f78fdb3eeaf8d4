//===- RunPipeline.h - Calling an AOT Halide pipeline ----------*- C++ -*-===//
#ifndef LOOM_RUNTIME_KERNELS_RUNPIPELINE_H
#define LOOM_RUNTIME_KERNELS_RUNPIPELINE_H

#include "DeviceCopies.h"
#include "KernelErrors.h"

#include "HalideRuntime.h"

namespace loom::kernels {

/// Sizes Halide's thread pool on first use (Threads.cpp); cheap after that.
void ensureThreadPool();

/// Installs the check that picks each pipeline's variant for this CPU (KernelVariant.cpp) before the first
/// pipeline runs; cheap after that.
void ensureKernelDispatch();

/// After a pipeline of a GPU kit ran, a buffer it used on the device: its results copied back if the device
/// wrote them, its device memory released, so that the caller's memory holds every result, as on a CPU
/// kit; weights keep their copy (DeviceCopies.h). (A CPU kit's buffers never have device memory.)
inline void returnFromDevice(const char *kernel, halide_buffer_t *buffer) {
  if (!buffer->device || keepDeviceCopy(buffer))
    return;
  if (buffer->device_dirty())
    if (int status = halide_copy_to_host(nullptr, buffer); status != halide_error_code_success)
      loom_kernel_fail("%s: copying a result from the GPU failed with error %d", kernel, status);
  if (int status = halide_device_free(nullptr, buffer); status != halide_error_code_success)
    loom_kernel_fail("%s: freeing GPU memory failed with error %d", kernel, status);
}
template <typename Scalar> void returnFromDevice(const char *, Scalar) {}

/// Runs `pipeline(args...)`; a Halide error (already printed by Halide's handler) is fatal.
template <typename Pipeline, typename... Args>
void runPipeline(const char *kernel, Pipeline pipeline, Args... args) {
  ensureThreadPool();
  ensureKernelDispatch();
  if (int status = pipeline(args...); status != halide_error_code_success)
    loom_kernel_fail("%s: Halide pipeline failed with error %d", kernel, status);
  (returnFromDevice(kernel, args), ...);
}

/// While alive on a thread, the pipelines it runs may take their 8-bit dot product variant on CPUs with
/// AVX-512 VNNI but not AVX-VNNI (Zen 4): for pipelines whose variant holds no VEX-encoded instruction, which
/// test/kernels/check-variant-instructions.sh checks of every pipeline that runs under one (KernelVariant.cpp).
class EvexOnlyPipeline {
public:
  EvexOnlyPipeline();
  ~EvexOnlyPipeline();
  EvexOnlyPipeline(const EvexOnlyPipeline &) = delete;
  EvexOnlyPipeline &operator=(const EvexOnlyPipeline &) = delete;

private:
  bool previous;
};

} // namespace loom::kernels

#endif // LOOM_RUNTIME_KERNELS_RUNPIPELINE_H
