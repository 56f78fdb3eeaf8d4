//===- KernelVariantCuda.cpp - The kernels of a CUDA kit -------------------===//
//
// A CUDA kit compiles each pipeline once, for Halide's x86-64 + cuda target:
// kernels with a GPU schedule run on the device (PTX for compute capability
// 8.0, which the driver compiles for newer GPUs), the others on the host's
// AVX2 cores. Halide's runtime loads the CUDA driver API at run time, so a
// library builds and loads on a machine without one; before a model is
// created, loom_kernels_unavailable says clearly that the driver or device is
// missing rather than letting the first kernel fail.
//
//===----------------------------------------------------------------------===//

#include "DeviceCopies.h"
#include "loom/Runtime/CudaTarget.h"
#include "loom/Runtime/Kernels.h"

#include "HalideRuntimeCuda.h"

#include <dlfcn.h>

#include <cstdio>

namespace {

/// The compute capability the kit's PTX targets.
constexpr int kMinimumCapability = LOOM_CUDA_CAPABILITY;

// The few driver API entry points the check needs, by their documented C signatures.
using CuInit = int (*)(unsigned);
using CuDeviceGetCount = int (*)(int *);
using CuDeviceGet = int (*)(int *, int);
using CuDeviceGetAttribute = int (*)(int *, int, int);
constexpr int kAttributeCapabilityMajor = 75, kAttributeCapabilityMinor = 76;

char reason[512];

const char *checkDevice() {
  // Global, so that Halide's runtime, which asks the process before it tries to load "libcuda.so" (a name
  // only the development packages provide), finds the driver API here.
  void *driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);
  if (!driver) {
    std::snprintf(reason, sizeof reason,
                  "this library runs its kernels on an NVIDIA GPU through CUDA, and no CUDA driver loads "
                  "here (%s)",
                  dlerror());
    return reason;
  }
  auto init = reinterpret_cast<CuInit>(dlsym(driver, "cuInit"));
  auto count = reinterpret_cast<CuDeviceGetCount>(dlsym(driver, "cuDeviceGetCount"));
  auto get = reinterpret_cast<CuDeviceGet>(dlsym(driver, "cuDeviceGet"));
  auto attribute = reinterpret_cast<CuDeviceGetAttribute>(dlsym(driver, "cuDeviceGetAttribute"));
  if (!init || !count || !get || !attribute) {
    std::snprintf(reason, sizeof reason, "the CUDA driver (libcuda.so.1) lacks the driver API's entry points");
    return reason;
  }
  int devices = 0, device = 0, major = 0, minor = 0;
  if (int status = init(0); status != 0) {
    std::snprintf(reason, sizeof reason, "CUDA: cuInit failed with error %d (no usable GPU?)", status);
    return reason;
  }
  if (count(&devices) != 0 || devices == 0) {
    std::snprintf(reason, sizeof reason, "CUDA: the driver loads but finds no GPU device");
    return reason;
  }
  // Halide's runtime runs on device 0 unless HL_GPU_DEVICE says otherwise.
  if (get(&device, 0) != 0 || attribute(&major, kAttributeCapabilityMajor, device) != 0 ||
      attribute(&minor, kAttributeCapabilityMinor, device) != 0) {
    std::snprintf(reason, sizeof reason, "CUDA: cannot query device 0's compute capability");
    return reason;
  }
  if (major * 10 + minor < kMinimumCapability) {
    std::snprintf(reason, sizeof reason,
                  "CUDA device 0 has compute capability %d.%d; this library's kernels need %d.%d (sm_%d) or newer",
                  major, minor, kMinimumCapability / 10, kMinimumCapability % 10, kMinimumCapability);
    return reason;
  }
  return nullptr;
}

} // namespace

#define LOOM_STRINGIZE_VALUE(x) #x
#define LOOM_STRINGIZE(x) LOOM_STRINGIZE_VALUE(x)

const char *loom_kernels_variant(void) { return "cuda sm_" LOOM_STRINGIZE(LOOM_CUDA_CAPABILITY) " ptx, x86-64 avx2 host"; }

const char *loom_kernels_unavailable(void) {
  static const char *const why = checkDevice();
  return why;
}

const halide_device_interface_t *loom::kernels::kitDeviceInterface() { return halide_cuda_device_interface(); }
