// RUN: loom-opt %s --loom-specialize-attention -split-input-file | FileCheck %s
// Each attention's mask decides the cache it needs: a sliding window of W keeps a ring of W rows, a chunked
// attention one chunk, global attention (with RoPE or without) every position. The retyping covers the
// whole chain: the cache op, its appends and the attention reading it.

!full = !loom.kv_cache<full, window = 0, kv_heads = 1, key_dim = 8, value_dim = 8>

// CHECK-LABEL: func.func @sliding_window
// CHECK: %[[C:.+]] = loom.kv_cache "layers.0.attention" : !loom.kv_cache<ring, window = 4, kv_heads = 1, key_dim = 8, value_dim = 8>
// CHECK: %[[C1:.+]] = loom.cache_append %[[C]], {{.+}} : !loom.kv_cache<ring, window = 4, kv_heads = 1, key_dim = 8, value_dim = 8>
// CHECK: loom.attend %{{.+}}, %[[C1]] at %{{.+}} {mask = #loom<mask sliding_window>, scale = 2.500000e-01 : f64, window = 4 : i64} : tensor<?x2x8xf32>, !loom.kv_cache<ring, window = 4, kv_heads = 1, key_dim = 8, value_dim = 8>
func.func @sliding_window(%q: tensor<?x2x8xf32>, %k: tensor<?x1x8xf32>, %s: index) -> tensor<?x2x8xf32> {
  %c = loom.kv_cache "layers.0.attention" : !full
  %c1 = loom.cache_append %c, %k, %k at %s : !full, tensor<?x1x8xf32>, tensor<?x1x8xf32>
  %a = loom.attend %q, %c1 at %s {mask = #loom<mask sliding_window>, window = 4 : i64, scale = 0.25 : f64} : tensor<?x2x8xf32>, !full -> tensor<?x2x8xf32>
  return %a : tensor<?x2x8xf32>
}

// -----

!full = !loom.kv_cache<full, window = 0, kv_heads = 1, key_dim = 8, value_dim = 8>

// CHECK-LABEL: func.func @chunked
// CHECK: loom.kv_cache "layers.0.attention" : !loom.kv_cache<chunk, window = 16, kv_heads = 1, key_dim = 8, value_dim = 8>
// CHECK: loom.attend {{.+}} {mask = #loom<mask chunked>, {{.+}}window = 16 : i64} : tensor<?x2x8xf32>, !loom.kv_cache<chunk, window = 16,
func.func @chunked(%q: tensor<?x2x8xf32>, %k: tensor<?x1x8xf32>, %s: index) -> tensor<?x2x8xf32> {
  %c = loom.kv_cache "layers.0.attention" : !full
  %c1 = loom.cache_append %c, %k, %k at %s : !full, tensor<?x1x8xf32>, tensor<?x1x8xf32>
  %a = loom.attend %q, %c1 at %s {mask = #loom<mask chunked>, window = 16 : i64, scale = 0.25 : f64} : tensor<?x2x8xf32>, !full -> tensor<?x2x8xf32>
  return %a : tensor<?x2x8xf32>
}

// -----

!full = !loom.kv_cache<full, window = 0, kv_heads = 1, key_dim = 8, value_dim = 8>

// A global layer keeps every position, whether its keys were rotated (RoPE) or not (NoPE, SmolLM3's
// every fourth layer): nothing to specialise.
// CHECK-LABEL: func.func @global_rope_and_nope
// CHECK: loom.kv_cache "layers.0.attention" : !loom.kv_cache<full, window = 0,
// CHECK: loom.kv_cache "layers.3.attention" : !loom.kv_cache<full, window = 0,
func.func @global_rope_and_nope(%q: tensor<?x2x8xf32>, %k: tensor<?x1x8xf32>, %s: index) -> tensor<?x2x8xf32> {
  %kr = loom.rope %k at %s {theta = 1.0e+04 : f64, style = #loom<rope_style half>, rotary_dims = 8 : i64} : tensor<?x1x8xf32>
  %c = loom.kv_cache "layers.0.attention" : !full
  %c1 = loom.cache_append %c, %kr, %k at %s : !full, tensor<?x1x8xf32>, tensor<?x1x8xf32>
  %a = loom.attend %q, %c1 at %s {mask = #loom<mask global>, scale = 0.25 : f64} : tensor<?x2x8xf32>, !full -> tensor<?x2x8xf32>
  %n = loom.kv_cache "layers.3.attention" : !full
  %n1 = loom.cache_append %n, %k, %k at %s : !full, tensor<?x1x8xf32>, tensor<?x1x8xf32>
  %b = loom.attend %a, %n1 at %s {mask = #loom<mask global>, scale = 0.25 : f64} : tensor<?x2x8xf32>, !full -> tensor<?x2x8xf32>
  return %b : tensor<?x2x8xf32>
}

// -----

!full = !loom.kv_cache<full, window = 0, kv_heads = 1, key_dim = 8, value_dim = 8>

// Two attentions that need different rows share a cache: it stays full (the larger need wins).
// CHECK-LABEL: func.func @readers_disagree
// CHECK: loom.kv_cache "layers.0.attention" : !loom.kv_cache<full, window = 0,
func.func @readers_disagree(%q: tensor<?x2x8xf32>, %k: tensor<?x1x8xf32>, %s: index) -> tensor<?x2x8xf32> {
  %c = loom.kv_cache "layers.0.attention" : !full
  %c1 = loom.cache_append %c, %k, %k at %s : !full, tensor<?x1x8xf32>, tensor<?x1x8xf32>
  %a = loom.attend %q, %c1 at %s {mask = #loom<mask sliding_window>, window = 4 : i64, scale = 0.25 : f64} : tensor<?x2x8xf32>, !full -> tensor<?x2x8xf32>
  %b = loom.attend %a, %c1 at %s {mask = #loom<mask sliding_window>, window = 8 : i64, scale = 0.25 : f64} : tensor<?x2x8xf32>, !full -> tensor<?x2x8xf32>
  return %b : tensor<?x2x8xf32>
}
