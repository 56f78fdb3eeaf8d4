// One sliding-window attention, as the frontend emits it (a full cache); used by tests of whole pipelines.
func.func @window(%q: tensor<?x2x8xf32>, %k: tensor<?x1x8xf32>, %s: index) -> tensor<?x2x8xf32> {
  %c = loom.kv_cache "layers.0.attention" : !loom.kv_cache<full, window = 0, kv_heads = 1, key_dim = 8, value_dim = 8>
  %c1 = loom.cache_append %c, %k, %k at %s : !loom.kv_cache<full, window = 0, kv_heads = 1, key_dim = 8, value_dim = 8>, tensor<?x1x8xf32>, tensor<?x1x8xf32>
  %a = loom.attend %q, %c1 at %s {mask = #loom<mask sliding_window>, window = 4 : i64, scale = 0.25 : f64} : tensor<?x2x8xf32>, !loom.kv_cache<full, window = 0, kv_heads = 1, key_dim = 8, value_dim = 8> -> tensor<?x2x8xf32>
  return %a : tensor<?x2x8xf32>
}
