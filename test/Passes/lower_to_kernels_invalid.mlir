// RUN: loom-opt %s --loom-lower-to-kernels -split-input-file -verify-diagnostics

// Every layer owns exactly one KV-cache slot.
func.func @forward(%tokens: tensor<?xi32>, %start: index) -> tensor<?x8xf32> attributes {loom.model = {name = "Twice", vocab = 8 : i64, d_model = 16 : i64, n_layers = 2 : i64, max_context = 8 : i64}} {
  %emb = loom.weight "embedding.weight" : tensor<8x16xf32>
  %x = loom.embedding %tokens, %emb : (tensor<?xi32>, tensor<8x16xf32>) -> tensor<?x16xf32>
  %h = loom.split_heads %x : tensor<?x16xf32> -> tensor<?x2x8xf32>
  %a = loom.attention %h, %h, %h at %start {layer = 0 : i64, mask = #loom<mask global>, scale = 0.35 : f64} : tensor<?x2x8xf32>, tensor<?x2x8xf32>, tensor<?x2x8xf32> -> tensor<?x2x8xf32>
  // expected-error @+1 {{reuses KV cache slot 0}}
  %b = loom.attention %a, %h, %h at %start {layer = 0 : i64, mask = #loom<mask global>, scale = 0.35 : f64} : tensor<?x2x8xf32>, tensor<?x2x8xf32>, tensor<?x2x8xf32> -> tensor<?x2x8xf32>
  %m = loom.merge_heads %b : tensor<?x2x8xf32> -> tensor<?x16xf32>
  %logits = loom.lm_head %m, %emb : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  return %logits : tensor<?x8xf32>
}

// -----

// expected-error @+1 {{has KV cache slots for 1 layers, expected 2}}
func.func @forward(%tokens: tensor<?xi32>, %start: index) -> tensor<?x8xf32> attributes {loom.model = {name = "Short", vocab = 8 : i64, d_model = 16 : i64, n_layers = 2 : i64, max_context = 8 : i64}} {
  %emb = loom.weight "embedding.weight" : tensor<8x16xf32>
  %x = loom.embedding %tokens, %emb : (tensor<?xi32>, tensor<8x16xf32>) -> tensor<?x16xf32>
  %h = loom.split_heads %x : tensor<?x16xf32> -> tensor<?x2x8xf32>
  %a = loom.attention %h, %h, %h at %start {layer = 0 : i64, mask = #loom<mask global>, scale = 0.35 : f64} : tensor<?x2x8xf32>, tensor<?x2x8xf32>, tensor<?x2x8xf32> -> tensor<?x2x8xf32>
  %m = loom.merge_heads %a : tensor<?x2x8xf32> -> tensor<?x16xf32>
  %logits = loom.lm_head %m, %emb : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  return %logits : tensor<?x8xf32>
}

// -----

// expected-error @+1 {{expected a 'forward' function to lower}}
module {
}
