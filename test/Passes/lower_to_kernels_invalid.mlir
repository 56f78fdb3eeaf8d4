// RUN: loom-opt %s --loom-lower-to-kernels -split-input-file -verify-diagnostics

// The lowering reads cache slots; it does not invent them.
// expected-error @+1 {{has no 'loom.descriptor': run loom-assign-caches before the lowering}}
module {
func.func @forward(%tokens: tensor<?xi32>, %start: index) -> tensor<?x8xf32> attributes {loom.model = {name = "NoSlots", vocab = 8 : i64, d_model = 16 : i64, n_layers = 1 : i64, max_context = 8 : i64}} {
  %emb = loom.weight "embedding.weight" : tensor<8x16xf32>
  %x = loom.embedding %tokens, %emb : (tensor<?xi32>, tensor<8x16xf32>) -> tensor<?x16xf32>
  %h = loom.split_heads %x : tensor<?x16xf32> -> tensor<?x2x8xf32>
  %c0 = loom.kv_cache "layers.0.attention" : !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 8, value_dim = 8>
  %c1 = loom.cache_append %c0, %h, %h at %start : !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 8, value_dim = 8>, tensor<?x2x8xf32>, tensor<?x2x8xf32>
  %a = loom.attend %h, %c1 at %start {mask = #loom<mask global>, scale = 0.35 : f64} : tensor<?x2x8xf32>, !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 8, value_dim = 8> -> tensor<?x2x8xf32>
  %m = loom.merge_heads %a : tensor<?x2x8xf32> -> tensor<?x16xf32>
  %logits = loom.lm_head %m, %emb : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  return %logits : tensor<?x8xf32>
}
}

// -----

module attributes {loom.descriptor = {caches = [], d_model = 16 : i64, max_chunk = 0 : i64, max_context = 8 : i64, n_layers = 1 : i64, name = "Unslotted", rope_freq_divisors = array<f32>, scratch_bytes = 0 : i64, vocab = 8 : i64, weights = []}} {
func.func @forward(%tokens: tensor<?xi32>, %start: index) -> tensor<?x8xf32> attributes {loom.model = {name = "Unslotted", vocab = 8 : i64, d_model = 16 : i64, n_layers = 1 : i64, max_context = 8 : i64}} {
  %emb = loom.weight "embedding.weight" : tensor<8x16xf32>
  %x = loom.embedding %tokens, %emb : (tensor<?xi32>, tensor<8x16xf32>) -> tensor<?x16xf32>
  %h = loom.split_heads %x : tensor<?x16xf32> -> tensor<?x2x8xf32>
  // expected-error @+1 {{has no slot: run loom-assign-caches before the lowering}}
  %c0 = loom.kv_cache "layers.0.attention" : !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 8, value_dim = 8>
  %c1 = loom.cache_append %c0, %h, %h at %start : !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 8, value_dim = 8>, tensor<?x2x8xf32>, tensor<?x2x8xf32>
  %a = loom.attend %h, %c1 at %start {mask = #loom<mask global>, scale = 0.35 : f64} : tensor<?x2x8xf32>, !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 8, value_dim = 8> -> tensor<?x2x8xf32>
  %m = loom.merge_heads %a : tensor<?x2x8xf32> -> tensor<?x16xf32>
  %logits = loom.lm_head %m, %emb : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  return %logits : tensor<?x8xf32>
}
}

// -----

// expected-error @+1 {{expected a 'forward' function to lower}}
module {
}
