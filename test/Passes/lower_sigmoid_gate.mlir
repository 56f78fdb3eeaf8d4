// RUN: loom-opt %s --loom-assign-caches --loom-lower-to-kernels | FileCheck %s
// RUN: loom-opt %s --loom-moe-grouped-matmul --loom-assign-caches --loom-lower-to-kernels | FileCheck %s --check-prefix=GROUPED
// Qwen3-Next's shared expert is scaled per token by sigmoid(shared_gate x): a [1, d] projection gives one gate
// value per token, and loom.sigmoid_gate with a gate of width 1 lowers to loom_k_sigmoid_gate with the row width
// (8) and the gate's width (1); a gate as wide as its operand (the gated attention output) passes that width
// twice. The shared expert is not part of loom.experts, so the grouped form of the routed experts leaves the
// gate as it is.

// CHECK-LABEL: func.func @loom_generated_forward(
// CHECK-SAME: %{{[a-z0-9]+}}: !llvm.ptr, %{{[a-z0-9]+}}: !llvm.ptr, %{{[a-z0-9]+}}: !llvm.ptr, %[[N:[a-z0-9]+]]: i64,
// CHECK: %[[X:.+]] = loom.scratch 32
// CHECK: call @loom_k_embedding({{.*}}, %[[X]])
// CHECK: call @loom_k_experts(
// CHECK: %[[G:.+]] = loom.scratch 4
// CHECK: call @loom_k_linear(%[[X]], %[[N]], %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[G]])
// CHECK: %[[S:.+]] = loom.scratch 32
// CHECK: %[[COUNT:.+]] = llvm.mul %[[N]], %{{.+}} : i64
// CHECK: %[[WIDTH:.+]] = llvm.mlir.constant(8 : i64) : i64
// CHECK: %[[ONE:.+]] = llvm.mlir.constant(1 : i64) : i64
// CHECK: call @loom_k_sigmoid_gate(%[[G]], %[[X]], %[[COUNT]], %[[WIDTH]], %[[ONE]], %[[S]])
// CHECK: call @loom_k_sigmoid_gate(%[[X]], %[[X]], %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}})
// CHECK: func.func private @loom_k_sigmoid_gate(!llvm.ptr, !llvm.ptr, i64, i64, i64, !llvm.ptr)

// GROUPED-NOT: call @loom_k_experts(
// GROUPED: call @loom_k_moe_combine(
// GROUPED: call @loom_k_linear(
// GROUPED: call @loom_k_sigmoid_gate(
func.func @forward(%tokens: tensor<?xi32>, %start: index) -> tensor<?x10xf32> attributes {loom.model = {name = "Tiny", vocab = 10 : i64, d_model = 8 : i64, n_layers = 1 : i64, max_context = 16 : i64}} {
  %emb = loom.weight "embedding.weight" : tensor<10x8xf32>
  %x = loom.embedding %tokens, %emb : (tensor<?xi32>, tensor<10x8xf32>) -> tensor<?x8xf32>
  %rw = loom.weight "layers.0.ffn.router.weight" : tensor<4x8xf32>
  %l = loom.linear %x, %rw : (tensor<?x8xf32>, tensor<4x8xf32>) -> tensor<?x4xf32>
  %ids, %w = loom.route %l {routing = #loom<routing softmax_topk>, top_k = 2 : i64, normalize = true} : tensor<?x4xf32> -> tensor<?x2xi32>, tensor<?x2xf32>
  %g = loom.weight "layers.0.ffn.experts.gate_proj.weight" : tensor<4x6x8xf32>
  %u = loom.weight "layers.0.ffn.experts.up_proj.weight" : tensor<4x6x8xf32>
  %d = loom.weight "layers.0.ffn.experts.down_proj.weight" : tensor<4x8x6xf32>
  %y = loom.experts %x, %ids, %w, %g, %u, %d {activation = #loom<expert_activation swiglu>} : tensor<?x8xf32>, tensor<?x2xi32>, tensor<?x2xf32>, tensor<4x6x8xf32>, tensor<4x6x8xf32>, tensor<4x8x6xf32> -> tensor<?x8xf32>
  %sgw = loom.weight "layers.0.ffn.shared_gate.weight" : tensor<1x8xf32>
  %sg = loom.linear %x, %sgw : (tensor<?x8xf32>, tensor<1x8xf32>) -> tensor<?x1xf32>
  %s = loom.sigmoid_gate %sg, %x : tensor<?x1xf32>, tensor<?x8xf32>
  %e = loom.sigmoid_gate %x, %x : tensor<?x8xf32>, tensor<?x8xf32>
  %sum = loom.add %y, %s : tensor<?x8xf32>
  %out = loom.add %sum, %e : tensor<?x8xf32>
  %logits = loom.lm_head %out, %emb : (tensor<?x8xf32>, tensor<10x8xf32>) -> tensor<?x10xf32>
  return %logits : tensor<?x10xf32>
}
