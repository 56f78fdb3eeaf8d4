//===- Rope.cpp - Rotary position embedding, in place ---------------------===//
//
// Rotates pairs (x0, x1) of the first rot_dims features of every head by
// angle(p, j) = p * theta^(-2j / rot_dims), p = start_pos + token:
//   x0' = x0 cos - x1 sin,   x1' = x1 cos + x0 sin.
// The caller views x as [j, c, head, token] with c selecting the pair member,
// so one algorithm covers both pairings through strides alone:
//   NeoX (half):       feature j + c * rot_dims/2  (j stride 1, c stride rot_dims/2)
//   GPT-J (interleaved): feature 2j + c            (j stride 2, c stride 1)
// `interleaved` fixes those strides at compile time so that the loads and
// stores become dense vectors and shuffles.
//
// The kernel works in place: input and output are the same memory. That is
// safe because a vector of pairs is rotated into registers (`rotated`) from
// loads of both members before either member is stored, and different
// vectors of pairs never overlap.
//
// The angles and the rotation are computed as ggml computes them, so that a
// model run from a GGUF file agrees with llama.cpp to the last bit (the
// quantized products after attention amplify any ulp of difference; see
// test/reference/test_smollm2.py): per token, angle_0 = p and angle_{j+1} =
// angle_j * theta_scale in F32, theta_scale = powf(theta, -2 / rot_dims)
// (computed by the caller), cos and sin from the C library, and
//   x0' = fma(x0, cos, -(x1 sin)),   x1' = fma(x0, sin, x1 cos).
// The iterated product loses a few ulps over the pairs; llama.cpp has run
// long contexts on exactly these angles.
//
// Scaled RoPE (Llama 3.1, YaRN, linear; loom/Dialect/RopeScaling.h) divides
// each pair's angle by a per-pair divisor and multiplies cos and sin by an
// attention factor, as ggml's rope does with freq_factors and mscale:
//   angle'_j = angle_j / divisor_j,   cos' = cos(angle'_j) * attn_factor.
// Both are exact for an unscaled RoPE (divisors 1, factor 1), which therefore
// computes what it computed before there was scaling.
//
//===----------------------------------------------------------------------===//

#include "FloatMath.h"
#include "GpuSchedule.h"
#include "ScheduleTarget.h"

using namespace Halide;

namespace loom::kernels {
namespace {

class Rope : public Generator<Rope> {
public:
  GeneratorParam<bool> interleaved{"interleaved", false};

  Input<Buffer<float, 4>> x{"x"}; // [rot_dims / 2, 2, heads, n]
  Input<int32_t> start_pos{"start_pos"};
  Input<float> theta_scale{"theta_scale"};
  Input<Buffer<float, 1>> freq_divisors{"freq_divisors"}; // [rot_dims / 2]
  Input<float> attn_factor{"attn_factor"};
  Output<Buffer<float, 4>> out{"out"}; // the same memory as x

  void generate() {
    Expr pairs = x.dim(0).extent();
    // A serial scan over the pairs: each angle is the previous one times theta_scale, rounded.
    angles(j, token) = cast<float>(start_pos + token);
    RDom next(1, max(pairs - 1, 0), "next_pair");
    angles(next, token) = strict_float(angles(next - 1, token) * theta_scale);
    // Lanes past the last pair (a partial vector, below) read the last divisor.
    Expr divided = strict_float(angles(j, token) / freq_divisors(clamp(j, 0, pairs - 1)));
    cosSin(j, token) = {strict_float(cos(divided) * attn_factor), strict_float(sin(divided) * attn_factor)};

    // The last vector of pairs may be partial: its lanes past the end rotate a copy of the last pair
    // and the guarded stores drop them.
    Expr jIn = min(j, pairs - 1);
    Expr c0 = x(jIn, 0, head, token), c1 = x(jIn, 1, head, token);
    Expr cosA = cosSin(j, token)[0], sinA = cosSin(j, token)[1];
    rotated(j, c, head, token) = select(c == 0, fusedMultiplyAdd(c0, cosA, -strict_float(c1 * sinA)),
                                        fusedMultiplyAdd(c0, sinA, strict_float(c1 * cosA)));
    out(j, c, head, token) = rotated(j, c, head, token);

    constrainStrides(x);
    constrainStrides(out);
  }

  void schedule() {
    switch (scheduleFamily(get_target())) {
    case ScheduleFamily::X86Avx2:
    case ScheduleFamily::Arm64Neon: {
      Var jOuter("j_outer");
      // Tokens in parallel; within a token every head reuses the token's cos/sin table.
      out.split(j, jOuter, j, 8, TailStrategy::GuardWithIf)
          .reorder(j, c, jOuter, head, token)
          .vectorize(j)
          .unroll(c)
          .parallel(token);
      rotated.compute_at(out, jOuter).bound_extent(j, 8).vectorize(j).unroll(c);
      cosSin.compute_at(out, token);
      angles.compute_at(out, token);
      break;
    }
    case ScheduleFamily::Gpu: {
      // A block per token, a thread per pair of every head; the token's angles (a serial scan) and their
      // cos/sin once per block.
      Var jBlock("j_block"), thread("gpu_thread");
      out.reorder(c, j, head, token)
          .split(j, jBlock, thread, kGpuThreads, TailStrategy::GuardWithIf)
          .reorder(c, thread, jBlock, head, token)
          .unroll(c)
          .gpu_blocks(jBlock, token)
          .gpu_threads(thread);
      cosSin.compute_at(out, jBlock);
      angles.compute_at(out, jBlock);
      break;
    }
    }
  }

private:
  Var j{"j"}, c{"c"}, head{"head"}, token{"token"};
  Func angles{"angles"}, cosSin{"cos_sin"}, rotated{"rotated"};

  template <typename B> void constrainStrides(B &buffer) {
    buffer.dim(1).set_extent(2);
    if (interleaved) {
      buffer.dim(0).set_stride(2);
      buffer.dim(1).set_stride(1);
    } else {
      buffer.dim(0).set_stride(1);
      buffer.dim(1).set_stride(buffer.dim(0).extent());
    }
  }
};

} // namespace
} // namespace loom::kernels

HALIDE_REGISTER_GENERATOR(loom::kernels::Rope, loom_rope)
