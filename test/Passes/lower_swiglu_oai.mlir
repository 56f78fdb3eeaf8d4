// RUN: loom-opt %s --loom-moe-grouped-matmul --loom-assign-caches --loom-lower-to-kernels | FileCheck %s
// gpt-oss's experts (clamped SwiGLU, biased) in their grouped form: loom.swiglu_oai lowers to loom_k_swiglu_oai
// over every (token, slot) row of the gate and up products (tokens x 2 x 12 values), alpha and limit as f32,
// and its result feeds the down product. Nothing runs token by token.

// CHECK-LABEL: func.func @loom_generated_forward(
// CHECK-SAME: %{{[a-z0-9]+}}: !llvm.ptr, %{{[a-z0-9]+}}: !llvm.ptr, %{{[a-z0-9]+}}: !llvm.ptr, %[[N:[a-z0-9]+]]: i64,
// CHECK: call @loom_k_moe_dispatch(
// CHECK: %[[G:.+]] = loom.scratch 96
// CHECK: call @loom_k_grouped_linear(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[G]])
// CHECK: %[[U:.+]] = loom.scratch 96
// CHECK: call @loom_k_grouped_linear(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[U]])
// CHECK: %[[H:.+]] = loom.scratch 96
// CHECK: %[[COUNT:.+]] = llvm.mul %[[N]], %{{.+}} : i64
// CHECK: %[[ALPHA:.+]] = llvm.mlir.constant(1.702000e+00 : f32) : f32
// CHECK: %[[LIMIT:.+]] = llvm.mlir.constant(7.000000e+00 : f32) : f32
// CHECK: call @loom_k_swiglu_oai(%[[G]], %[[U]], %[[COUNT]], %[[ALPHA]], %[[LIMIT]], %[[H]])
// CHECK: call @loom_k_grouped_linear(%[[H]],
// CHECK: call @loom_k_moe_combine(
// CHECK-NOT: call @loom_k_experts(
// CHECK: func.func private @loom_k_swiglu_oai(!llvm.ptr, !llvm.ptr, i64, f32, f32, !llvm.ptr)
func.func @forward(%tokens: tensor<?xi32>, %start: index) -> tensor<?x10xf32> attributes {loom.model = {name = "Tiny", vocab = 10 : i64, d_model = 8 : i64, n_layers = 0 : i64, max_context = 16 : i64}} {
  %emb = loom.weight "embedding.weight" : tensor<10x8xf32>
  %x = loom.embedding %tokens, %emb : (tensor<?xi32>, tensor<10x8xf32>) -> tensor<?x8xf32>
  %r = loom.weight "layers.0.ffn.router.weight" : tensor<8x8xf32>
  %l = loom.linear %x, %r : (tensor<?x8xf32>, tensor<8x8xf32>) -> tensor<?x8xf32>
  %ids, %w = loom.route %l {routing = #loom<routing topk_softmax>, top_k = 2 : i64}
      : tensor<?x8xf32> -> tensor<?x2xi32>, tensor<?x2xf32>
  %g = loom.weight "layers.0.ffn.experts.gate_proj.weight" : tensor<8x12x8xf32>
  %u = loom.weight "layers.0.ffn.experts.up_proj.weight" : tensor<8x12x8xf32>
  %d = loom.weight "layers.0.ffn.experts.down_proj.weight" : tensor<8x8x12xf32>
  %gb = loom.weight "layers.0.ffn.experts.gate_proj.bias" : tensor<8x12xf32>
  %ub = loom.weight "layers.0.ffn.experts.up_proj.bias" : tensor<8x12xf32>
  %db = loom.weight "layers.0.ffn.experts.down_proj.bias" : tensor<8x8xf32>
  %y = loom.experts %x, %ids, %w, %g, %u, %d biases(%gb, %ub, %db : tensor<8x12xf32>, tensor<8x12xf32>, tensor<8x8xf32>)
      {activation = #loom<expert_activation swiglu_oai>}
      : tensor<?x8xf32>, tensor<?x2xi32>, tensor<?x2xf32>, tensor<8x12x8xf32>, tensor<8x12x8xf32>, tensor<8x8x12xf32>
      -> tensor<?x8xf32>
  %logits = loom.lm_head %y, %emb : (tensor<?x8xf32>, tensor<10x8xf32>) -> tensor<?x10xf32>
  return %logits : tensor<?x10xf32>
}
