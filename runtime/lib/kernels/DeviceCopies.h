//===- DeviceCopies.h - What a GPU kit keeps in device memory ---*- C++ -*-===//
//
// In a GPU kit a pipeline with a GPU schedule copies its inputs to the device,
// and RunPipeline.h frees each copy after the call, so that the caller's
// memory stays the one truth. Two kinds of memory outlive a call and are kept
// on the device instead, keyed by the host memory they mirror:
//   - weights, which do not change while the model that owns them lives: the
//     first copy is given to every later view of the same bytes;
//   - KV caches, which the device appends to (the kv_store pipeline) and reads
//     (attention): one device allocation per cache, the host's copy brought up
//     to date only when host code reads it (cacheToHost).
// Both are freed when the runtime says the host memory goes away
// (loom_kernels_forget_device_copies in Kernels.h). A CPU kit keeps nothing.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_KERNELS_DEVICECOPIES_H
#define LOOM_RUNTIME_KERNELS_DEVICECOPIES_H

#include "HalideRuntime.h"

#include <cstddef>

namespace loom::kernels {

/// The device this kit's pipelines run on: a GPU kit's variant names its Halide device interface
/// (KernelVariantCuda.cpp, KernelVariantOpenCL.cpp), a CPU kit's none, and then nothing here does any work.
const halide_device_interface_t *kitDeviceInterface();

/// Marks `weights` (a view of model weights, which the model owns unchanged until it has the runtime
/// forget them) as kept on the device, and gives it the device copy of the same bytes if one is kept.
void attachDeviceWeights(halide_buffer_t *weights);

/// Gives `view` (of a KV cache whose memory starts where the view starts and spans `cacheBytes`) the cache's
/// device allocation, first making it (with the host's contents) if there is none, and flags saying which
/// side holds the newer rows.
void attachDeviceCache(halide_buffer_t *view, size_t cacheBytes, const char *kernel);

/// Before host code other than a pipeline reads the KV cache at `cache`: its newer rows on the device, if
/// any, copied back.
void cacheToHost(const void *cache, const char *kernel);

/// After a pipeline ran: if `buffer` is attached weights or a cache, records which side now holds the newer
/// data, detaches the device memory (which stays kept) and returns true; false for any other buffer.
bool keepDeviceCopy(halide_buffer_t *buffer);

} // namespace loom::kernels

#endif // LOOM_RUNTIME_KERNELS_DEVICECOPIES_H
