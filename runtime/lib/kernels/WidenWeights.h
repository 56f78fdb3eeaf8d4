//===- WidenWeights.h - Small weight vectors as F32 ------------*- C++ -*-===//
//
// Norm weights are a few thousand elements, read once per row: instead of a
// pipeline per storage format, the wrappers widen F16 and BF16 ones to F32
// before the call. Large weights (linear, embedding) are widened inside
// their pipelines instead.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_KERNELS_WIDENWEIGHTS_H
#define LOOM_RUNTIME_KERNELS_WIDENWEIGHTS_H

#include "loom/Runtime/Tensor.h"

#include <cstdint>
#include <vector>

namespace loom::kernels {

/// IEEE binary16 bits as F32 (exact).
float halfBitsToFloat(uint16_t bits);

/// bfloat16 bits as F32 (exact).
float bfloat16BitsToFloat(uint16_t bits);

/// The first `count` elements of `tensor` as F32: its own data when it already is F32, otherwise a
/// widened copy kept in `storage`. Fails (KernelErrors.h) for other dtypes, naming `kernel` and `what`.
const float *widenToF32(const loom_tensor &tensor, int64_t count, std::vector<float> &storage, const char *kernel,
                        const char *what);

} // namespace loom::kernels

#endif // LOOM_RUNTIME_KERNELS_WIDENWEIGHTS_H
