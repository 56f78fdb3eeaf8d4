// RUN: loom-opt %s --loom-moe-grouped-matmul -split-input-file | FileCheck %s
// Routed experts become dispatch, gather, one grouped product per projection, and a weighted combine.

// Qwen3-MoE: softmax routing, SwiGLU experts weighted on their output.
// CHECK-LABEL: func.func @qwen3_moe
// CHECK-SAME: (%[[X:.+]]: tensor<?x64xf32>, %[[IDS:.+]]: tensor<?x4xi32>, %[[W:.+]]: tensor<?x4xf32>, %[[G:.+]]: tensor<16x32x64xf32>, %[[U:.+]]: tensor<16x32x64xf32>, %[[D:.+]]: tensor<16x64x32xf32>)
// CHECK-NEXT: %[[ORDER:.+]], %[[OFFSETS:.+]] = loom.moe_dispatch %[[IDS]] : tensor<?x4xi32> -> tensor<?x4xi32>, tensor<17xi64>
// CHECK-NEXT: %[[ROWS:.+]] = loom.moe_gather %[[X]], %[[ORDER]] : tensor<?x64xf32>, tensor<?x4xi32> -> tensor<?x4x64xf32>
// CHECK-NEXT: %[[GATE:.+]] = loom.grouped_linear %[[ROWS]], %[[OFFSETS]], %[[G]] : tensor<?x4x64xf32>, tensor<17xi64>, tensor<16x32x64xf32> -> tensor<?x4x32xf32>
// CHECK-NEXT: %[[UP:.+]] = loom.grouped_linear %[[ROWS]], %[[OFFSETS]], %[[U]] : tensor<?x4x64xf32>, tensor<17xi64>, tensor<16x32x64xf32> -> tensor<?x4x32xf32>
// CHECK-NEXT: %[[H:.+]] = loom.swiglu %[[GATE]], %[[UP]] : tensor<?x4x32xf32>
// CHECK-NEXT: %[[DOWN:.+]] = loom.grouped_linear %[[H]], %[[OFFSETS]], %[[D]] : tensor<?x4x32xf32>, tensor<17xi64>, tensor<16x64x32xf32> -> tensor<?x4x64xf32>
// CHECK-NEXT: %[[Y:.+]] = loom.moe_combine %[[DOWN]], %[[ORDER]], %[[W]] : tensor<?x4xf32> : tensor<?x4x64xf32>, tensor<?x4xi32> -> tensor<?x64xf32>
// CHECK-NEXT: return %[[Y]]
// CHECK-NOT: loom.experts
func.func @qwen3_moe(%x: tensor<?x64xf32>, %ids: tensor<?x4xi32>, %w: tensor<?x4xf32>, %g: tensor<16x32x64xf32>,
                     %u: tensor<16x32x64xf32>, %d: tensor<16x64x32xf32>) -> tensor<?x64xf32> {
  %y = loom.experts %x, %ids, %w, %g, %u, %d {activation = #loom<expert_activation swiglu>}
      : tensor<?x64xf32>, tensor<?x4xi32>, tensor<?x4xf32>, tensor<16x32x64xf32>, tensor<16x32x64xf32>,
        tensor<16x64x32xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// Llama 4: the routing weight scales the experts' input (in the gather); the combine adds unweighted.
// CHECK-LABEL: func.func @llama4
// CHECK: %[[ORDER:.+]], %{{.+}} = loom.moe_dispatch
// CHECK-NEXT: loom.moe_gather %{{.+}}, %[[ORDER]] scaled(%{{.+}} : tensor<?x1xf32>)
// CHECK: loom.moe_combine %{{.+}}, %[[ORDER]] : tensor<?x1x64xf32>, tensor<?x1xi32> -> tensor<?x64xf32>
func.func @llama4(%x: tensor<?x64xf32>, %ids: tensor<?x1xi32>, %w: tensor<?x1xf32>, %g: tensor<16x32x64xf32>,
                  %u: tensor<16x32x64xf32>, %d: tensor<16x64x32xf32>) -> tensor<?x64xf32> {
  %y = loom.experts %x, %ids, %w, %g, %u, %d {activation = #loom<expert_activation swiglu>, weight_input}
      : tensor<?x64xf32>, tensor<?x1xi32>, tensor<?x1xf32>, tensor<16x32x64xf32>, tensor<16x32x64xf32>,
        tensor<16x64x32xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// Expert biases ride along on each grouped product; GeGLU experts keep their activation.
// CHECK-LABEL: func.func @biased_geglu
// CHECK-SAME: %[[GB:[^:]+]]: tensor<8x32xf32>, %[[UB:[^:]+]]: tensor<8x32xf32>, %[[DB:[^:]+]]: tensor<8x64xf32>
// CHECK: loom.grouped_linear %{{.+}}, %{{.+}}, %{{.+}} bias(%[[GB]] : tensor<8x32xf32>)
// CHECK: loom.grouped_linear %{{.+}}, %{{.+}}, %{{.+}} bias(%[[UB]] : tensor<8x32xf32>)
// CHECK: loom.geglu
// CHECK: loom.grouped_linear %{{.+}}, %{{.+}}, %{{.+}} bias(%[[DB]] : tensor<8x64xf32>)
func.func @biased_geglu(%x: tensor<?x64xf32>, %ids: tensor<?x2xi32>, %w: tensor<?x2xf32>, %g: tensor<8x32x64xf32>,
                        %u: tensor<8x32x64xf32>, %d: tensor<8x64x32xf32>, %gb: tensor<8x32xf32>,
                        %ub: tensor<8x32xf32>, %db: tensor<8x64xf32>) -> tensor<?x64xf32> {
  %y = loom.experts %x, %ids, %w, %g, %u, %d biases(%gb, %ub, %db : tensor<8x32xf32>, tensor<8x32xf32>, tensor<8x64xf32>)
      {activation = #loom<expert_activation geglu>}
      : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32>, tensor<8x32x64xf32>, tensor<8x32x64xf32>,
        tensor<8x64x32xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// gpt-oss's clamped SwiGLU has no grouped form yet: the experts stay as written.
// CHECK-LABEL: func.func @swiglu_oai
// CHECK-NEXT: loom.experts
// CHECK-NOT: loom.moe_dispatch
func.func @swiglu_oai(%x: tensor<?x64xf32>, %ids: tensor<?x2xi32>, %w: tensor<?x2xf32>, %g: tensor<8x32x64xf32>,
                      %u: tensor<8x32x64xf32>, %d: tensor<8x64x32xf32>) -> tensor<?x64xf32> {
  %y = loom.experts %x, %ids, %w, %g, %u, %d {activation = #loom<expert_activation swiglu_oai>}
      : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32>, tensor<8x32x64xf32>, tensor<8x32x64xf32>,
        tensor<8x64x32xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}
