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
// loom_kernels_num_threads() always reports what the pool really uses. Halide
// clamps the count to its pool's limit without saying so; the kernels cap it
// at the same limit first, so the count they report is the one that runs.
//
// The runtime's own parallel work (random weights) runs on this pool too
// (loom_kernels_parallel_for): one pool, one cap, and no thread of ours whose
// creation could fail.
//
//===----------------------------------------------------------------------===//

#include "KernelErrors.h"
#include "RunPipeline.h"
#include "loom/Runtime/Kernels.h"

#include "HalideRuntime.h"

#include <algorithm>
#include <atomic>
#include <thread>

namespace {

std::atomic<int32_t> poolThreads{0};

int32_t hardwareThreads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int32_t>(n);
}

void resizePool(int32_t n) {
  n = std::min<int32_t>(n, LOOM_KERNELS_MAX_THREADS);
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

namespace {

struct ParallelBody {
  void (*body)(void *, int32_t);
  void *context;
};

int runParallelTask(void *, int task, uint8_t *closure) {
  auto *parallel = reinterpret_cast<ParallelBody *>(closure);
  parallel->body(parallel->context, task);
  return 0;
}

} // namespace

void loom_kernels_parallel_for(int32_t tasks, void (*body)(void *context, int32_t task), void *context) {
  if (tasks <= 0)
    return;
  loom::kernels::ensureThreadPool();
  ParallelBody parallel{body, context};
  halide_do_par_for(nullptr, runParallelTask, 0, tasks, reinterpret_cast<uint8_t *>(&parallel));
}
