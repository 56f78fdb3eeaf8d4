//===- KernelVariantAArch64.cpp - The kernels of an AArch64 kit ------------===//
//
// An AArch64 kit compiles each pipeline for arm-64-linux: NEON is part of the
// architecture, so its kernels run on every AArch64 CPU.
//
//===----------------------------------------------------------------------===//

#include "DeviceCopies.h"
#include "loom/Runtime/Kernels.h"

const char *loom_kernels_variant(void) { return "aarch64 neon"; }

const char *loom_kernels_unavailable(void) { return nullptr; }

const halide_device_interface_t *loom::kernels::kitDeviceInterface() { return nullptr; }
