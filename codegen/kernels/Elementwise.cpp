//===- Elementwise.cpp - Gated activations and residual adds --------------===//
//
// One generator, one pipeline per `op`, over flat arrays of `count` floats:
//   swiglu: out = silu(a) * b         geglu: out = gelu_tanh(a) * b
//   gelu:   out = gelu_tanh(a)         add:   out = a + b
// `out` may alias `a` or `b`: every element is read and written in the same
// iteration, so that is safe.
//
//===----------------------------------------------------------------------===//

#include "FloatMath.h"
#include "GpuSchedule.h"
#include "ScheduleTarget.h"

using namespace Halide;

namespace loom::kernels {
namespace {

enum class ElementwiseOp { SwiGLU, GeGLU, Gelu, Add };

class Elementwise : public Generator<Elementwise> {
public:
  GeneratorParam<ElementwiseOp> op{"op",
                                   ElementwiseOp::Add,
                                   {{"swiglu", ElementwiseOp::SwiGLU},
                                    {"geglu", ElementwiseOp::GeGLU},
                                    {"gelu", ElementwiseOp::Gelu},
                                    {"add", ElementwiseOp::Add}}};

  Input<Buffer<float, 1>> a{"a"};
  /// The second operand (`up` or the addend); gelu has none.
  Input<Buffer<float, 1>> *b = nullptr;
  Output<Buffer<float, 1>> out{"out"};

  void configure() {
    if (op != ElementwiseOp::Gelu)
      b = add_input<Buffer<float, 1>>("b");
  }

  void generate() {
    switch (op) {
    case ElementwiseOp::SwiGLU:
      // ggml's product, rounded as it rounds: strict, or the simplifier may fold the multiply into the
      // division inside silu.
      out(i) = strict_float(silu(a(i)) * (*b)(i));
      break;
    case ElementwiseOp::GeGLU:
      out(i) = geluTanh(a(i)) * (*b)(i);
      break;
    case ElementwiseOp::Gelu:
      out(i) = geluTanh(a(i));
      break;
    case ElementwiseOp::Add:
      out(i) = a(i) + (*b)(i);
      break;
    }
  }

  void schedule() {
    switch (scheduleFamily(get_target())) {
    case ScheduleFamily::X86Avx2:
    case ScheduleFamily::Arm64Neon: {
      // 16K elements (64 KiB per operand) per task: far more work than a task handoff costs, so
      // decode-sized arrays (a few thousand elements) are a single task. The vectors are split off first
      // and the tasks are whole vectors: only the array's last vector is masked. Splitting the tasks
      // first masks every vector of the last task past the end, up to 1023 masked loads of memory that
      // may not be mapped, each a microcode assist on AMD CPUs: 0.36 ms for 576 elements.
      Var vec("vec"), task("task");
      out.split(i, vec, i, 16, TailStrategy::GuardWithIf)
          .vectorize(i)
          .split(vec, task, vec, 16384 / 16, TailStrategy::GuardWithIf)
          .parallel(task);
      break;
    }
    case ScheduleFamily::Gpu:
      gpuTileFlat(out, i);
      break;
    }
  }

private:
  Var i{"i"};
};

} // namespace
} // namespace loom::kernels

HALIDE_REGISTER_GENERATOR(loom::kernels::Elementwise, loom_elementwise)
