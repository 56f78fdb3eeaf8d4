//===- Threads.cpp - The library's kernel thread count --------------------===//
//
// Threads are a property of the kernels' pool, shared by every model of the
// library; the C API only forwards.
//
//===----------------------------------------------------------------------===//

#include "PublicAPI.h"
#include "loom/Runtime/Kernels.h"

void loom_set_num_threads(int32_t n) { loom_kernels_set_num_threads(n); }

int32_t loom_num_threads(void) { return loom_kernels_num_threads(); }
