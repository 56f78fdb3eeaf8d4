// RUN: loom-opt %s --loom-assign-caches -split-input-file -verify-diagnostics | FileCheck %s

// Slots follow program order; the module records each cache's name and type for the descriptor.
// CHECK: module attributes {loom.caches = [{name = "layers.0.attention", type = !loom.kv_cache<ring, window = 4, kv_heads = 2, key_dim = 8, value_dim = 8>}, {name = "layers.1.attention", type = !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 8, value_dim = 8>}]}
// CHECK-LABEL: func.func @two_layers
// CHECK: loom.kv_cache "layers.0.attention" {slot = 0 : i64}
// CHECK: loom.kv_cache "layers.1.attention" {slot = 1 : i64}
func.func @two_layers(%k: tensor<?x2x8xf32>, %start: index) {
  %a = loom.kv_cache "layers.0.attention" : !loom.kv_cache<ring, window = 4, kv_heads = 2, key_dim = 8, value_dim = 8>
  %a1 = loom.cache_append %a, %k, %k at %start : !loom.kv_cache<ring, window = 4, kv_heads = 2, key_dim = 8, value_dim = 8>, tensor<?x2x8xf32>, tensor<?x2x8xf32>
  %b = loom.kv_cache "layers.1.attention" : !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 8, value_dim = 8>
  %b1 = loom.cache_append %b, %k, %k at %start : !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 8, value_dim = 8>, tensor<?x2x8xf32>, tensor<?x2x8xf32>
  return
}

// -----

func.func @same_name() {
  // expected-note @+1 {{first declared here}}
  %a = loom.kv_cache "layers.0.attention" : !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 8, value_dim = 8>
  // expected-error @+1 {{declares cache 'layers.0.attention' twice}}
  %b = loom.kv_cache "layers.0.attention" : !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 8, value_dim = 8>
  return
}
