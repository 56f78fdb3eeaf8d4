// Routed experts (8, top-2, width 12) and a shared expert of the same width added after them, as MLIRGen
// writes DeepSeek V3's; lower_moe.mlir lowers it with the shared expert fused into the grouped products.
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
  %sg = loom.weight "layers.0.ffn.shared.gate_proj.weight" : tensor<12x8xf32>
  %sa = loom.linear %x, %sg : (tensor<?x8xf32>, tensor<12x8xf32>) -> tensor<?x12xf32>
  %su = loom.weight "layers.0.ffn.shared.up_proj.weight" : tensor<12x8xf32>
  %sb = loom.linear %x, %su : (tensor<?x8xf32>, tensor<12x8xf32>) -> tensor<?x12xf32>
  %sh = loom.swiglu %sa, %sb : tensor<?x12xf32>
  %sd = loom.weight "layers.0.ffn.shared.down_proj.weight" : tensor<8x12xf32>
  %s = loom.linear %sh, %sd : (tensor<?x12xf32>, tensor<8x12xf32>) -> tensor<?x8xf32>
  %sum = loom.add %y, %s : tensor<?x8xf32>
  %logits = loom.lm_head %sum, %emb : (tensor<?x8xf32>, tensor<10x8xf32>) -> tensor<?x10xf32>
  return %logits : tensor<?x10xf32>
}
