// RUN: loom-opt %s --loom-assign-caches --loom-lower-to-kernels --loom-plan-arena=max-chunk=4 -split-input-file | FileCheck %s
// Scaled RoPE lowers to the same kernel with a constant table of per-pair frequency divisors (one global
// shared by q and k) and YaRN's attention factor; unscaled RoPE passes no table and a factor of 1.

// llama3, theta 1e4 over 16 dims, factor 8, bands at 64/4 and 64/1 positions: pair 0 is kept, pairs 1 and 2
// blend, pairs 3.. are divided by 8 (llama.cpp converter's arithmetic, as rope_freqs.weight holds it).
// CHECK: module attributes {loom.descriptor = {
// CHECK-SAME: rope_freq_divisors = array<f32: 1.000000e+00, 1.29{{[0-9]+}}, 7.66{{[0-9]+}}, 8.000000e+00, 8.000000e+00, 8.000000e+00, 8.000000e+00, 8.000000e+00>
// CHECK: llvm.mlir.global private constant @[[TABLE:loom\.rope_divisors\.0]](dense<[1.000000e+00, 1.29{{[0-9]+}}, 7.66{{[0-9]+}}, 8.000000e+00, 8.000000e+00, 8.000000e+00, 8.000000e+00, 8.000000e+00]> : tensor<8xf32>) {{.*}}: !llvm.array<8 x f32>
// CHECK-NOT: llvm.mlir.global
// CHECK-LABEL: func.func @loom_generated_forward(
// CHECK: %[[QT:.+]] = llvm.mlir.addressof @[[TABLE]] : !llvm.ptr
// CHECK: %[[ONE:.+]] = llvm.mlir.constant(1.000000e+00 : f32) : f32
// CHECK: call @loom_k_rope(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[QT]], %[[ONE]], %{{.+}})
// CHECK: %[[KT:.+]] = llvm.mlir.addressof @[[TABLE]] : !llvm.ptr
// CHECK: call @loom_k_rope(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[KT]],
// CHECK: func.func private @loom_k_rope(!llvm.ptr, i64, i64, i64, i64, i64, f32, !llvm.ptr, f32, i32)
func.func @forward(%tokens: tensor<?xi32>, %start: index) -> tensor<?x100xf32> attributes {loom.model = {name = "Llama3", vocab = 100 : i64, d_model = 32 : i64, n_layers = 1 : i64, max_context = 256 : i64}} {
  %emb = loom.weight "embedding.weight" : tensor<100x32xf32>
  %x = loom.embedding %tokens, %emb : (tensor<?xi32>, tensor<100x32xf32>) -> tensor<?x32xf32>
  %qh = loom.split_heads %x : tensor<?x32xf32> -> tensor<?x2x16xf32>
  %qr = loom.rope %qh at %start {theta = 1.0e+04 : f64, style = #loom<rope_style half>, rotary_dims = 16 : i64,
      scaling = #loom.rope_llama3<factor = 8.0, low_freq_factor = 1.0, high_freq_factor = 4.0, original_context = 64>} : tensor<?x2x16xf32>
  %kr = loom.rope %qh at %start {theta = 1.0e+04 : f64, style = #loom<rope_style half>, rotary_dims = 16 : i64,
      scaling = #loom.rope_llama3<factor = 8.0, low_freq_factor = 1.0, high_freq_factor = 4.0, original_context = 64>} : tensor<?x2x16xf32>
  %c0 = loom.kv_cache "layers.0.attention" : !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16>
  %c1 = loom.cache_append %c0, %kr, %qh at %start : !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16>, tensor<?x2x16xf32>, tensor<?x2x16xf32>
  %a = loom.attend %qr, %c1 at %start {mask = #loom<mask global>, scale = 0.25 : f64} : tensor<?x2x16xf32>, !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16> -> tensor<?x2x16xf32>
  %m = loom.merge_heads %a : tensor<?x2x16xf32> -> tensor<?x32xf32>
  %h = loom.lm_head %m, %emb : (tensor<?x32xf32>, tensor<100x32xf32>) -> tensor<?x100xf32>
  return %h : tensor<?x100xf32>
}

// -----

// YaRN: a ramp over the pairs between the correction dims (beta 32 and 1 turns in 64 positions, theta 1e4,
// 16 dims: -0.99 and 2.02, truncated to 0 and 3): pair 0 keeps its frequency, pairs 1 and 2 blend
// (divisors 1 / (2/3 + 1/12) and 1 / (1/3 + 1/6)), pairs from 3 on are divided by 4; cos and sin times 1.5.
// No descriptor table: only Llama 3.1's is a GGUF tensor.
// CHECK: rope_freq_divisors = array<f32>
// CHECK: llvm.mlir.global private constant @[[TABLE:loom\.rope_divisors\.0]](dense<[1.000000e+00, 1.33333337, 2.000000e+00, 4.000000e+00, 4.000000e+00, 4.000000e+00, 4.000000e+00, 4.000000e+00]> : tensor<8xf32>)
// CHECK-LABEL: func.func @loom_generated_forward(
// CHECK: %[[T:.+]] = llvm.mlir.addressof @[[TABLE]] : !llvm.ptr
// CHECK: %[[ATTN:.+]] = llvm.mlir.constant(1.500000e+00 : f32) : f32
// CHECK: call @loom_k_rope(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[T]], %[[ATTN]], %{{.+}})
func.func @forward(%tokens: tensor<?xi32>, %start: index) -> tensor<?x100xf32> attributes {loom.model = {name = "Yarn", vocab = 100 : i64, d_model = 32 : i64, n_layers = 1 : i64, max_context = 256 : i64}} {
  %emb = loom.weight "embedding.weight" : tensor<100x32xf32>
  %x = loom.embedding %tokens, %emb : (tensor<?xi32>, tensor<100x32xf32>) -> tensor<?x32xf32>
  %qh = loom.split_heads %x : tensor<?x32xf32> -> tensor<?x2x16xf32>
  %kr = loom.rope %qh at %start {theta = 1.0e+04 : f64, style = #loom<rope_style half>, rotary_dims = 16 : i64,
      scaling = #loom.rope_yarn<factor = 4.0, original_context = 64, beta_fast = 32.0, beta_slow = 1.0, attention_factor = 1.5, truncate = true>} : tensor<?x2x16xf32>
  %c0 = loom.kv_cache "layers.0.attention" : !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16>
  %c1 = loom.cache_append %c0, %kr, %qh at %start : !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16>, tensor<?x2x16xf32>, tensor<?x2x16xf32>
  %a = loom.attend %qh, %c1 at %start {mask = #loom<mask global>, scale = 0.25 : f64} : tensor<?x2x16xf32>, !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16> -> tensor<?x2x16xf32>
  %m = loom.merge_heads %a : tensor<?x2x16xf32> -> tensor<?x32xf32>
  %h = loom.lm_head %m, %emb : (tensor<?x32xf32>, tensor<100x32xf32>) -> tensor<?x100xf32>
  return %h : tensor<?x100xf32>
}

// -----

// Unscaled: a null table and a factor of 1, which the kernel treats as all divisors 1 (bit for bit the
// rotation it always computed).
// CHECK: rope_freq_divisors = array<f32>
// CHECK-NOT: llvm.mlir.global
// CHECK-LABEL: func.func @loom_generated_forward(
// CHECK: %[[NULL:.+]] = llvm.mlir.zero : !llvm.ptr
// CHECK: %[[ONE:.+]] = llvm.mlir.constant(1.000000e+00 : f32) : f32
// CHECK: call @loom_k_rope(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[NULL]], %[[ONE]], %{{.+}})
func.func @forward(%tokens: tensor<?xi32>, %start: index) -> tensor<?x100xf32> attributes {loom.model = {name = "Plain", vocab = 100 : i64, d_model = 32 : i64, n_layers = 1 : i64, max_context = 256 : i64}} {
  %emb = loom.weight "embedding.weight" : tensor<100x32xf32>
  %x = loom.embedding %tokens, %emb : (tensor<?xi32>, tensor<100x32xf32>) -> tensor<?x32xf32>
  %qh = loom.split_heads %x : tensor<?x32xf32> -> tensor<?x2x16xf32>
  %kr = loom.rope %qh at %start {theta = 1.0e+04 : f64, style = #loom<rope_style half>, rotary_dims = 16 : i64} : tensor<?x2x16xf32>
  %c0 = loom.kv_cache "layers.0.attention" : !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16>
  %c1 = loom.cache_append %c0, %kr, %qh at %start : !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16>, tensor<?x2x16xf32>, tensor<?x2x16xf32>
  %a = loom.attend %qh, %c1 at %start {mask = #loom<mask global>, scale = 0.25 : f64} : tensor<?x2x16xf32>, !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16> -> tensor<?x2x16xf32>
  %m = loom.merge_heads %a : tensor<?x2x16xf32> -> tensor<?x32xf32>
  %h = loom.lm_head %m, %emb : (tensor<?x32xf32>, tensor<100x32xf32>) -> tensor<?x100xf32>
  return %h : tensor<?x100xf32>
}

// -----

// The fused QK-norm + RoPE (Qwen3 with YaRN, Gemma 3 27B's linear global layers) passes the same table.
// CHECK: llvm.mlir.global private constant @[[TABLE:loom\.rope_divisors\.0]](dense<4.000000e+00> : tensor<8xf32>)
// CHECK-LABEL: func.func @loom_generated_forward(
// CHECK: %[[T:.+]] = llvm.mlir.addressof @[[TABLE]] : !llvm.ptr
// CHECK: %[[ONE:.+]] = llvm.mlir.constant(1.000000e+00 : f32) : f32
// CHECK: call @loom_k_qk_norm_rope({{.+}}, %[[T]], %[[ONE]], %{{.+}}, %{{.+}})
func.func @forward(%tokens: tensor<?xi32>, %start: index) -> tensor<?x100xf32> attributes {loom.model = {name = "Fused", vocab = 100 : i64, d_model = 32 : i64, n_layers = 1 : i64, max_context = 256 : i64}} {
  %emb = loom.weight "embedding.weight" : tensor<100x32xf32>
  %x = loom.embedding %tokens, %emb : (tensor<?xi32>, tensor<100x32xf32>) -> tensor<?x32xf32>
  %qh = loom.split_heads %x : tensor<?x32xf32> -> tensor<?x2x16xf32>
  %kw = loom.weight "layers.0.attention.k_norm.weight" : tensor<16xf32>
  %kr = loom.qk_norm_rope %qh, %kw at %start {eps = 1.0e-06 : f64, norm_width = 16 : i64, theta = 1.0e+04 : f64, style = #loom<rope_style half>, rotary_dims = 16 : i64, scaling = #loom.rope_linear<factor = 4.0>} : (tensor<?x2x16xf32>, tensor<16xf32>, index) -> tensor<?x2x16xf32>
  %c0 = loom.kv_cache "layers.0.attention" : !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16>
  %c1 = loom.cache_append %c0, %kr, %qh at %start : !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16>, tensor<?x2x16xf32>, tensor<?x2x16xf32>
  %a = loom.attend %qh, %c1 at %start {mask = #loom<mask global>, scale = 0.25 : f64} : tensor<?x2x16xf32>, !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16> -> tensor<?x2x16xf32>
  %m = loom.merge_heads %a : tensor<?x2x16xf32> -> tensor<?x32xf32>
  %h = loom.lm_head %m, %emb : (tensor<?x32xf32>, tensor<100x32xf32>) -> tensor<?x100xf32>
  return %h : tensor<?x100xf32>
}
