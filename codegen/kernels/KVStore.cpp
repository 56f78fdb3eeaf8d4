//===- KVStore.cpp - Appending rows to a KV cache in device memory --------===//
//
// cache[:, (start + t) % rows] = new_rows[:, t] for t < n, rounded to the
// cache's type (F16 to nearest even, as the runtime's own store rounds). Only
// the rows appended are written: the cache is the pipeline's output, with an
// undefined pure definition, so the update over the new rows is its only
// stage. A GPU kit calls it so that the cache stays in device memory and the
// device writes the rows in place; a CPU kit appends with memcpy
// (runtime/lib/kernels/KVStore.cpp) and never calls it.
//
//===----------------------------------------------------------------------===//

#include "GpuSchedule.h"
#include "ScheduleTarget.h"

using namespace Halide;

namespace loom::kernels {
namespace {

class KVStore : public Generator<KVStore> {
public:
  Input<Buffer<float, 2>> new_rows{"new_rows"}; // [row_elems, n]
  Input<int32_t> start{"start"};                // the position of new_rows' first row
  Output<Buffer<void, 2>> cache{"cache"};       // [row_elems, rows]: position p in row p % rows

  void generate() {
    RDom r(0, new_rows.dim(0).extent(), 0, new_rows.dim(1).extent(), "r");
    element = r.x;
    token = r.y;
    cache(x, row) = undef(cache.type());
    cache(r.x, (start + r.y) % cache.dim(1).extent()) = cast(cache.type(), new_rows(r.x, r.y));
  }

  void schedule() {
    // n <= rows (the runtime checks it), so the rows written are distinct: no two tokens race.
    Stage append = cache.update();
    append.allow_race_conditions();
    if (scheduleFamily(get_target()) == ScheduleFamily::Gpu && gpuCanRun(get_target(), cache.type() == Float(16))) {
      RVar block("element_block"), thread("gpu_thread");
      append.split(element, block, thread, kGpuThreads, TailStrategy::GuardWithIf)
          .reorder(thread, block, token)
          .gpu_blocks(block, token)
          .gpu_threads(thread);
      return;
    }
    // On the host (an OpenCL kit's F16 caches): a row per iteration, vectorised.
    append.vectorize(element, 8, TailStrategy::GuardWithIf);
  }

private:
  Var x{"x"}, row{"row"};
  RVar element, token;
};

} // namespace
} // namespace loom::kernels

HALIDE_REGISTER_GENERATOR(loom::kernels::KVStore, loom_kv_store)
