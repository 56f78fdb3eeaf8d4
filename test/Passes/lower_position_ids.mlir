// RUN: loom-opt %s --loom-assign-caches --loom-lower-to-kernels --loom-plan-arena=max-chunk=4 | FileCheck %s
// Learned absolute positions (GPT-2): loom.position_ids writes the chunk's positions
// into an arena slice of int32 ids, and the embedding of those ids reads that slice
// where the token embedding reads the forward's tokens argument.

// The table is a manifest weight like any other; the token table, which the tied head reads too, may be
// packed for it (test/Passes/weight_layouts.mlir).
// CHECK: weights = [{layout = 1 : i64, name = "embedding.weight", shape = [10, 8]}, {name = "position_embedding.weight", shape = [16, 8]}]
// CHECK-LABEL: func.func @loom_generated_forward(
// CHECK-SAME: %[[W:[a-z0-9]+]]: !llvm.ptr, %{{[a-z0-9]+}}: !llvm.ptr, %[[TOK:[a-z0-9]+]]: !llvm.ptr, %[[N:[a-z0-9]+]]: i64, %[[START:[a-z0-9]+]]: i64, %{{[a-z0-9]+}}: i64, %[[SCRATCH:[a-z0-9]+]]: !llvm.ptr, %{{[a-z0-9]+}}: !llvm.ptr)
// CHECK: %[[X:.+]] = llvm.getelementptr %[[SCRATCH]][0] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: call @loom_k_embedding(%{{.+}}, %{{.+}}, %[[TOK]], %[[N]], %{{.+}}, %[[X]])
// The ids take a slice of their own: 4 tokens of 4 bytes, aligned to 64.
// CHECK: %[[IDS:.+]] = llvm.getelementptr %[[SCRATCH]][128] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: call @loom_k_position_ids(%[[START]], %[[N]], %[[IDS]])
// CHECK: %[[WPE:.+]] = llvm.getelementptr %[[W]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(ptr, i64)>
// CHECK: %[[P:.+]] = llvm.getelementptr %[[SCRATCH]][192]
// CHECK: call @loom_k_embedding(%[[WPE]], %{{.+}}, %[[IDS]], %[[N]], %{{.+}}, %[[P]])
// CHECK: call @loom_k_add(%[[X]], %[[P]],
// CHECK: func.func private @loom_k_position_ids(i64, i64, !llvm.ptr)
func.func @forward(%tokens: tensor<?xi32>, %start: index) -> tensor<?x10xf32> attributes {loom.model = {name = "Tiny", vocab = 10 : i64, d_model = 8 : i64, n_layers = 0 : i64, max_context = 16 : i64}} {
  %emb = loom.weight "embedding.weight" : tensor<10x8xf32>
  %x = loom.embedding %tokens, %emb : (tensor<?xi32>, tensor<10x8xf32>) -> tensor<?x8xf32>
  %pos = loom.position_ids at %start : tensor<?xi32>
  %wpe = loom.weight "position_embedding.weight" : tensor<16x8xf32>
  %p = loom.embedding %pos, %wpe : (tensor<?xi32>, tensor<16x8xf32>) -> tensor<?x8xf32>
  %y = loom.add %x, %p : tensor<?x8xf32>
  %logits = loom.lm_head %y, %emb : (tensor<?x8xf32>, tensor<10x8xf32>) -> tensor<?x10xf32>
  return %logits : tensor<?x10xf32>
}
