//===- Threads.cpp - The kernels' thread count ----------------------------===//
//
// Every pipeline runs its parallel loops on Halide's own runtime thread pool
// (halide_do_par_for). It already is what the kernels need: workers are
// spawned lazily and sleep when idle, the calling thread works too, nested
// parallel loops are handled, and halide_set_num_threads resizes it at run
// time under its lock. A pool of ours behind halide_set_custom_do_par_for
// would reimplement all of that for no gain, so the kernels only size it.
//
// Halide's own default honours the HL_NUM_THREADS environment variable; the
// pool is sized explicitly before the first kernel runs so that
// loom_kernels_num_threads() always reports what the pool really uses.
//
//===----------------------------------------------------------------------===//

#include "KernelErrors.h"
#include "RunPipeline.h"
#include "loom/Runtime/Kernels.h"

#include "HalideRuntime.h"

#include <atomic>
#include <thread>

namespace {

std::atomic<int32_t> poolThreads{0};

int32_t hardwareThreads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int32_t>(n);
}

void resizePool(int32_t n) {
  halide_set_num_threads(n);
  poolThreads.store(n, std::memory_order_relaxed);
}

} // namespace

void loom::kernels::ensureThreadPool() {
  static const bool sized = (resizePool(hardwareThreads()), true);
  (void)sized;
}

void loom_kernels_set_num_threads(int32_t n) {
  if (n < 0)
    loom_kernel_fail("loom_kernels_set_num_threads: thread count must be >= 0, got %d", n);
  loom::kernels::ensureThreadPool(); // so that the default never overrides an explicit count later
  resizePool(n == 0 ? hardwareThreads() : n);
}

int32_t loom_kernels_num_threads(void) {
  loom::kernels::ensureThreadPool();
  return poolThreads.load(std::memory_order_relaxed);
}
