// RUN: loom-opt %s --loom-assign-caches --loom-lower-to-kernels | FileCheck %s
// MiMo-V2-Flash's attention values are scaled by a constant before they are cached: loom.scale lowers to
// loom_k_scale over every value of the operand (tokens x 8), the factor as an f32.

// CHECK-LABEL: func.func @loom_generated_forward(
// CHECK-SAME: %{{[a-z0-9]+}}: !llvm.ptr, %{{[a-z0-9]+}}: !llvm.ptr, %{{[a-z0-9]+}}: !llvm.ptr, %[[N:[a-z0-9]+]]: i64,
// CHECK: %[[X:.+]] = loom.scratch 32
// CHECK: call @loom_k_embedding({{.*}}, %[[X]])
// CHECK: %[[S:.+]] = loom.scratch 32
// CHECK: %[[COUNT:.+]] = llvm.mul %[[N]], %{{.+}} : i64
// CHECK: %[[FACTOR:.+]] = llvm.mlir.constant(7.070000e-01 : f32) : f32
// CHECK: call @loom_k_scale(%[[X]], %[[COUNT]], %[[FACTOR]], %[[S]])
// CHECK: func.func private @loom_k_scale(!llvm.ptr, i64, f32, !llvm.ptr)
func.func @forward(%tokens: tensor<?xi32>, %start: index) -> tensor<?x10xf32> attributes {loom.model = {name = "Tiny", vocab = 10 : i64, d_model = 8 : i64, n_layers = 1 : i64, max_context = 16 : i64}} {
  %emb = loom.weight "embedding.weight" : tensor<10x8xf32>
  %x = loom.embedding %tokens, %emb : (tensor<?xi32>, tensor<10x8xf32>) -> tensor<?x8xf32>
  %s = loom.scale %x {factor = 0.707 : f64} : tensor<?x8xf32>
  %logits = loom.lm_head %s, %emb : (tensor<?x8xf32>, tensor<10x8xf32>) -> tensor<?x10xf32>
  return %logits : tensor<?x10xf32>
}
