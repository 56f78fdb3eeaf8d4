//===- Rope.cpp - loom_k_rope ---------------------------------------------===//
//
// Views x[n, heads, head_dim] as [token, head, c, j] (Halide order j, c, head,
// token) where feature (j, c) is j + c * rot_dims/2 (NeoX) or 2j + c (GPT-J);
// features past rot_dims are outside the view and stay untouched. The same
// view is both input and output: the pipeline rotates in place
// (codegen/kernels/Rope.cpp says why that is safe). Without a table of
// frequency divisors every divisor is 1.
//
//===----------------------------------------------------------------------===//

#include "HalideBuffers.h"
#include "KernelErrors.h"
#include "RunPipeline.h"
#include "loom/Runtime/Kernels.h"

#include <cmath>
#include <vector>

#include "loom_hl_rope_gptj.h"
#include "loom_hl_rope_neox.h"

using namespace loom::kernels;

void loom_k_rope(float *x, int64_t n, int64_t heads, int64_t head_dim, int64_t rot_dims, int64_t start_pos,
                 float theta, const float *freq_divisors, float attn_factor, int32_t interleaved) {
  constexpr const char *kernel = "loom_k_rope";
  if (rot_dims < 0 || rot_dims % 2 != 0 || rot_dims > head_dim)
    loom_kernel_fail("%s: rot_dims = %lld must be even and within head_dim = %lld", kernel,
                     static_cast<long long>(rot_dims), static_cast<long long>(head_dim));
  if (n == 0 || heads == 0 || rot_dims == 0)
    return;
  int64_t pairs = rot_dims / 2;
  Dim dims[4] = {{pairs, interleaved ? 2 : 1},
                 {2, interleaved ? 1 : pairs},
                 {heads, head_dim},
                 {n, heads * head_dim}};
  BufferView<4> in(x, kF32, dims, kernel), out(x, kF32, dims, kernel);
  // Positions index int32 pipelines: the last one must fit.
  int32_t start = toInt32(start_pos, kernel, "start_pos");
  toInt32(start_pos + n, kernel, "the last position");
  // As ggml: powf of F32 operands (codegen/kernels/Rope.cpp says why).
  float thetaScale = ::powf(theta, -2.0f / static_cast<float>(rot_dims));
  std::vector<float> ones;
  if (!freq_divisors) {
    ones.assign(static_cast<size_t>(pairs), 1.0f);
    freq_divisors = ones.data();
  }
  auto divisors = BufferView<1>::dense(freq_divisors, kF32, {pairs}, kernel);
  runPipeline(kernel, interleaved ? loom_hl_rope_gptj : loom_hl_rope_neox, in.get(), start, thetaScale,
              divisors.get(), attn_factor, out.get());
}
