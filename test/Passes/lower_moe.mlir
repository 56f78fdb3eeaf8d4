// RUN: loom-opt %s --loom-assign-caches --loom-lower-to-kernels | FileCheck %s
// RUN: loom-opt %s --loom-moe-grouped-matmul --loom-assign-caches --loom-lower-to-kernels | FileCheck %s --check-prefix=GROUPED
// RUN: loom-opt %s --loom-moe-grouped-matmul --loom-assign-caches --loom-lower-to-kernels --loom-plan-arena=max-chunk=4 | FileCheck %s --check-prefix=ARENA
// RUN: loom-opt %S/Inputs/shared_expert.mlir --loom-moe-grouped-matmul --loom-assign-caches --loom-lower-to-kernels | FileCheck %s --check-prefix=SHARED
// A mixture of experts lowers to loom_k_route (two slices: int32 ids and float weights, k per token) and
// loom_k_experts; its grouped form to dispatch, gather, grouped products and combine, the row offsets in a
// slice of fixed size (experts + 1 int64s) whatever the chunk. A fused shared expert adds loom_k_moe_append_shared
// (k + 1 ids and weights per token), one more offset, and its matrices as the grouped products' last argument
// but one.

// CHECK-LABEL: func.func @loom_generated_forward(
// CHECK-SAME: %[[W:[a-z0-9]+]]: !llvm.ptr, %{{[a-z0-9]+}}: !llvm.ptr, %{{[a-z0-9]+}}: !llvm.ptr, %[[N:[a-z0-9]+]]: i64,
// CHECK: %[[X:.+]] = loom.scratch 32
// CHECK: call @loom_k_embedding({{.*}}, %[[X]])
// CHECK: %[[L:.+]] = loom.scratch 32
// CHECK: call @loom_k_linear(%[[X]], %[[N]], %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[L]])
// CHECK: %[[BIAS:.+]] = llvm.getelementptr %[[W]][2] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(ptr, i64)>
// CHECK: %[[IDS:.+]] = loom.scratch 8
// CHECK: %[[WTS:.+]] = loom.scratch 8
// CHECK: call @loom_k_route(%[[L]], %[[N]], %{{.+}}, %[[BIAS]], %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[IDS]], %[[WTS]])
// CHECK: %[[Y:.+]] = loom.scratch 32
// CHECK: call @loom_k_experts(%[[X]], %[[N]], %{{.+}}, %[[IDS]], %[[WTS]], %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[Y]])
// CHECK: func.func private @loom_k_route(!llvm.ptr, i64, i64, !llvm.ptr, i32, i64, i64, i64, i32, f32, !llvm.ptr, !llvm.ptr)

// GROUPED: %[[IDS:.+]] = loom.scratch 8
// GROUPED: %[[WTS:.+]] = loom.scratch 8
// GROUPED: call @loom_k_route(
// GROUPED: %[[ORDER:.+]] = loom.scratch 8
// GROUPED: %[[OFFSETS:.+]] = loom.scratch 0 {fixed_bytes = 72 : i64}
// GROUPED: call @loom_k_moe_dispatch(%[[IDS]], %{{.+}}, %{{.+}}, %{{.+}}, %[[ORDER]], %[[OFFSETS]])
// GROUPED: %[[ROWS:.+]] = loom.scratch 64
// GROUPED: call @loom_k_moe_gather(%{{.+}}, %{{.+}}, %{{.+}}, %[[ORDER]], %{{.+}}, %{{.+}}, %[[ROWS]])
// GROUPED: %[[G:.+]] = loom.scratch 96
// GROUPED: call @loom_k_grouped_linear(%[[ROWS]], %{{.+}}, %[[OFFSETS]], %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[G]])
// GROUPED: call @loom_k_grouped_linear(%[[ROWS]], %{{.+}}, %[[OFFSETS]],
// GROUPED: call @loom_k_swiglu(
// GROUPED: %[[D:.+]] = loom.scratch 64
// GROUPED: call @loom_k_grouped_linear(%{{.+}}, %{{.+}}, %[[OFFSETS]], %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[D]])
// GROUPED: call @loom_k_moe_combine(%[[D]], %{{.+}}, %{{.+}}, %[[ORDER]], %{{.+}}, %[[WTS]],

// SHARED: %[[IDS:.+]] = loom.scratch 8
// SHARED: %[[WTS:.+]] = loom.scratch 8
// SHARED: call @loom_k_route(
// SHARED: %[[SG:.+]] = llvm.getelementptr %{{.+}}[6] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(ptr, i64)>
// SHARED: %[[IDS3:.+]] = loom.scratch 12
// SHARED: %[[WTS3:.+]] = loom.scratch 12
// SHARED: call @loom_k_moe_append_shared(%[[IDS]], %[[WTS]], %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[IDS3]], %[[WTS3]])
// SHARED: %[[OFFSETS:.+]] = loom.scratch 0 {fixed_bytes = 80 : i64}
// SHARED: call @loom_k_moe_dispatch(%[[IDS3]], %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[OFFSETS]])
// SHARED: call @loom_k_grouped_linear(%{{.+}}, %{{.+}}, %[[OFFSETS]], %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[SG]], %{{.+}})
// SHARED: call @loom_k_moe_combine(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[WTS3]],
// SHARED-NOT: call @loom_k_add(
// SHARED: func.func private @loom_k_moe_append_shared(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i32, !llvm.ptr, !llvm.ptr)

// The planner sizes the offsets slice at 72 bytes (rounded up to 128), not 4 tokens' worth.
// ARENA: loom.descriptor = {{{.*}}max_chunk = 4 : i64
// ARENA-NOT: loom.scratch
func.func @forward(%tokens: tensor<?xi32>, %start: index) -> tensor<?x10xf32> attributes {loom.model = {name = "Tiny", vocab = 10 : i64, d_model = 8 : i64, n_layers = 0 : i64, max_context = 16 : i64}} {
  %emb = loom.weight "embedding.weight" : tensor<10x8xf32>
  %x = loom.embedding %tokens, %emb : (tensor<?xi32>, tensor<10x8xf32>) -> tensor<?x8xf32>
  %r = loom.weight "layers.0.ffn.router.weight" : tensor<8x8xf32>
  %l = loom.linear %x, %r : (tensor<?x8xf32>, tensor<8x8xf32>) -> tensor<?x8xf32>
  %b = loom.weight "layers.0.ffn.router.selection_bias" : tensor<8xf32>
  %ids, %w = loom.route %l bias(%b : tensor<8xf32>) {routing = #loom<routing sigmoid_topk>, top_k = 2 : i64}
      : tensor<?x8xf32> -> tensor<?x2xi32>, tensor<?x2xf32>
  %g = loom.weight "layers.0.ffn.experts.gate_proj.weight" : tensor<8x12x8xf32>
  %u = loom.weight "layers.0.ffn.experts.up_proj.weight" : tensor<8x12x8xf32>
  %d = loom.weight "layers.0.ffn.experts.down_proj.weight" : tensor<8x8x12xf32>
  %y = loom.experts %x, %ids, %w, %g, %u, %d {activation = #loom<expert_activation swiglu>}
      : tensor<?x8xf32>, tensor<?x2xi32>, tensor<?x2xf32>, tensor<8x12x8xf32>, tensor<8x12x8xf32>, tensor<8x8x12xf32>
      -> tensor<?x8xf32>
  %logits = loom.lm_head %y, %emb : (tensor<?x8xf32>, tensor<10x8xf32>) -> tensor<?x10xf32>
  return %logits : tensor<?x10xf32>
}
