// RUN: loom-opt %s --loom-moe-grouped-matmul -split-input-file | FileCheck %s
// RUN: loom-opt %s --loom-moe-grouped-matmul=fuse-shared-expert=false -split-input-file | FileCheck %s --check-prefix=APART
// Routed experts become dispatch, gather, one grouped product per projection, and a weighted combine; a shared
// expert as wide as a routed one becomes one more group of the same products.

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

// gpt-oss: clamped SwiGLU experts with biases are grouped too; loom.swiglu_oai takes the experts' alpha and limit.
// CHECK-LABEL: func.func @swiglu_oai
// CHECK-SAME: %[[GB:[^:]+]]: tensor<8x32xf32>, %[[UB:[^:]+]]: tensor<8x32xf32>, %[[DB:[^:]+]]: tensor<8x64xf32>
// CHECK-NEXT: %[[ORDER:.+]], %[[OFFSETS:.+]] = loom.moe_dispatch
// CHECK-NEXT: %[[ROWS:.+]] = loom.moe_gather
// CHECK-NEXT: %[[GATE:.+]] = loom.grouped_linear %[[ROWS]], %[[OFFSETS]], %{{.+}} bias(%[[GB]] : tensor<8x32xf32>)
// CHECK-NEXT: %[[UP:.+]] = loom.grouped_linear %[[ROWS]], %[[OFFSETS]], %{{.+}} bias(%[[UB]] : tensor<8x32xf32>)
// CHECK-NEXT: %[[H:.+]] = loom.swiglu_oai %[[GATE]], %[[UP]] {alpha = 1.702000e+00 : f64, limit = 5.000000e+00 : f64} : tensor<?x2x32xf32>
// CHECK-NEXT: %[[DOWN:.+]] = loom.grouped_linear %[[H]], %[[OFFSETS]], %{{.+}} bias(%[[DB]] : tensor<8x64xf32>)
// CHECK-NEXT: %[[Y:.+]] = loom.moe_combine %[[DOWN]], %[[ORDER]]
// CHECK-NEXT: return %[[Y]]
func.func @swiglu_oai(%x: tensor<?x64xf32>, %ids: tensor<?x2xi32>, %w: tensor<?x2xf32>, %g: tensor<8x32x64xf32>,
                      %u: tensor<8x32x64xf32>, %d: tensor<8x64x32xf32>, %gb: tensor<8x32xf32>,
                      %ub: tensor<8x32xf32>, %db: tensor<8x64xf32>) -> tensor<?x64xf32> {
  %y = loom.experts %x, %ids, %w, %g, %u, %d biases(%gb, %ub, %db : tensor<8x32xf32>, tensor<8x32xf32>, tensor<8x64xf32>)
      {activation = #loom<expert_activation swiglu_oai>, limit = 5.0 : f64}
      : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32>, tensor<8x32x64xf32>, tensor<8x32x64xf32>,
        tensor<8x64x32xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// DeepSeek V3: the shared expert (as wide as a routed one) is added after the routed experts. It becomes group 16:
// every token gets a fifth slot routed to it with weight 1, each grouped product takes its matrix, and the
// combine adds it after the routed slots; its dense MLP and the add are gone.
// CHECK-LABEL: func.func @shared
// CHECK-SAME: (%[[X:[^:]+]]: tensor<?x64xf32>, %[[IDS:[^:]+]]: tensor<?x4xi32>, %[[W:[^:]+]]: tensor<?x4xf32>, %[[G:[^:]+]]: tensor<16x32x64xf32>, %[[U:[^:]+]]: tensor<16x32x64xf32>, %[[D:[^:]+]]: tensor<16x64x32xf32>, %[[SG:[^:]+]]: tensor<32x64xf32>, %[[SU:[^:]+]]: tensor<32x64xf32>, %[[SD:[^:]+]]: tensor<64x32xf32>)
// CHECK-NEXT: %[[IDS5:.+]], %[[W5:.+]] = loom.moe_append_shared %[[IDS]], %[[W]] {expert = 16 : i64} : tensor<?x4xi32>, tensor<?x4xf32> -> tensor<?x5xi32>, tensor<?x5xf32>
// CHECK-NEXT: %[[ORDER:.+]], %[[OFFSETS:.+]] = loom.moe_dispatch %[[IDS5]] : tensor<?x5xi32> -> tensor<?x5xi32>, tensor<18xi64>
// CHECK-NEXT: %[[ROWS:.+]] = loom.moe_gather %[[X]], %[[ORDER]] : tensor<?x64xf32>, tensor<?x5xi32> -> tensor<?x5x64xf32>
// CHECK-NEXT: %[[GATE:.+]] = loom.grouped_linear %[[ROWS]], %[[OFFSETS]], %[[G]] shared(%[[SG]] : tensor<32x64xf32>) : tensor<?x5x64xf32>, tensor<18xi64>, tensor<16x32x64xf32> -> tensor<?x5x32xf32>
// CHECK-NEXT: %[[UP:.+]] = loom.grouped_linear %[[ROWS]], %[[OFFSETS]], %[[U]] shared(%[[SU]] : tensor<32x64xf32>)
// CHECK-NEXT: %[[H:.+]] = loom.swiglu %[[GATE]], %[[UP]] : tensor<?x5x32xf32>
// CHECK-NEXT: %[[DOWN:.+]] = loom.grouped_linear %[[H]], %[[OFFSETS]], %[[D]] shared(%[[SD]] : tensor<64x32xf32>) : tensor<?x5x32xf32>, tensor<18xi64>, tensor<16x64x32xf32> -> tensor<?x5x64xf32>
// CHECK-NEXT: %[[Y:.+]] = loom.moe_combine %[[DOWN]], %[[ORDER]], %[[W5]] : tensor<?x5xf32> : tensor<?x5x64xf32>, tensor<?x5xi32> -> tensor<?x64xf32>
// CHECK-NEXT: return %[[Y]]
// Without the fusion, the routed experts are grouped and the shared expert stays a dense MLP added after them.
// APART-LABEL: func.func @shared
// APART: loom.moe_dispatch %{{.+}} : tensor<?x4xi32> -> tensor<?x4xi32>, tensor<17xi64>
// APART: %[[R:.+]] = loom.moe_combine
// APART: %[[S:.+]] = loom.linear %{{.+}}, %{{.+}} : (tensor<?x32xf32>, tensor<64x32xf32>) -> tensor<?x64xf32>
// APART: loom.add %[[R]], %[[S]]
func.func @shared(%x: tensor<?x64xf32>, %ids: tensor<?x4xi32>, %w: tensor<?x4xf32>, %g: tensor<16x32x64xf32>,
                  %u: tensor<16x32x64xf32>, %d: tensor<16x64x32xf32>, %sg: tensor<32x64xf32>, %su: tensor<32x64xf32>,
                  %sd: tensor<64x32xf32>) -> tensor<?x64xf32> {
  %y = loom.experts %x, %ids, %w, %g, %u, %d {activation = #loom<expert_activation swiglu>}
      : tensor<?x64xf32>, tensor<?x4xi32>, tensor<?x4xf32>, tensor<16x32x64xf32>, tensor<16x32x64xf32>,
        tensor<16x64x32xf32> -> tensor<?x64xf32>
  %a = loom.linear %x, %sg : (tensor<?x64xf32>, tensor<32x64xf32>) -> tensor<?x32xf32>
  %b = loom.linear %x, %su : (tensor<?x64xf32>, tensor<32x64xf32>) -> tensor<?x32xf32>
  %h = loom.swiglu %a, %b : tensor<?x32xf32>
  %s = loom.linear %h, %sd : (tensor<?x32xf32>, tensor<64x32xf32>) -> tensor<?x64xf32>
  %sum = loom.add %y, %s : tensor<?x64xf32>
  return %sum : tensor<?x64xf32>
}

// -----

// Qwen3-Next: sigmoid(shared_gate x) scales the shared expert per token; it becomes the shared slot's weight.
// Llama 4's input-weighted experts take the shared slot (weight 1) in the gather like the routed ones.
// CHECK-LABEL: func.func @shared_gated
// CHECK: %[[LOGIT:.+]] = loom.linear %{{.+}}, %{{.+}} : (tensor<?x64xf32>, tensor<1x64xf32>) -> tensor<?x1xf32>
// CHECK-NEXT: %{{.+}}, %[[W2:.+]] = loom.moe_append_shared %{{.+}}, %{{.+}} gate(%[[LOGIT]] : tensor<?x1xf32>) {expert = 16 : i64} : tensor<?x1xi32>, tensor<?x1xf32> -> tensor<?x2xi32>, tensor<?x2xf32>
// CHECK: loom.moe_gather %{{.+}}, %{{.+}} scaled(%[[W2]] : tensor<?x2xf32>)
// CHECK-NOT: loom.sigmoid_gate
// CHECK: loom.moe_combine %{{.+}}, %{{.+}} : tensor<?x2x64xf32>, tensor<?x2xi32> -> tensor<?x64xf32>
// CHECK-NOT: loom.add
func.func @shared_gated(%x: tensor<?x64xf32>, %ids: tensor<?x1xi32>, %w: tensor<?x1xf32>, %g: tensor<16x32x64xf32>,
                        %u: tensor<16x32x64xf32>, %d: tensor<16x64x32xf32>, %sg: tensor<32x64xf32>,
                        %su: tensor<32x64xf32>, %sd: tensor<64x32xf32>, %gw: tensor<1x64xf32>) -> tensor<?x64xf32> {
  %y = loom.experts %x, %ids, %w, %g, %u, %d {activation = #loom<expert_activation swiglu>, weight_input}
      : tensor<?x64xf32>, tensor<?x1xi32>, tensor<?x1xf32>, tensor<16x32x64xf32>, tensor<16x32x64xf32>,
        tensor<16x64x32xf32> -> tensor<?x64xf32>
  %a = loom.linear %x, %sg : (tensor<?x64xf32>, tensor<32x64xf32>) -> tensor<?x32xf32>
  %b = loom.linear %x, %su : (tensor<?x64xf32>, tensor<32x64xf32>) -> tensor<?x32xf32>
  %h = loom.swiglu %a, %b : tensor<?x32xf32>
  %s = loom.linear %h, %sd : (tensor<?x32xf32>, tensor<64x32xf32>) -> tensor<?x64xf32>
  %l = loom.linear %x, %gw : (tensor<?x64xf32>, tensor<1x64xf32>) -> tensor<?x1xf32>
  %gs = loom.sigmoid_gate %l, %s : tensor<?x1xf32>, tensor<?x64xf32>
  %sum = loom.add %gs, %y : tensor<?x64xf32>
  return %sum : tensor<?x64xf32>
}

// -----

// A shared expert twice as wide as a routed one is no group of the stacked products: it stays a dense MLP.
// CHECK-LABEL: func.func @shared_wider
// CHECK-NOT: loom.moe_append_shared
// CHECK: loom.moe_dispatch %{{.+}} : tensor<?x4xi32> -> tensor<?x4xi32>, tensor<17xi64>
// CHECK: loom.grouped_linear %{{.+}}, %{{.+}}, %{{.+}} : tensor<?x4x64xf32>
// CHECK: loom.linear %{{.+}}, %{{.+}} : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
// CHECK: loom.add
func.func @shared_wider(%x: tensor<?x64xf32>, %ids: tensor<?x4xi32>, %w: tensor<?x4xf32>, %g: tensor<16x32x64xf32>,
                        %u: tensor<16x32x64xf32>, %d: tensor<16x64x32xf32>, %sg: tensor<64x64xf32>,
                        %su: tensor<64x64xf32>, %sd: tensor<64x64xf32>) -> tensor<?x64xf32> {
  %y = loom.experts %x, %ids, %w, %g, %u, %d {activation = #loom<expert_activation swiglu>}
      : tensor<?x64xf32>, tensor<?x4xi32>, tensor<?x4xf32>, tensor<16x32x64xf32>, tensor<16x32x64xf32>,
        tensor<16x64x32xf32> -> tensor<?x64xf32>
  %a = loom.linear %x, %sg : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  %b = loom.linear %x, %su : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  %h = loom.swiglu %a, %b : tensor<?x64xf32>
  %s = loom.linear %h, %sd : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  %sum = loom.add %y, %s : tensor<?x64xf32>
  return %sum : tensor<?x64xf32>
}
