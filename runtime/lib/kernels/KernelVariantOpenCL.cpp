//===- KernelVariantOpenCL.cpp - The kernels of an OpenCL kit -------------===//
//
// An OpenCL kit compiles each pipeline for Halide's x86-64 + opencl target:
// kernels with a GPU schedule run on an OpenCL device as OpenCL C, the others
// on the host. Its purpose here is to run the GPU schedules that the CUDA kit
// compiles to PTX on a machine without a GPU: PoCL is an OpenCL device made of
// this CPU's cores. Halide's runtime loads the OpenCL library at run time;
// before a model is created, loom_kernels_unavailable says when there is no
// OpenCL platform or device.
//
//===----------------------------------------------------------------------===//

#include "DeviceCopies.h"
#include "loom/Runtime/Kernels.h"

#include "HalideRuntimeOpenCL.h"

#include <dlfcn.h>

#include <cstdint>
#include <cstdio>

namespace {

using ClGetPlatformIDs = int32_t (*)(uint32_t, void **, uint32_t *);
using ClGetDeviceIDs = int32_t (*)(void *, uint64_t, uint32_t, void **, uint32_t *);
constexpr uint64_t kDeviceTypeAll = 0xFFFFFFFF;

char reason[512];

const char *checkDevice() {
  // Global, so that Halide's runtime, which asks the process before it loads "libOpenCL.so", finds it here.
  void *library = dlopen("libOpenCL.so.1", RTLD_NOW | RTLD_GLOBAL);
  if (!library) {
    std::snprintf(reason, sizeof reason,
                  "this library runs its kernels on an OpenCL device, and no OpenCL library loads here (%s)",
                  dlerror());
    return reason;
  }
  auto platforms = reinterpret_cast<ClGetPlatformIDs>(dlsym(library, "clGetPlatformIDs"));
  auto devices = reinterpret_cast<ClGetDeviceIDs>(dlsym(library, "clGetDeviceIDs"));
  uint32_t platformCount = 0, deviceCount = 0;
  void *platform = nullptr;
  if (!platforms || !devices || platforms(1, &platform, &platformCount) != 0 || platformCount == 0) {
    std::snprintf(reason, sizeof reason, "OpenCL: no platform (is an ICD such as pocl-opencl-icd installed?)");
    return reason;
  }
  if (devices(platform, kDeviceTypeAll, 0, nullptr, &deviceCount) != 0 || deviceCount == 0) {
    std::snprintf(reason, sizeof reason, "OpenCL: the first platform has no device");
    return reason;
  }
  return nullptr;
}

} // namespace

const char *loom_kernels_variant(void) { return "opencl, x86-64 avx2 host"; }

const char *loom_kernels_unavailable(void) {
  static const char *const why = checkDevice();
  return why;
}

const halide_device_interface_t *loom::kernels::kitDeviceInterface() { return halide_opencl_device_interface(); }
