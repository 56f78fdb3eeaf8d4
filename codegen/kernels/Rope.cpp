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
// Angles reach 131072 radians and more, where one float ulp is 0.008 rad, so
// frequencies, angles and their cos/sin are computed in double (once per
// token, shared by all heads) and only the final cos/sin rounded to float.
//
//===----------------------------------------------------------------------===//

#include "ScheduleTarget.h"

using namespace Halide;

namespace loom::kernels {
namespace {

class Rope : public Generator<Rope> {
public:
  GeneratorParam<bool> interleaved{"interleaved", false};

  Input<Buffer<float, 4>> x{"x"}; // [rot_dims / 2, 2, heads, n]
  Input<int32_t> start_pos{"start_pos"};
  Input<float> theta{"theta"};
  Output<Buffer<float, 4>> out{"out"}; // the same memory as x

  void generate() {
    Expr pairs = x.dim(0).extent();
    invFreq(j) = pow(cast<double>(theta), -cast<double>(j) / cast<double>(pairs));
    Expr angle = cast<double>(start_pos + token) * invFreq(j);
    cosSin(j, token) = {cast<float>(cos(angle)), cast<float>(sin(angle))};

    // The last vector of pairs may be partial: its lanes past the end rotate a copy of the last pair
    // and the guarded stores drop them.
    Expr jIn = min(j, pairs - 1);
    Expr c0 = x(jIn, 0, head, token), c1 = x(jIn, 1, head, token);
    Expr cosA = cosSin(j, token)[0], sinA = cosSin(j, token)[1];
    rotated(j, c, head, token) = select(c == 0, c0 * cosA - c1 * sinA, c1 * cosA + c0 * sinA);
    out(j, c, head, token) = rotated(j, c, head, token);

    constrainStrides(x);
    constrainStrides(out);
  }

  void schedule() {
    switch (scheduleFamily(get_target())) {
    case ScheduleFamily::X86Avx2: {
      Var jOuter("j_outer");
      // Tokens in parallel; within a token every head reuses the token's cos/sin table.
      out.split(j, jOuter, j, 8, TailStrategy::GuardWithIf)
          .reorder(j, c, jOuter, head, token)
          .vectorize(j)
          .unroll(c)
          .parallel(token);
      rotated.compute_at(out, jOuter).bound_extent(j, 8).vectorize(j).unroll(c);
      cosSin.compute_at(out, token);
      invFreq.compute_root();
      break;
    }
    }
  }

private:
  Var j{"j"}, c{"c"}, head{"head"}, token{"token"};
  Func invFreq{"inv_freq"}, cosSin{"cos_sin"}, rotated{"rotated"};

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
