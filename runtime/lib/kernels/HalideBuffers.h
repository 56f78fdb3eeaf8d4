//===- HalideBuffers.h - halide_buffer_t views of caller memory -*- C++ -*-===//
//
// The AOT pipelines take halide_buffer_t descriptors; the C ABI hands us raw
// pointers and int64 sizes. A BufferView describes existing memory without
// allocating (Halide::Runtime::Buffer would heap-allocate shapes and reference
// counts on every kernel call) and checks that every extent and stride fits
// the int32 fields Halide uses.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_KERNELS_HALIDEBUFFERS_H
#define LOOM_RUNTIME_KERNELS_HALIDEBUFFERS_H

#include "DeviceCopies.h"
#include "KernelErrors.h"

#include "HalideRuntime.h"

#include <cstdint>
#include <initializer_list>
#include <limits>

namespace loom::kernels {

/// One dimension of a view, in elements.
struct Dim {
  int64_t extent;
  int64_t stride;
};

/// `value` as an int32 buffer field; `what` names it in the error otherwise.
inline int32_t toInt32(int64_t value, const char *kernel, const char *what) {
  if (value < std::numeric_limits<int32_t>::min() || value > std::numeric_limits<int32_t>::max())
    loom_kernel_fail("%s: %s = %lld does not fit the kernels' 32-bit indexing", kernel, what,
                     static_cast<long long>(value));
  return static_cast<int32_t>(value);
}

template <int Rank> class BufferView {
public:
  /// A view of `data` with the given dimensions, innermost first (Halide's order).
  BufferView(const void *data, halide_type_t type, const Dim (&dims)[Rank], const char *kernel) {
    int64_t span = 1;
    for (int i = 0; i < Rank; ++i) {
      shape[i] = halide_dimension_t(0, toInt32(dims[i].extent, kernel, "an extent"),
                                    toInt32(dims[i].stride, kernel, "a stride"));
      span += (dims[i].extent - 1) * dims[i].stride;
    }
    // Halide indexes every element with int32 arithmetic.
    toInt32(span, kernel, "a buffer's element span");
    buffer.host = static_cast<uint8_t *>(const_cast<void *>(data)); // inputs are never written
    buffer.type = type;
    buffer.dimensions = Rank;
    buffer.dim = shape;
    // The caller's memory is the truth: a GPU kit's pipeline copies it to the device only when marked so
    // (CPU pipelines ignore the flag).
    buffer.set_host_dirty(true);
  }

  /// A dense row-major view: `extents` innermost first, each stride the product of the inner extents.
  static BufferView dense(const void *data, halide_type_t type, const int64_t (&extents)[Rank],
                          const char *kernel) {
    Dim dims[Rank];
    int64_t stride = 1;
    for (int i = 0; i < Rank; ++i) {
      dims[i] = {extents[i], stride};
      stride *= extents[i];
    }
    return BufferView(data, type, dims, kernel);
  }

  // buffer.dim points into this object, so it cannot be copied or moved once built; `dense` relies
  // on guaranteed copy elision.
  BufferView(const BufferView &) = delete;
  BufferView &operator=(const BufferView &) = delete;

  halide_buffer_t *get() { return &buffer; }

  /// Marks this view as model weights, which a GPU kit copies to the device once and keeps there across
  /// calls (DeviceCopies.h). Only for memory the model owns: never a per-call copy or conversion.
  void keepWeightsOnDevice() { attachDeviceWeights(&buffer); }

  /// Marks this view as the first rows of a KV cache of `cacheBytes`, which a GPU kit keeps in device
  /// memory (DeviceCopies.h).
  void keepCacheOnDevice(int64_t cacheBytes, const char *kernel) {
    attachDeviceCache(&buffer, static_cast<size_t>(cacheBytes), kernel);
  }

private:
  halide_dimension_t shape[Rank];
  halide_buffer_t buffer{};
};

inline constexpr halide_type_t kF32{halide_type_float, 32, 1};
inline constexpr halide_type_t kF16{halide_type_float, 16, 1};
inline constexpr halide_type_t kU16{halide_type_uint, 16, 1};
inline constexpr halide_type_t kI32{halide_type_int, 32, 1};
inline constexpr halide_type_t kI8{halide_type_int, 8, 1};
inline constexpr halide_type_t kU8{halide_type_uint, 8, 1};

} // namespace loom::kernels

#endif // LOOM_RUNTIME_KERNELS_HALIDEBUFFERS_H
