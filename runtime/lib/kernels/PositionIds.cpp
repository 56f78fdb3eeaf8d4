//===- PositionIds.cpp - loom_k_position_ids ------------------------------===//
//
// Writes the ids that index a learned position table (GPT-2). A chunk is at
// most max_chunk tokens, so this is a short loop: no pipeline, no threads.
// Ids are int32 like token ids; the runtime keeps every position below the
// cache capacity, itself at most max_context, so they cannot overflow.
//
//===----------------------------------------------------------------------===//

#include "KernelErrors.h"
#include "loom/Runtime/Kernels.h"

#include <cstdint>

void loom_k_position_ids(int64_t start_pos, int64_t n, int32_t *out) {
  if (n < 0 || start_pos < 0 || start_pos > INT32_MAX - n)
    loom_kernel_fail("loom_k_position_ids: positions %lld .. %lld + %lld are not int32 ids",
                     static_cast<long long>(start_pos), static_cast<long long>(start_pos),
                     static_cast<long long>(n));
  for (int64_t i = 0; i < n; ++i)
    out[i] = static_cast<int32_t>(start_pos + i);
}
