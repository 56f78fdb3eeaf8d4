// RUN: loom-opt %s | loom-opt | FileCheck %s
// Every op prints in a form that parses back to the same IR.

// CHECK-LABEL: func.func @all_ops
func.func @all_ops(%tokens: tensor<?xi32>, %start: index) -> tensor<?x100xf32> {
  // CHECK: %[[EMB:.+]] = loom.weight "embedding.weight" : tensor<100x64xf32>
  %emb = loom.weight "embedding.weight" : tensor<100x64xf32>
  // CHECK: %[[X:.+]] = loom.embedding %{{.+}}, %[[EMB]] {scale = 8.000000e+00 : f64} : (tensor<?xi32>, tensor<100x64xf32>) -> tensor<?x64xf32>
  %x = loom.embedding %tokens, %emb {scale = 8.0 : f64} : (tensor<?xi32>, tensor<100x64xf32>) -> tensor<?x64xf32>
  // CHECK: %[[POS:.+]] = loom.position_ids at %{{.+}} : tensor<?xi32>
  %pos = loom.position_ids at %start : tensor<?xi32>
  %wpe = loom.weight "position_embedding.weight" : tensor<32x64xf32>
  // CHECK: loom.embedding %[[POS]], %{{.+}} : (tensor<?xi32>, tensor<32x64xf32>) -> tensor<?x64xf32>
  %p = loom.embedding %pos, %wpe : (tensor<?xi32>, tensor<32x64xf32>) -> tensor<?x64xf32>
  %nw = loom.weight "n.weight" : tensor<64xf32>
  %nb = loom.weight "n.bias" : tensor<64xf32>
  // CHECK: loom.rms_norm %[[X]], %{{.+}} {eps = 9.9999999999999995E-7 : f64, weight_offset = 1.000000e+00 : f64}
  %h = loom.rms_norm %x, %nw {eps = 1.0e-06 : f64, weight_offset = 1.0 : f64} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  // CHECK: loom.layer_norm %{{.+}}, %{{.+}}, %{{.+}} {eps = 1.000000e-05 : f64}
  %ln = loom.layer_norm %h, %nw, %nb {eps = 1.0e-05 : f64} : (tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  %wq = loom.weight "q.weight" : tensor<128x64xf32>
  %bq = loom.weight "q.bias" : tensor<128xf32>
  // CHECK: loom.linear %{{.+}}, %{{.+}}, %{{.+}} : (tensor<?x64xf32>, tensor<128x64xf32>, tensor<128xf32>) -> tensor<?x128xf32>
  %q = loom.linear %ln, %wq, %bq : (tensor<?x64xf32>, tensor<128x64xf32>, tensor<128xf32>) -> tensor<?x128xf32>
  %wk = loom.weight "k.weight" : tensor<32x64xf32>
  %k = loom.linear %ln, %wk : (tensor<?x64xf32>, tensor<32x64xf32>) -> tensor<?x32xf32>
  // CHECK: loom.split_heads %{{.+}} : tensor<?x128xf32> -> tensor<?x4x32xf32>
  %qh = loom.split_heads %q : tensor<?x128xf32> -> tensor<?x4x32xf32>
  %kh = loom.split_heads %k : tensor<?x32xf32> -> tensor<?x1x32xf32>
  // CHECK: loom.rms_norm %{{.+}} {eps = 9.9999999999999995E-7 : f64} : (tensor<?x4x32xf32>) -> tensor<?x4x32xf32>
  %qn = loom.rms_norm %qh {eps = 1.0e-06 : f64} : (tensor<?x4x32xf32>) -> tensor<?x4x32xf32>
  // CHECK: loom.rope %{{.+}} at %{{.+}} {rotary_dims = 16 : i64, style = #loom<rope_style interleaved>, theta = 1.000000e+04 : f64} : tensor<?x4x32xf32>
  %qr = loom.rope %qn at %start {theta = 1.0e+04 : f64, style = #loom<rope_style interleaved>, rotary_dims = 16 : i64} : tensor<?x4x32xf32>
  // CHECK: loom.rope %{{.+}} at %{{.+}} {rotary_dims = 32 : i64, scaling = #loom.rope_llama3<factor = 3.200000e+01, low_freq_factor = 1.000000e+00, high_freq_factor = 4.000000e+00, original_context = 8192>, style = #loom<rope_style half>, theta = 5.000000e+05 : f64} : tensor<?x4x32xf32>
  %q3 = loom.rope %qn at %start {theta = 5.0e+05 : f64, style = #loom<rope_style half>, rotary_dims = 32 : i64, scaling = #loom.rope_llama3<factor = 32, low_freq_factor = 1.0, high_freq_factor = 4.0, original_context = 8192>} : tensor<?x4x32xf32>
  // CHECK: loom.rope %{{.+}} at %{{.+}} {rotary_dims = 32 : i64, scaling = #loom.rope_linear<factor = 8.000000e+00>, style = #loom<rope_style half>, theta = 1.000000e+06 : f64} : tensor<?x4x32xf32>
  %ql = loom.rope %qn at %start {theta = 1.0e+06 : f64, style = #loom<rope_style half>, rotary_dims = 32 : i64, scaling = #loom.rope_linear<factor = 8.0>} : tensor<?x4x32xf32>
  // CHECK: loom.rope %{{.+}} at %{{.+}} {rotary_dims = 32 : i64, scaling = #loom.rope_yarn<factor = 3.200000e+01, original_context = 4096, beta_fast = 3.200000e+01, beta_slow = 1.000000e+00, attention_factor = 1.3465735902799727, truncate = false>, style = #loom<rope_style half>, theta = 1.500000e+05 : f64} : tensor<?x4x32xf32>
  %qy = loom.rope %qn at %start {theta = 1.5e+05 : f64, style = #loom<rope_style half>, rotary_dims = 32 : i64, scaling = #loom.rope_yarn<factor = 32.0, original_context = 4096, beta_fast = 32.0, beta_slow = 1.0, attention_factor = 1.3465735902799727, truncate = false>} : tensor<?x4x32xf32>
  // CHECK: loom.kv_cache "layers.0.attention" {slot = 0 : i64} : !loom.kv_cache<ring, window = 8, kv_heads = 1, key_dim = 32, value_dim = 32>
  %c0 = loom.kv_cache "layers.0.attention" {slot = 0 : i64} : !loom.kv_cache<ring, window = 8, kv_heads = 1, key_dim = 32, value_dim = 32>
  // CHECK: loom.cache_append %{{.+}}, %{{.+}}, %{{.+}} at %{{.+}} : !loom.kv_cache<ring, window = 8, kv_heads = 1, key_dim = 32, value_dim = 32>, tensor<?x1x32xf32>, tensor<?x1x32xf32>
  %c1 = loom.cache_append %c0, %kh, %kh at %start : !loom.kv_cache<ring, window = 8, kv_heads = 1, key_dim = 32, value_dim = 32>, tensor<?x1x32xf32>, tensor<?x1x32xf32>
  // CHECK: loom.attend %{{.+}}, %{{.+}} at %{{.+}} {mask = #loom<mask sliding_window>, scale = 1.250000e-01 : f64, window = 8 : i64} : tensor<?x4x32xf32>, !loom.kv_cache<ring, window = 8, kv_heads = 1, key_dim = 32, value_dim = 32> -> tensor<?x4x32xf32>
  %a = loom.attend %qr, %c1 at %start {mask = #loom<mask sliding_window>, window = 8 : i64, scale = 0.125 : f64} : tensor<?x4x32xf32>, !loom.kv_cache<ring, window = 8, kv_heads = 1, key_dim = 32, value_dim = 32> -> tensor<?x4x32xf32>
  // CHECK: loom.merge_heads %{{.+}} : tensor<?x4x32xf32> -> tensor<?x128xf32>
  %m = loom.merge_heads %a : tensor<?x4x32xf32> -> tensor<?x128xf32>
  // CHECK: loom.swiglu %{{.+}}, %{{.+}} : tensor<?x128xf32>
  %s = loom.swiglu %m, %q : tensor<?x128xf32>
  // CHECK: loom.geglu %{{.+}}, %{{.+}} : tensor<?x128xf32>
  %g = loom.geglu %s, %q : tensor<?x128xf32>
  // CHECK: loom.swiglu_oai %{{.+}}, %{{.+}} {alpha = 1.702000e+00 : f64, limit = 7.000000e+00 : f64} : tensor<?x128xf32>
  %so = loom.swiglu_oai %g, %q {alpha = 1.702 : f64, limit = 7.0 : f64} : tensor<?x128xf32>
  // CHECK: loom.gelu %{{.+}} : tensor<?x128xf32>
  %ge = loom.gelu %so : tensor<?x128xf32>
  %wo = loom.weight "o.weight" : tensor<64x128xf32>
  %o = loom.linear %ge, %wo : (tensor<?x128xf32>, tensor<64x128xf32>) -> tensor<?x64xf32>
  // CHECK: loom.sigmoid_gate %{{.+}}, %{{.+}} : tensor<?x128xf32>, tensor<?x128xf32>
  %sgate = loom.sigmoid_gate %m, %q : tensor<?x128xf32>, tensor<?x128xf32>
  // CHECK: loom.sigmoid_gate %{{.+}}, %{{.+}} : tensor<?x1xf32>, tensor<?x128xf32>
  %one = loom.slice %m[0] : tensor<?x128xf32> -> tensor<?x1xf32>
  %srow = loom.sigmoid_gate %one, %q : tensor<?x1xf32>, tensor<?x128xf32>
  // CHECK: loom.softcap %{{.+}} {cap = 3.000000e+01 : f64} : tensor<?x128xf32>
  %capped = loom.softcap %m {cap = 30.0 : f64} : tensor<?x128xf32>
  // CHECK: loom.scale %{{.+}} {factor = 7.070000e-01 : f64} : tensor<?x128xf32>
  %scaled = loom.scale %m {factor = 0.707 : f64} : tensor<?x128xf32>
  // CHECK: loom.add %{{.+}}, %{{.+}} : tensor<?x64xf32>
  %r = loom.add %x, %o : tensor<?x64xf32>
  // CHECK: loom.lm_head %{{.+}}, %[[EMB]] : (tensor<?x64xf32>, tensor<100x64xf32>) -> tensor<?x100xf32>
  %logits = loom.lm_head %r, %emb : (tensor<?x64xf32>, tensor<100x64xf32>) -> tensor<?x100xf32>
  // CHECK: loom.lm_head %{{.+}}, %[[EMB]] {scale = 5.000000e-01 : f64, softcap = 5.000000e+01 : f64}
  %capped_logits = loom.lm_head %r, %emb {scale = 0.5 : f64, softcap = 50.0 : f64} : (tensor<?x64xf32>, tensor<100x64xf32>) -> tensor<?x100xf32>
  return %logits : tensor<?x100xf32>
}

// The lowered form's slices round-trip.
// CHECK-LABEL: func.func @slices
func.func @slices() {
  // CHECK: %[[A:.+]] = loom.scratch 256
  %a = loom.scratch 256
  // CHECK: loom.scratch 128 may_alias %[[A]]
  %b = loom.scratch 128 may_alias %a
  return
}

// A mixture of experts as MLIRGen writes it, and its grouped form, round-trip.
// CHECK-LABEL: func.func @experts
func.func @experts(%x: tensor<?x64xf32>, %b: tensor<8xf32>, %g: tensor<8x32x64xf32>, %u: tensor<8x32x64xf32>,
                   %d: tensor<8x64x32xf32>) -> tensor<?x64xf32> {
  %r = loom.weight "router.weight" : tensor<8x64xf32>
  %l = loom.linear %x, %r : (tensor<?x64xf32>, tensor<8x64xf32>) -> tensor<?x8xf32>
  // CHECK: loom.route %{{.+}} bias(%{{.+}} : tensor<8xf32>) {group_top_k = 2 : i64, groups = 4 : i64, normalize = true, routing = #loom<routing sigmoid_topk>, scale = 2.500000e+00 : f64, top_k = 2 : i64} : tensor<?x8xf32> -> tensor<?x2xi32>, tensor<?x2xf32>
  %i, %w = loom.route %l bias(%b : tensor<8xf32>) {routing = #loom<routing sigmoid_topk>, top_k = 2 : i64, normalize = true, scale = 2.5 : f64, groups = 4 : i64, group_top_k = 2 : i64}
      : tensor<?x8xf32> -> tensor<?x2xi32>, tensor<?x2xf32>
  // CHECK: loom.experts %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} {activation = #loom<expert_activation swiglu>, weight_input}
  %y = loom.experts %x, %i, %w, %g, %u, %d {activation = #loom<expert_activation swiglu>, weight_input}
      : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32>, tensor<8x32x64xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32>
      -> tensor<?x64xf32>
  // CHECK: loom.moe_dispatch %{{.+}} : tensor<?x2xi32> -> tensor<?x2xi32>, tensor<9xi64>
  %o, %f = loom.moe_dispatch %i : tensor<?x2xi32> -> tensor<?x2xi32>, tensor<9xi64>
  // CHECK: loom.moe_gather %{{.+}}, %{{.+}} scaled(%{{.+}} : tensor<?x2xf32>) : tensor<?x64xf32>, tensor<?x2xi32> -> tensor<?x2x64xf32>
  %rows = loom.moe_gather %y, %o scaled(%w : tensor<?x2xf32>) : tensor<?x64xf32>, tensor<?x2xi32> -> tensor<?x2x64xf32>
  // CHECK: loom.grouped_linear %{{.+}}, %{{.+}}, %{{.+}} : tensor<?x2x64xf32>, tensor<9xi64>, tensor<8x32x64xf32> -> tensor<?x2x32xf32>
  %h = loom.grouped_linear %rows, %f, %g : tensor<?x2x64xf32>, tensor<9xi64>, tensor<8x32x64xf32> -> tensor<?x2x32xf32>
  %o2 = loom.grouped_linear %h, %f, %d : tensor<?x2x32xf32>, tensor<9xi64>, tensor<8x64x32xf32> -> tensor<?x2x64xf32>
  // CHECK: loom.moe_combine %{{.+}}, %{{.+}} : tensor<?x2x64xf32>, tensor<?x2xi32> -> tensor<?x64xf32>
  %out = loom.moe_combine %o2, %o : tensor<?x2x64xf32>, tensor<?x2xi32> -> tensor<?x64xf32>
  // CHECK: loom.moe_append_shared %{{.+}}, %{{.+}} gate(%{{.+}} : tensor<?x1xf32>) {expert = 8 : i64} : tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x3xi32>, tensor<?x3xf32>
  %sl = loom.linear %x, %r : (tensor<?x64xf32>, tensor<8x64xf32>) -> tensor<?x8xf32>
  %gl = loom.slice %sl[0] : tensor<?x8xf32> -> tensor<?x1xf32>
  %i3, %w3 = loom.moe_append_shared %i, %w gate(%gl : tensor<?x1xf32>) {expert = 8 : i64}
      : tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x3xi32>, tensor<?x3xf32>
  %o3, %f3 = loom.moe_dispatch %i3 : tensor<?x3xi32> -> tensor<?x3xi32>, tensor<10xi64>
  %rows3 = loom.moe_gather %x, %o3 : tensor<?x64xf32>, tensor<?x3xi32> -> tensor<?x3x64xf32>
  %sg = loom.weight "shared.gate_proj.weight" : tensor<32x64xf32>
  // CHECK: loom.grouped_linear %{{.+}}, %{{.+}}, %{{.+}} shared(%{{.+}} : tensor<32x64xf32>) : tensor<?x3x64xf32>, tensor<10xi64>, tensor<8x32x64xf32> -> tensor<?x3x32xf32>
  %h3 = loom.grouped_linear %rows3, %f3, %g shared(%sg : tensor<32x64xf32>) : tensor<?x3x64xf32>, tensor<10xi64>, tensor<8x32x64xf32> -> tensor<?x3x32xf32>
  return %out : tensor<?x64xf32>
}

// Gated DeltaNet: its recurrent state is a cache value, read and written by the mixer.
// CHECK-LABEL: func.func @gated_delta_net
func.func @gated_delta_net(%q: tensor<?x2x8xf32>, %k: tensor<?x2x8xf32>, %v: tensor<?x4x12xf32>, %b: tensor<?x4xf32>,
                           %a: tensor<?x4xf32>, %z: tensor<?x4x12xf32>, %start: index) -> tensor<?x4x12xf32> {
  // CHECK: loom.kv_cache "l.mixer" : !loom.kv_cache<recurrent, window = 3, kv_heads = 4, key_dim = 8, value_dim = 12, conv_channels = 80>
  %s0 = loom.kv_cache "l.mixer" : !loom.kv_cache<recurrent, window = 3, kv_heads = 4, key_dim = 8, value_dim = 12, conv_channels = 80>
  %conv = loom.weight "l.mixer.conv1d.weight" : tensor<80x1x4xf32>
  %alog = loom.weight "l.mixer.A_log" : tensor<4xf32>
  %dt = loom.weight "l.mixer.dt_bias" : tensor<4xf32>
  // CHECK: loom.gated_delta_net %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} at %{{.+}} {eps = 9.9999999999999995E-7 : f64}
  %o, %s1 = loom.gated_delta_net %q, %k, %v, %b, %a, %s0, %conv, %alog, %dt at %start {eps = 1.0e-06 : f64}
      : tensor<?x2x8xf32>, tensor<?x2x8xf32>, tensor<?x4x12xf32>, tensor<?x4xf32>, tensor<?x4xf32>,
        !loom.kv_cache<recurrent, window = 3, kv_heads = 4, key_dim = 8, value_dim = 12, conv_channels = 80>,
        tensor<80x1x4xf32>, tensor<4xf32>, tensor<4xf32> -> tensor<?x4x12xf32>
  %w = loom.weight "l.mixer.norm.weight" : tensor<12xf32>
  // CHECK: loom.gated_rms_norm %{{.+}}, %{{.+}}, %{{.+}} {eps = 9.9999999999999995E-7 : f64} : tensor<?x4x12xf32>, tensor<12xf32>
  %y = loom.gated_rms_norm %o, %z, %w {eps = 1.0e-06 : f64} : tensor<?x4x12xf32>, tensor<12xf32>
  return %y : tensor<?x4x12xf32>
}
