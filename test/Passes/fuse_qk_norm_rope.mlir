// RUN: loom-opt %s --loom-fuse-qk-norm-rope -split-input-file | FileCheck %s
// RMSNorm then RoPE of queries or keys become one loom.qk_norm_rope, in each form architectures use.

// Qwen3: a per-head norm of [tokens, heads, head_dim], then RoPE over the whole head.
// CHECK-LABEL: func.func @qwen3
// CHECK-SAME: (%[[K:.+]]: tensor<?x8x128xf32>, %[[W:.+]]: tensor<128xf32>, %[[S:.+]]: index)
// CHECK-NEXT: %[[F:.+]] = loom.qk_norm_rope %[[K]], %[[W]] at %[[S]] {eps = 9.9999999999999995E-7 : f64, norm_width = 128 : i64, rotary_dims = 128 : i64, style = #loom<rope_style half>, theta = 1.000000e+06 : f64} : (tensor<?x8x128xf32>, tensor<128xf32>, index) -> tensor<?x8x128xf32>
// CHECK-NEXT: return %[[F]]
func.func @qwen3(%k: tensor<?x8x128xf32>, %w: tensor<128xf32>, %s: index) -> tensor<?x8x128xf32> {
  %n = loom.rms_norm %k, %w {eps = 1.0e-06 : f64} : (tensor<?x8x128xf32>, tensor<128xf32>) -> tensor<?x8x128xf32>
  %r = loom.rope %n at %s {theta = 1.0e+06 : f64, style = #loom<rope_style half>, rotary_dims = 128 : i64} : tensor<?x8x128xf32>
  return %r : tensor<?x8x128xf32>
}

// -----

// OLMo 2: the norm spans the whole projection (all heads) before the head split.
// CHECK-LABEL: func.func @olmo2
// CHECK-SAME: (%[[Q:.+]]: tensor<?x512xf32>, %[[W:.+]]: tensor<512xf32>, %[[S:.+]]: index)
// CHECK-NEXT: %[[H:.+]] = loom.split_heads %[[Q]] : tensor<?x512xf32> -> tensor<?x4x128xf32>
// CHECK-NEXT: %[[F:.+]] = loom.qk_norm_rope %[[H]], %[[W]] at %[[S]] {eps = 9.9999999999999995E-7 : f64, norm_width = 512 : i64, rotary_dims = 128 : i64, style = #loom<rope_style half>, theta = 5.000000e+05 : f64} : (tensor<?x4x128xf32>, tensor<512xf32>, index) -> tensor<?x4x128xf32>
// CHECK-NEXT: return %[[F]]
func.func @olmo2(%q: tensor<?x512xf32>, %w: tensor<512xf32>, %s: index) -> tensor<?x4x128xf32> {
  %n = loom.rms_norm %q, %w {eps = 1.0e-06 : f64} : (tensor<?x512xf32>, tensor<512xf32>) -> tensor<?x512xf32>
  %h = loom.split_heads %n : tensor<?x512xf32> -> tensor<?x4x128xf32>
  %r = loom.rope %h at %s {theta = 5.0e+05 : f64, style = #loom<rope_style half>, rotary_dims = 128 : i64} : tensor<?x4x128xf32>
  return %r : tensor<?x4x128xf32>
}

// -----

// Gemma 3: the norm scales by (1 + w); the offset travels with the fused op.
// CHECK-LABEL: func.func @gemma3
// CHECK-NEXT: loom.qk_norm_rope %{{.+}}, %{{.+}} at %{{.+}} {eps = 9.9999999999999995E-7 : f64, norm_width = 256 : i64, rotary_dims = 256 : i64, style = #loom<rope_style half>, theta = 1.000000e+04 : f64, weight_offset = 1.000000e+00 : f64}
func.func @gemma3(%q: tensor<?x4x256xf32>, %w: tensor<256xf32>, %s: index) -> tensor<?x4x256xf32> {
  %n = loom.rms_norm %q, %w {eps = 1.0e-06 : f64, weight_offset = 1.0 : f64} : (tensor<?x4x256xf32>, tensor<256xf32>) -> tensor<?x4x256xf32>
  %r = loom.rope %n at %s {theta = 1.0e+04 : f64, style = #loom<rope_style half>, rotary_dims = 256 : i64} : tensor<?x4x256xf32>
  return %r : tensor<?x4x256xf32>
}

// -----

// Partial rotary (GLM-4.5, MiniMax-M2) and the interleaved pairing fuse too; a weightless norm as well.
// CHECK-LABEL: func.func @partial_interleaved_weightless
// CHECK-NEXT: loom.qk_norm_rope %{{.+}} at %{{.+}} {eps = {{.+}}, norm_width = 128 : i64, rotary_dims = 64 : i64, style = #loom<rope_style interleaved>
func.func @partial_interleaved_weightless(%q: tensor<?x4x128xf32>, %s: index) -> tensor<?x4x128xf32> {
  %n = loom.rms_norm %q {eps = 1.0e-05 : f64} : (tensor<?x4x128xf32>) -> tensor<?x4x128xf32>
  %r = loom.rope %n at %s {theta = 1.0e+04 : f64, style = #loom<rope_style interleaved>, rotary_dims = 64 : i64} : tensor<?x4x128xf32>
  return %r : tensor<?x4x128xf32>
}

// -----

// A norm whose result is also read elsewhere stays: fusing would compute it twice.
// CHECK-LABEL: func.func @norm_used_twice
// CHECK: loom.rms_norm
// CHECK: loom.rope
// CHECK-NOT: loom.qk_norm_rope
func.func @norm_used_twice(%k: tensor<?x8x128xf32>, %w: tensor<128xf32>, %s: index) -> (tensor<?x8x128xf32>, tensor<?x8x128xf32>) {
  %n = loom.rms_norm %k, %w {eps = 1.0e-06 : f64} : (tensor<?x8x128xf32>, tensor<128xf32>) -> tensor<?x8x128xf32>
  %r = loom.rope %n at %s {theta = 1.0e+06 : f64, style = #loom<rope_style half>, rotary_dims = 128 : i64} : tensor<?x8x128xf32>
  return %r, %n : tensor<?x8x128xf32>, tensor<?x8x128xf32>
}

// -----

// RoPE without a QK-norm (Llama) is left alone.
// CHECK-LABEL: func.func @llama
// CHECK-NEXT: loom.rope
func.func @llama(%k: tensor<?x8x128xf32>, %s: index) -> tensor<?x8x128xf32> {
  %r = loom.rope %k at %s {theta = 5.0e+05 : f64, style = #loom<rope_style half>, rotary_dims = 128 : i64} : tensor<?x8x128xf32>
  return %r : tensor<?x8x128xf32>
}

// -----

// OLMo 3: OLMo 2's norm with YaRN-scaled RoPE; the fused op keeps the scaling (never dropped).
// CHECK-LABEL: func.func @olmo3_yarn
// CHECK: loom.qk_norm_rope {{.+}} scaling = #loom.rope_yarn<factor = 8.000000e+00, original_context = 8192, beta_fast = 3.200000e+01, beta_slow = 1.000000e+00, attention_factor = 1.2079441541679836, truncate = true>
func.func @olmo3_yarn(%q: tensor<?x512xf32>, %w: tensor<512xf32>, %s: index) -> tensor<?x4x128xf32> {
  %n = loom.rms_norm %q, %w {eps = 1.0e-06 : f64} : (tensor<?x512xf32>, tensor<512xf32>) -> tensor<?x512xf32>
  %h = loom.split_heads %n : tensor<?x512xf32> -> tensor<?x4x128xf32>
  %r = loom.rope %h at %s {theta = 5.0e+05 : f64, style = #loom<rope_style half>, rotary_dims = 128 : i64, scaling = #loom.rope_yarn<factor = 8.0, original_context = 8192, beta_fast = 32.0, beta_slow = 1.0, attention_factor = 1.2079441541679836, truncate = true>} : tensor<?x4x128xf32>
  return %r : tensor<?x4x128xf32>
}
