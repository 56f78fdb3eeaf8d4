// RUN: loom-opt %s --loom-assign-caches --loom-lower-to-kernels | FileCheck %s --check-prefixes=CHECK,FAST
// RUN: loom-opt %s --loom-assign-caches --loom-lower-to-kernels=numerics=ggml | FileCheck %s --check-prefixes=CHECK,GGML
// The descriptor lets the runtime repack a matrix that only products read (the weight of a loom.linear or a
// loom.lm_head) for loom_k_linear: layout = 1 (LOOM_LAYOUT_PRODUCT_ROWS), in both numerics profiles (llama.cpp
// repacks the same matrices). The embedding table, which the tied head also reads, keeps ggml's layout in the
// ggml profile (llama.cpp does not repack it, so its head sums in vec_dot's order) and is packed in the fast
// one (loom_k_embedding reads packed tables). A table no product reads is never packed; the norm weight and
// the bias (vectors) keep their layouts too.
// FAST: loom.descriptor = {{.*}}weights = [{layout = 1 : i64, name = "embedding.weight", shape = [8, 16]},
// GGML: loom.descriptor = {{.*}}weights = [{name = "embedding.weight", shape = [8, 16]},
// CHECK-SAME: {name = "types.weight", shape = [8, 16]}, {name = "norm.weight", shape = [16]}, {layout = 1 : i64, name = "up.weight", shape = [32, 16]}, {name = "up.bias", shape = [32]}, {layout = 1 : i64, name = "down.weight", shape = [16, 32]}, {layout = 1 : i64, name = "head.weight", shape = [8, 16]}]
func.func @forward(%tokens: tensor<?xi32>, %start: index) -> tensor<?x8xf32> attributes {loom.model = {name = "Layouts", vocab = 8 : i64, d_model = 16 : i64, n_layers = 0 : i64, max_context = 8 : i64}} {
  %emb = loom.weight "embedding.weight" : tensor<8x16xf32>
  %x0 = loom.embedding %tokens, %emb : (tensor<?xi32>, tensor<8x16xf32>) -> tensor<?x16xf32>
  %types = loom.weight "types.weight" : tensor<8x16xf32>
  %t = loom.embedding %tokens, %types : (tensor<?xi32>, tensor<8x16xf32>) -> tensor<?x16xf32>
  %x = loom.add %x0, %t : tensor<?x16xf32>
  %nw = loom.weight "norm.weight" : tensor<16xf32>
  %h = loom.rms_norm %x, %nw {eps = 1.0e-06 : f64} : (tensor<?x16xf32>, tensor<16xf32>) -> tensor<?x16xf32>
  %upw = loom.weight "up.weight" : tensor<32x16xf32>
  %upb = loom.weight "up.bias" : tensor<32xf32>
  %u = loom.linear %h, %upw, %upb : (tensor<?x16xf32>, tensor<32x16xf32>, tensor<32xf32>) -> tensor<?x32xf32>
  %downw = loom.weight "down.weight" : tensor<16x32xf32>
  %d = loom.linear %u, %downw : (tensor<?x32xf32>, tensor<16x32xf32>) -> tensor<?x16xf32>
  %tied = loom.lm_head %d, %emb : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  %headw = loom.weight "head.weight" : tensor<8x16xf32>
  %logits = loom.lm_head %d, %headw : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  %sum = loom.add %tied, %logits : tensor<?x8xf32>
  return %sum : tensor<?x8xf32>
}
