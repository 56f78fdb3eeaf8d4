// RUN: loom-opt %s --loom-assign-caches -split-input-file -verify-diagnostics | FileCheck %s

// Slots follow program order; the descriptor starts from the model's dimensions and one record per cache
// (kind 1 is a ring of `window` rows, 0 a full cache).
// CHECK: module attributes {loom.descriptor = {caches = [{key_dim = 8 : i64, kind = 1 : i64, kv_heads = 2 : i64, name = "layers.0.attention", value_dim = 8 : i64, window = 4 : i64}, {key_dim = 8 : i64, kind = 0 : i64, kv_heads = 2 : i64, name = "layers.1.attention", value_dim = 8 : i64, window = 0 : i64}]
// CHECK-SAME: d_model = 16 : i64, max_chunk = 0 : i64, max_context = 32 : i64, n_layers = 2 : i64, name = "TwoLayers"
// CHECK-SAME: scratch_bytes = 0 : i64, vocab = 10 : i64, weights = []
// CHECK-LABEL: func.func @forward
// CHECK: loom.kv_cache "layers.0.attention" {slot = 0 : i64}
// CHECK: loom.kv_cache "layers.1.attention" {slot = 1 : i64}
func.func @forward(%k: tensor<?x2x8xf32>, %start: index) attributes {loom.model = {name = "TwoLayers", vocab = 10 : i64, d_model = 16 : i64, n_layers = 2 : i64, max_context = 32 : i64}} {
  %a = loom.kv_cache "layers.0.attention" : !loom.kv_cache<ring, window = 4, kv_heads = 2, key_dim = 8, value_dim = 8>
  %a1 = loom.cache_append %a, %k, %k at %start : !loom.kv_cache<ring, window = 4, kv_heads = 2, key_dim = 8, value_dim = 8>, tensor<?x2x8xf32>, tensor<?x2x8xf32>
  %b = loom.kv_cache "layers.1.attention" : !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 8, value_dim = 8>
  %b1 = loom.cache_append %b, %k, %k at %start : !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 8, value_dim = 8>, tensor<?x2x8xf32>, tensor<?x2x8xf32>
  return
}

// -----

func.func @forward() attributes {loom.model = {name = "SameName", vocab = 10 : i64, d_model = 16 : i64, n_layers = 2 : i64, max_context = 32 : i64}} {
  // expected-note @+1 {{first declared here}}
  %a = loom.kv_cache "layers.0.attention" : !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 8, value_dim = 8>
  // expected-error @+1 {{declares cache 'layers.0.attention' twice}}
  %b = loom.kv_cache "layers.0.attention" : !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 8, value_dim = 8>
  return
}

// -----

// expected-error @+1 {{has no integer 'max_context' in 'loom.model'}}
func.func @forward() attributes {loom.model = {name = "NoContext", vocab = 10 : i64, d_model = 16 : i64, n_layers = 2 : i64}} {
  return
}

// -----

// expected-error @+1 {{expected a 'forward' function whose caches to assign}}
module {
  func.func @other() {
    return
  }
}
