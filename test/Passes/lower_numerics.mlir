// RUN: loom-opt %s --loom-assign-caches --loom-lower-to-kernels | FileCheck %s --check-prefix=FAST
// RUN: loom-opt %s --loom-assign-caches --loom-lower-to-kernels=numerics=ggml | FileCheck %s --check-prefix=GGML
// RUN: not loom-opt %s --loom-assign-caches --loom-lower-to-kernels=numerics=exact 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// The numerics profile picks GELU's kernels, and the descriptor records it (LOOM_NUMERICS_FAST = 0, GGML = 1):
// the fast profile's tanh form in float32, or ggml's half-precision table.
// FAST: loom.descriptor = {{.*}}numerics = 0 : i64
// FAST: call @loom_k_gelu(
// FAST: call @loom_k_geglu(
// GGML: loom.descriptor = {{.*}}numerics = 1 : i64
// GGML: call @loom_k_gelu_f16_table(
// GGML: call @loom_k_geglu_f16_table(
// UNKNOWN: error: unknown numerics profile 'exact' (fast or ggml)
func.func @forward(%tokens: tensor<?xi32>, %start: index) -> tensor<?x8xf32> attributes {loom.model = {name = "Gelu", vocab = 8 : i64, d_model = 16 : i64, n_layers = 0 : i64, max_context = 8 : i64}} {
  %emb = loom.weight "embedding.weight" : tensor<8x16xf32>
  %x = loom.embedding %tokens, %emb : (tensor<?xi32>, tensor<8x16xf32>) -> tensor<?x16xf32>
  %g = loom.gelu %x : tensor<?x16xf32>
  %y = loom.geglu %g, %x : tensor<?x16xf32>
  %logits = loom.lm_head %y, %emb : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  return %logits : tensor<?x8xf32>
}
