// RUN: loom-opt %s -split-input-file -verify-diagnostics
// One case per verifier rule.

func.func @weight_dynamic() {
  // expected-error @+1 {{expects a static weight shape}}
  %w = loom.weight "w" : tensor<?x4xf32>
  return
}

// -----

func.func @weight_empty_name() {
  // expected-error @+1 {{expects a non-empty weight name}}
  %w = loom.weight "" : tensor<4xf32>
  return
}

// -----

func.func @embedding_width(%t: tensor<?xi32>) {
  %e = loom.weight "e" : tensor<10x8xf32>
  // expected-error @+1 {{result width 4 does not match the table's 8}}
  %x = loom.embedding %t, %e : (tensor<?xi32>, tensor<10x8xf32>) -> tensor<?x4xf32>
  return
}

// -----

func.func @position_ids_static(%s: index) {
  // expected-error @+1 {{expects a dynamic number of positions, got 'tensor<4xi32>'}}
  %p = loom.position_ids at %s : tensor<4xi32>
  return
}

// -----

func.func @activation_static_tokens(%x: tensor<3x8xf32>) {
  %w = loom.weight "w" : tensor<8xf32>
  // expected-error @+1 {{expects the token dimension of input to be dynamic}}
  %y = loom.rms_norm %x, %w {eps = 1.0e-06 : f64} : (tensor<3x8xf32>, tensor<8xf32>) -> tensor<3x8xf32>
  return
}

// -----

func.func @rms_norm_weight_shape(%x: tensor<?x8xf32>) {
  %w = loom.weight "w" : tensor<4xf32>
  // expected-error @+1 {{expects weight of shape [8]}}
  %y = loom.rms_norm %x, %w {eps = 1.0e-06 : f64} : (tensor<?x8xf32>, tensor<4xf32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @rms_norm_eps(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{expects a positive finite eps}}
  %y = loom.rms_norm %x {eps = 0.0 : f64} : (tensor<?x8xf32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @rms_norm_offset_without_weight(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{has a weight_offset but no weight}}
  %y = loom.rms_norm %x {eps = 1.0e-06 : f64, weight_offset = 1.0 : f64} : (tensor<?x8xf32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @layer_norm_bias(%x: tensor<?x8xf32>) {
  %w = loom.weight "w" : tensor<8xf32>
  %b = loom.weight "b" : tensor<7xf32>
  // expected-error @+1 {{expects bias of shape [8]}}
  %y = loom.layer_norm %x, %w, %b {eps = 1.0e-05 : f64} : (tensor<?x8xf32>, tensor<8xf32>, tensor<7xf32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @linear_in_features(%x: tensor<?x8xf32>) {
  %w = loom.weight "w" : tensor<16x4xf32>
  // expected-error @+1 {{expects 4 input features, got 8}}
  %y = loom.linear %x, %w : (tensor<?x8xf32>, tensor<16x4xf32>) -> tensor<?x16xf32>
  return
}

// -----

func.func @linear_out_features(%x: tensor<?x8xf32>) {
  %w = loom.weight "w" : tensor<16x8xf32>
  // expected-error @+1 {{produces 16 features, result has 12}}
  %y = loom.linear %x, %w : (tensor<?x8xf32>, tensor<16x8xf32>) -> tensor<?x12xf32>
  return
}

// -----

func.func @linear_bias(%x: tensor<?x8xf32>) {
  %w = loom.weight "w" : tensor<16x8xf32>
  %b = loom.weight "b" : tensor<8xf32>
  // expected-error @+1 {{expects a bias of shape [16]}}
  %y = loom.linear %x, %w, %b : (tensor<?x8xf32>, tensor<16x8xf32>, tensor<8xf32>) -> tensor<?x16xf32>
  return
}

// -----

func.func @lm_head_vocab(%x: tensor<?x8xf32>) {
  %w = loom.weight "w" : tensor<100x8xf32>
  // expected-error @+1 {{produces 100 features, result has 99}}
  %y = loom.lm_head %x, %w : (tensor<?x8xf32>, tensor<100x8xf32>) -> tensor<?x99xf32>
  return
}

// -----

func.func @lm_head_scale(%x: tensor<?x8xf32>) {
  %w = loom.weight "w" : tensor<100x8xf32>
  // expected-error @+1 {{scale must be a positive finite number, got -1}}
  %y = loom.lm_head %x, %w {scale = -1.0 : f64} : (tensor<?x8xf32>, tensor<100x8xf32>) -> tensor<?x100xf32>
  return
}

// -----

func.func @lm_head_softcap(%x: tensor<?x8xf32>) {
  %w = loom.weight "w" : tensor<100x8xf32>
  // expected-error @+1 {{softcap must be 0 (none) or a positive finite number, got -3}}
  %y = loom.lm_head %x, %w {softcap = -3.0 : f64} : (tensor<?x8xf32>, tensor<100x8xf32>) -> tensor<?x100xf32>
  return
}

// -----

func.func @split_heads_tiling(%x: tensor<?x64xf32>) {
  // expected-error @+1 {{3 heads of 16 do not tile 64 features}}
  %y = loom.split_heads %x : tensor<?x64xf32> -> tensor<?x3x16xf32>
  return
}

// -----

func.func @merge_heads_tiling(%x: tensor<?x4x16xf32>) {
  // expected-error @+1 {{4 heads of 16 do not tile 60 features}}
  %y = loom.merge_heads %x : tensor<?x4x16xf32> -> tensor<?x60xf32>
  return
}

// -----

func.func @rope_odd_dims(%x: tensor<?x4x16xf32>, %s: index) {
  // expected-error @+1 {{expects an even rotary_dims in (0, 16], got 7}}
  %y = loom.rope %x at %s {theta = 1.0e+04 : f64, style = #loom<rope_style half>, rotary_dims = 7 : i64} : tensor<?x4x16xf32>
  return
}

// -----

func.func @rope_theta(%x: tensor<?x4x16xf32>, %s: index) {
  // expected-error @+1 {{expects theta > 1}}
  %y = loom.rope %x at %s {theta = 0.5 : f64, style = #loom<rope_style half>, rotary_dims = 16 : i64} : tensor<?x4x16xf32>
  return
}

// -----

func.func @attend_gqa(%q: tensor<?x6x16xf32>, %c: !loom.kv_cache<full, window = 0, kv_heads = 4, key_dim = 16, value_dim = 16>, %s: index) {
  // expected-error @+1 {{query heads (6) are not a multiple of kv heads (4)}}
  %a = loom.attend %q, %c at %s {mask = #loom<mask global>, scale = 0.25 : f64} : tensor<?x6x16xf32>, !loom.kv_cache<full, window = 0, kv_heads = 4, key_dim = 16, value_dim = 16> -> tensor<?x6x16xf32>
  return
}

// -----

func.func @attend_head_dim(%q: tensor<?x4x8xf32>, %c: !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16>, %s: index) {
  // expected-error @+1 {{query head_dim 8 differs from the cached key_dim 16}}
  %a = loom.attend %q, %c at %s {mask = #loom<mask global>, scale = 0.25 : f64} : tensor<?x4x8xf32>, !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16> -> tensor<?x4x16xf32>
  return
}

// -----

func.func @attend_value_dim(%q: tensor<?x4x16xf32>, %c: !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 8>, %s: index) {
  // expected-error @+1 {{result must be [?, 4, 8]}}
  %a = loom.attend %q, %c at %s {mask = #loom<mask global>, scale = 0.25 : f64} : tensor<?x4x16xf32>, !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 8> -> tensor<?x4x16xf32>
  return
}

// -----

func.func @attend_window_missing(%q: tensor<?x4x16xf32>, %c: !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16>, %s: index) {
  // expected-error @+1 {{mask sliding_window needs a positive window, got 0}}
  %a = loom.attend %q, %c at %s {mask = #loom<mask sliding_window>, scale = 0.25 : f64} : tensor<?x4x16xf32>, !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16> -> tensor<?x4x16xf32>
  return
}

// -----

func.func @attend_window_on_global(%q: tensor<?x4x16xf32>, %c: !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16>, %s: index) {
  // expected-error @+1 {{mask global takes no window, got 128}}
  %a = loom.attend %q, %c at %s {mask = #loom<mask global>, window = 128 : i64, scale = 0.25 : f64} : tensor<?x4x16xf32>, !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16> -> tensor<?x4x16xf32>
  return
}

// -----

func.func @attend_scale(%q: tensor<?x4x16xf32>, %c: !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16>, %s: index) {
  // expected-error @+1 {{expects a positive finite scale}}
  %a = loom.attend %q, %c at %s {mask = #loom<mask global>, scale = -1.0 : f64} : tensor<?x4x16xf32>, !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16> -> tensor<?x4x16xf32>
  return
}

// -----

// A ring keeps only its window: it cannot serve global attention, nor a wider window.
func.func @attend_global_over_ring(%q: tensor<?x4x16xf32>, %c: !loom.kv_cache<ring, window = 8, kv_heads = 2, key_dim = 16, value_dim = 16>, %s: index) {
  // expected-error @+1 {{mask global with window 0 cannot be served by '!loom.kv_cache<ring, window = 8}}
  %a = loom.attend %q, %c at %s {mask = #loom<mask global>, scale = 0.25 : f64} : tensor<?x4x16xf32>, !loom.kv_cache<ring, window = 8, kv_heads = 2, key_dim = 16, value_dim = 16> -> tensor<?x4x16xf32>
  return
}

// -----

func.func @attend_wider_window(%q: tensor<?x4x16xf32>, %c: !loom.kv_cache<ring, window = 8, kv_heads = 2, key_dim = 16, value_dim = 16>, %s: index) {
  // expected-error @+1 {{mask sliding_window with window 16 cannot be served}}
  %a = loom.attend %q, %c at %s {mask = #loom<mask sliding_window>, window = 16 : i64, scale = 0.25 : f64} : tensor<?x4x16xf32>, !loom.kv_cache<ring, window = 8, kv_heads = 2, key_dim = 16, value_dim = 16> -> tensor<?x4x16xf32>
  return
}

// -----

func.func @chunked_over_ring(%q: tensor<?x4x16xf32>, %c: !loom.kv_cache<ring, window = 8, kv_heads = 2, key_dim = 16, value_dim = 16>, %s: index) {
  // expected-error @+1 {{mask chunked with window 8 cannot be served}}
  %a = loom.attend %q, %c at %s {mask = #loom<mask chunked>, window = 8 : i64, scale = 0.25 : f64} : tensor<?x4x16xf32>, !loom.kv_cache<ring, window = 8, kv_heads = 2, key_dim = 16, value_dim = 16> -> tensor<?x4x16xf32>
  return
}

// -----

func.func @append_shape(%c: !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16>, %k: tensor<?x2x8xf32>, %s: index) {
  // expected-error @+1 {{key must be [?, 2, 16]}}
  %c1 = loom.cache_append %c, %k, %k at %s : !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16>, tensor<?x2x8xf32>, tensor<?x2x8xf32>
  return
}

// -----

func.func @cache_slot() {
  // expected-error @+1 {{expects a non-negative slot, got -1}}
  %c = loom.kv_cache "layers.0.attention" {slot = -1 : i64} : !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16>
  return
}

// -----

func.func @ring_without_window(%c: !loom.kv_cache<ring, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16>) {
  // expected-error @-1 {{a ring cache needs a positive window, got 0}}
  return
}

// -----

func.func @rope_rows(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{has 12 rows, not whole heads of 8 dimensions}}
  %w = loom.weight "q.weight" {rope = #loom.rope_rows<half, head_dim = 8, dims = 8>} : tensor<12x4xf32>
  return
}

// -----

func.func @add_types(%a: tensor<?x4xf32>, %b: tensor<?x8xf32>) {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %c = "loom.add"(%a, %b) : (tensor<?x4xf32>, tensor<?x8xf32>) -> tensor<?x4xf32>
  return
}

// -----

func.func @gelu_static(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{expects the token dimension of result to be dynamic}}
  %c = loom.gelu %a : tensor<4x8xf32>
  return
}

// -----

func.func @rope_scaling_factor(%x: tensor<?x4x16xf32>, %s: index) {
  // expected-error @+1 {{expects a scaling factor of at least 1, got 5.000000e-01}}
  %y = loom.rope %x at %s {theta = 1.0e+04 : f64, style = #loom<rope_style half>, rotary_dims = 16 : i64, scaling = #loom.rope_linear<factor = 0.5>} : tensor<?x4x16xf32>
  return
}

// -----

func.func @rope_scaling_bands(%x: tensor<?x4x16xf32>, %s: index) {
  // expected-error @+1 {{expects 0 < low_freq_factor <= high_freq_factor, got 4.000000e+00 and 1.000000e+00}}
  %y = loom.rope %x at %s {theta = 1.0e+04 : f64, style = #loom<rope_style half>, rotary_dims = 16 : i64, scaling = #loom.rope_llama3<factor = 8.0, low_freq_factor = 4.0, high_freq_factor = 1.0, original_context = 8192>} : tensor<?x4x16xf32>
  return
}

// -----

func.func @rope_scaling_yarn(%x: tensor<?x4x16xf32>, %s: index) {
  // expected-error @+1 {{expects a positive original_context, got 0}}
  %y = loom.rope %x at %s {theta = 1.0e+04 : f64, style = #loom<rope_style half>, rotary_dims = 16 : i64, scaling = #loom.rope_yarn<factor = 8.0, original_context = 0, beta_fast = 32.0, beta_slow = 1.0, attention_factor = 1.0, truncate = true>} : tensor<?x4x16xf32>
  return
}

// -----

func.func @rope_scaling_kind(%x: tensor<?x4x16xf32>, %s: index) {
  // expected-error @+1 {{attribute 'scaling' failed to satisfy constraint}}
  %y = loom.rope %x at %s {theta = 1.0e+04 : f64, style = #loom<rope_style half>, rotary_dims = 16 : i64, scaling = 8.0 : f64} : tensor<?x4x16xf32>
  return
}

// -----

func.func @scratch_bytes() {
  // expected-error @+1 {{expects a positive size, got bytes_per_token 0 and fixed_bytes 0}}
  %a = loom.scratch 0
  return
}

// -----

func.func @route_top_k(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{expects top_k in [1, 8], got 9}}
  %i, %w = loom.route %l {routing = #loom<routing softmax_topk>, top_k = 9 : i64} : tensor<?x8xf32> -> tensor<?x9xi32>, tensor<?x9xf32>
  return
}

// -----

func.func @route_result_width(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{expects weights for 2 experts per token, got 'tensor<?x3xf32>'}}
  %i, %w = loom.route %l {routing = #loom<routing softmax_topk>, top_k = 2 : i64} : tensor<?x8xf32> -> tensor<?x2xi32>, tensor<?x3xf32>
  return
}

// -----

func.func @route_bias_flavour(%l: tensor<?x8xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{takes a selection bias only with sigmoid_topk routing}}
  %i, %w = loom.route %l bias(%b : tensor<8xf32>) {routing = #loom<routing softmax_topk>, top_k = 2 : i64} : tensor<?x8xf32> -> tensor<?x2xi32>, tensor<?x2xf32>
  return
}

// -----

func.func @route_bias_shape(%l: tensor<?x8xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{expects a selection bias of shape [8], got 'tensor<4xf32>'}}
  %i, %w = loom.route %l bias(%b : tensor<4xf32>) {routing = #loom<routing sigmoid_topk>, top_k = 2 : i64} : tensor<?x8xf32> -> tensor<?x2xi32>, tensor<?x2xf32>
  return
}

// -----

func.func @route_groups_divide(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{expects groups dividing the 8 experts, got 3}}
  %i, %w = loom.route %l {routing = #loom<routing sigmoid_topk>, top_k = 2 : i64, groups = 3 : i64, group_top_k = 1 : i64} : tensor<?x8xf32> -> tensor<?x2xi32>, tensor<?x2xf32>
  return
}

// -----

func.func @route_groups_too_few(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{keeps 1 of 4 groups of 2 experts, too few for top_k 4}}
  %i, %w = loom.route %l {routing = #loom<routing sigmoid_topk>, top_k = 4 : i64, groups = 4 : i64, group_top_k = 1 : i64} : tensor<?x8xf32> -> tensor<?x4xi32>, tensor<?x4xf32>
  return
}

// -----

func.func @route_groups_flavour(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{limits the selection to groups only with sigmoid_topk routing}}
  %i, %w = loom.route %l {routing = #loom<routing topk_softmax>, top_k = 2 : i64, groups = 2 : i64, group_top_k = 1 : i64} : tensor<?x8xf32> -> tensor<?x2xi32>, tensor<?x2xf32>
  return
}

// -----

func.func @route_scale(%l: tensor<?x8xf32>) {
  // expected-error @+1 {{expects a positive finite scale, got 0}}
  %i, %w = loom.route %l {routing = #loom<routing sigmoid_topk>, top_k = 2 : i64, scale = 0.0 : f64} : tensor<?x8xf32> -> tensor<?x2xi32>, tensor<?x2xf32>
  return
}

// -----

func.func @experts_down_shape(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>, %g: tensor<8x32x64xf32>, %u: tensor<8x32x64xf32>, %d: tensor<8x32x64xf32>) {
  // expected-error @+1 {{expects down weights of shape [8, 64, 32], got 'tensor<8x32x64xf32>'}}
  %y = loom.experts %x, %i, %w, %g, %u, %d {activation = #loom<expert_activation swiglu>} : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32>, tensor<8x32x64xf32>, tensor<8x32x64xf32>, tensor<8x32x64xf32> -> tensor<?x64xf32>
  return
}

// -----

func.func @experts_k(%x: tensor<?x64xf32>, %i: tensor<?x9xi32>, %w: tensor<?x9xf32>, %g: tensor<8x32x64xf32>, %u: tensor<8x32x64xf32>, %d: tensor<8x64x32xf32>) {
  // expected-error @+1 {{routes to 9 experts per token but has 8}}
  %y = loom.experts %x, %i, %w, %g, %u, %d {activation = #loom<expert_activation swiglu>} : tensor<?x64xf32>, tensor<?x9xi32>, tensor<?x9xf32>, tensor<8x32x64xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32> -> tensor<?x64xf32>
  return
}

// -----

func.func @experts_weights(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x3xf32>, %g: tensor<8x32x64xf32>, %u: tensor<8x32x64xf32>, %d: tensor<8x64x32xf32>) {
  // expected-error @+1 {{expects weights for 2 experts per token, got 'tensor<?x3xf32>'}}
  %y = loom.experts %x, %i, %w, %g, %u, %d {activation = #loom<expert_activation swiglu>} : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x3xf32>, tensor<8x32x64xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32> -> tensor<?x64xf32>
  return
}

// -----

func.func @experts_bias_count(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>, %g: tensor<8x32x64xf32>, %u: tensor<8x32x64xf32>, %d: tensor<8x64x32xf32>, %b: tensor<8x32xf32>) {
  // expected-error @+1 {{expects no biases or three (gate, up, down), got 1}}
  %y = loom.experts %x, %i, %w, %g, %u, %d biases(%b : tensor<8x32xf32>) {activation = #loom<expert_activation swiglu>} : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32>, tensor<8x32x64xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32> -> tensor<?x64xf32>
  return
}

// -----

func.func @experts_oai_limit(%x: tensor<?x64xf32>, %i: tensor<?x2xi32>, %w: tensor<?x2xf32>, %g: tensor<8x32x64xf32>, %u: tensor<8x32x64xf32>, %d: tensor<8x64x32xf32>) {
  // expected-error @+1 {{expects a positive finite alpha and limit, got 1.702000e+00 and -1.000000e+00}}
  %y = loom.experts %x, %i, %w, %g, %u, %d {activation = #loom<expert_activation swiglu_oai>, limit = -1.0 : f64} : tensor<?x64xf32>, tensor<?x2xi32>, tensor<?x2xf32>, tensor<8x32x64xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32> -> tensor<?x64xf32>
  return
}

// -----

func.func @swiglu_oai_alpha(%g: tensor<?x4x32xf32>, %u: tensor<?x4x32xf32>) {
  // expected-error @+1 {{expects a positive finite alpha and limit, got 0.000000e+00 and 7.000000e+00}}
  %h = loom.swiglu_oai %g, %u {alpha = 0.0 : f64, limit = 7.0 : f64} : tensor<?x4x32xf32>
  return
}

// -----

func.func @swiglu_oai_types(%g: tensor<?x4x32xf32>, %u: tensor<?x4x16xf32>) {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %h = "loom.swiglu_oai"(%g, %u) {alpha = 1.702 : f64, limit = 7.0 : f64} : (tensor<?x4x32xf32>, tensor<?x4x16xf32>) -> tensor<?x4x32xf32>
  return
}

// -----

func.func @dispatch_offsets(%i: tensor<?x2xi32>) {
  // expected-error @+1 {{expects offsets of shape [experts + 1], got 'tensor<1xi64>'}}
  %o, %f = loom.moe_dispatch %i : tensor<?x2xi32> -> tensor<?x2xi32>, tensor<1xi64>
  return
}

// -----

func.func @gather_width(%x: tensor<?x64xf32>, %o: tensor<?x2xi32>) {
  // expected-error @+1 {{expects result of shape [?, 2, 64], got 'tensor<?x2x32xf32>'}}
  %r = loom.moe_gather %x, %o : tensor<?x64xf32>, tensor<?x2xi32> -> tensor<?x2x32xf32>
  return
}

// -----

func.func @grouped_linear_experts(%x: tensor<?x2x64xf32>, %f: tensor<9xi64>, %w: tensor<4x32x64xf32>) {
  // expected-error @+1 {{expects weights of shape [8, 32, 64], got 'tensor<4x32x64xf32>'}}
  %r = loom.grouped_linear %x, %f, %w : tensor<?x2x64xf32>, tensor<9xi64>, tensor<4x32x64xf32> -> tensor<?x2x32xf32>
  return
}

// -----

func.func @grouped_linear_shared_shape(%x: tensor<?x2x64xf32>, %f: tensor<10xi64>, %w: tensor<8x32x64xf32>,
                                       %s: tensor<64x32xf32>) {
  // expected-error @+1 {{expects a shared expert matrix of shape [32, 64], got 'tensor<64x32xf32>'}}
  %r = loom.grouped_linear %x, %f, %w shared(%s : tensor<64x32xf32>) : tensor<?x2x64xf32>, tensor<10xi64>, tensor<8x32x64xf32> -> tensor<?x2x32xf32>
  return
}

// -----

func.func @grouped_linear_shared_groups(%x: tensor<?x2x64xf32>, %f: tensor<9xi64>, %w: tensor<8x32x64xf32>,
                                        %s: tensor<32x64xf32>) {
  // The shared expert is group 8: the offsets need 10 entries.
  // expected-error @+1 {{expects weights of shape [7, 32, 64], got 'tensor<8x32x64xf32>'}}
  %r = loom.grouped_linear %x, %f, %w shared(%s : tensor<32x64xf32>) : tensor<?x2x64xf32>, tensor<9xi64>, tensor<8x32x64xf32> -> tensor<?x2x32xf32>
  return
}

// -----

func.func @append_shared_width(%i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{expects resulting weights for 3 experts per token, got 'tensor<?x2xf32>'}}
  %i2, %w2 = loom.moe_append_shared %i, %w {expert = 8 : i64} : tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x3xi32>, tensor<?x2xf32>
  return
}

// -----

func.func @append_shared_gate(%i: tensor<?x2xi32>, %w: tensor<?x2xf32>, %g: tensor<?x2xf32>) {
  // expected-error @+1 {{expects gate for 1 experts per token, got 'tensor<?x2xf32>'}}
  %i2, %w2 = loom.moe_append_shared %i, %w gate(%g : tensor<?x2xf32>) {expert = 8 : i64} : tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x3xi32>, tensor<?x3xf32>
  return
}

// -----

func.func @append_shared_id(%i: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{expects the shared expert's id in [0, 2^31), got -1}}
  %i2, %w2 = loom.moe_append_shared %i, %w {expert = -1 : i64} : tensor<?x2xi32>, tensor<?x2xf32> -> tensor<?x3xi32>, tensor<?x3xf32>
  return
}

// -----

func.func @combine_width(%y: tensor<?x2x64xf32>, %o: tensor<?x2xi32>, %w: tensor<?x2xf32>) {
  // expected-error @+1 {{result width 32 differs from the rows' 64}}
  %r = loom.moe_combine %y, %o, %w : tensor<?x2xf32> : tensor<?x2x64xf32>, tensor<?x2xi32> -> tensor<?x32xf32>
  return
}

// -----

func.func @latent_cache_values(%c: !loom.kv_cache<latent, window = 0, kv_heads = 1, key_dim = 36, value_dim = 4>) {
  // expected-error @-1 {{a latent cache has one head of key_dim values, no value_dim and no window, got kv_heads 1, key_dim 36, value_dim 4, window 0}}
  return
}

// -----

func.func @latent_append_value(%c: !loom.kv_cache<latent, window = 0, kv_heads = 1, key_dim = 36, value_dim = 0>, %k: tensor<?x1x36xf32>, %s: index) {
  // expected-error @+1 {{takes no value for}}
  %c1 = loom.cache_append %c, %k, %k at %s : !loom.kv_cache<latent, window = 0, kv_heads = 1, key_dim = 36, value_dim = 0>, tensor<?x1x36xf32>, tensor<?x1x36xf32>
  return
}

// -----

func.func @full_append_no_value(%c: !loom.kv_cache<full, window = 0, kv_heads = 1, key_dim = 8, value_dim = 8>, %k: tensor<?x1x8xf32>, %s: index) {
  // expected-error @+1 {{needs a value for}}
  %c1 = loom.cache_append %c, %k at %s : !loom.kv_cache<full, window = 0, kv_heads = 1, key_dim = 8, value_dim = 8>, tensor<?x1x8xf32>
  return
}

// -----

func.func @slice_range(%x: tensor<?x12xf32>) {
  // expected-error @+1 {{takes 8 values from offset 8 of 12}}
  %y = loom.slice %x [8] : tensor<?x12xf32> -> tensor<?x8xf32>
  return
}

// -----

func.func @concat_width(%a: tensor<?x1x8xf32>, %b: tensor<?x1x4xf32>) {
  // expected-error @+1 {{expects the result to be the operands side by side}}
  %y = loom.concat %a, %b : tensor<?x1x8xf32>, tensor<?x1x4xf32> -> tensor<?x1x13xf32>
  return
}

// -----

func.func @mla_cache_kind(%qn: tensor<?x2x8xf32>, %qp: tensor<?x2x4xf32>, %c: !loom.kv_cache<full, window = 0, kv_heads = 1, key_dim = 36, value_dim = 8>, %w: tensor<32x32xf32>, %s: index) {
  // expected-error @+1 {{reads a latent cache}}
  %a = loom.mla_attend %qn, %qp, %c, %w at %s {scale = 0.2 : f64} : tensor<?x2x8xf32>, tensor<?x2x4xf32>, !loom.kv_cache<full, window = 0, kv_heads = 1, key_dim = 36, value_dim = 8>, tensor<32x32xf32> -> tensor<?x2x8xf32>
  return
}

// -----

func.func @mla_kv_b(%qn: tensor<?x2x8xf32>, %qp: tensor<?x2x4xf32>, %c: !loom.kv_cache<latent, window = 0, kv_heads = 1, key_dim = 36, value_dim = 0>, %w: tensor<32x32xf32>, %s: index) {
  // expected-error @+1 {{expects kv_b of shape [36, 32], got 'tensor<32x32xf32>'}}
  %a = loom.mla_attend %qn, %qp, %c, %w at %s {scale = 0.2 : f64} : tensor<?x2x8xf32>, tensor<?x2x4xf32>, !loom.kv_cache<latent, window = 0, kv_heads = 1, key_dim = 36, value_dim = 0>, tensor<32x32xf32> -> tensor<?x2x10xf32>
  return
}

// -----

func.func @sigmoid_gate_width(%g: tensor<?x2xf32>, %x: tensor<?x64xf32>) {
  // expected-error @+1 {{expects a gate of the shape of up, 'tensor<?x64xf32>', or of width 1, got 'tensor<?x2xf32>'}}
  %y = loom.sigmoid_gate %g, %x : tensor<?x2xf32>, tensor<?x64xf32>
  return
}

// -----

func.func @softcap_cap(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{expects a positive cap, got 0}}
  %y = loom.softcap %x {cap = 0.0 : f64} : tensor<?x8xf32>
  return
}

// -----

func.func @scale_factor(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{expects a finite, non-zero factor, got 0}}
  %y = loom.scale %x {factor = 0.0 : f64} : tensor<?x8xf32>
  return
}

// -----

// expected-error @+1 {{a recurrent cache needs positive conv_channels, got 0}}
func.func @recurrent_without_channels(%c: !loom.kv_cache<recurrent, window = 3, kv_heads = 4, key_dim = 8, value_dim = 12>) {
  return
}

// -----

// expected-error @+1 {{only a recurrent cache has conv_channels, got 80}}
func.func @full_with_channels(%c: !loom.kv_cache<full, window = 0, kv_heads = 4, key_dim = 8, value_dim = 12, conv_channels = 80>) {
  return
}

// -----

func.func @delta_net_state_kind(%q: tensor<?x2x8xf32>, %v: tensor<?x4x12xf32>, %b: tensor<?x4xf32>, %s: !loom.kv_cache<full, window = 0, kv_heads = 4, key_dim = 8, value_dim = 12>, %conv: tensor<80x1x4xf32>, %h: tensor<4xf32>, %start: index) {
  // expected-error @+1 {{keeps its state in a recurrent cache}}
  %o, %s1 = loom.gated_delta_net %q, %q, %v, %b, %b, %s, %conv, %h, %h at %start {eps = 1.0e-06 : f64} : tensor<?x2x8xf32>, tensor<?x2x8xf32>, tensor<?x4x12xf32>, tensor<?x4xf32>, tensor<?x4xf32>, !loom.kv_cache<full, window = 0, kv_heads = 4, key_dim = 8, value_dim = 12>, tensor<80x1x4xf32>, tensor<4xf32>, tensor<4xf32> -> tensor<?x4x12xf32>
  return
}

// -----

func.func @delta_net_heads(%q: tensor<?x3x8xf32>, %v: tensor<?x4x12xf32>, %b: tensor<?x4xf32>, %s: !loom.kv_cache<recurrent, window = 3, kv_heads = 4, key_dim = 8, value_dim = 12, conv_channels = 96>, %conv: tensor<96x1x4xf32>, %h: tensor<4xf32>, %start: index) {
  // expected-error @+1 {{value heads (4) are not a multiple of key heads (3)}}
  %o, %s1 = loom.gated_delta_net %q, %q, %v, %b, %b, %s, %conv, %h, %h at %start {eps = 1.0e-06 : f64} : tensor<?x3x8xf32>, tensor<?x3x8xf32>, tensor<?x4x12xf32>, tensor<?x4xf32>, tensor<?x4xf32>, !loom.kv_cache<recurrent, window = 3, kv_heads = 4, key_dim = 8, value_dim = 12, conv_channels = 96>, tensor<96x1x4xf32>, tensor<4xf32>, tensor<4xf32> -> tensor<?x4x12xf32>
  return
}

// -----

func.func @delta_net_conv_taps(%q: tensor<?x2x8xf32>, %v: tensor<?x4x12xf32>, %b: tensor<?x4xf32>, %s: !loom.kv_cache<recurrent, window = 3, kv_heads = 4, key_dim = 8, value_dim = 12, conv_channels = 80>, %conv: tensor<80x1x3xf32>, %h: tensor<4xf32>, %start: index) {
  // expected-error @+1 {{expects a convolution of shape [80, 1, 4] (channels of q, k and v; the state's window + 1 taps), got 'tensor<80x1x3xf32>'}}
  %o, %s1 = loom.gated_delta_net %q, %q, %v, %b, %b, %s, %conv, %h, %h at %start {eps = 1.0e-06 : f64} : tensor<?x2x8xf32>, tensor<?x2x8xf32>, tensor<?x4x12xf32>, tensor<?x4xf32>, tensor<?x4xf32>, !loom.kv_cache<recurrent, window = 3, kv_heads = 4, key_dim = 8, value_dim = 12, conv_channels = 80>, tensor<80x1x3xf32>, tensor<4xf32>, tensor<4xf32> -> tensor<?x4x12xf32>
  return
}

// -----

func.func @delta_net_state_shape(%q: tensor<?x2x8xf32>, %v: tensor<?x4x12xf32>, %b: tensor<?x4xf32>, %s: !loom.kv_cache<recurrent, window = 3, kv_heads = 4, key_dim = 12, value_dim = 12, conv_channels = 80>, %conv: tensor<80x1x4xf32>, %h: tensor<4xf32>, %start: index) {
  // expected-error @+1 {{expects a state of 4 heads of 8 x 12}}
  %o, %s1 = loom.gated_delta_net %q, %q, %v, %b, %b, %s, %conv, %h, %h at %start {eps = 1.0e-06 : f64} : tensor<?x2x8xf32>, tensor<?x2x8xf32>, tensor<?x4x12xf32>, tensor<?x4xf32>, tensor<?x4xf32>, !loom.kv_cache<recurrent, window = 3, kv_heads = 4, key_dim = 12, value_dim = 12, conv_channels = 80>, tensor<80x1x4xf32>, tensor<4xf32>, tensor<4xf32> -> tensor<?x4x12xf32>
  return
}

// -----

func.func @delta_net_gates(%q: tensor<?x2x8xf32>, %v: tensor<?x4x12xf32>, %b: tensor<?x2xf32>, %s: !loom.kv_cache<recurrent, window = 3, kv_heads = 4, key_dim = 8, value_dim = 12, conv_channels = 80>, %conv: tensor<80x1x4xf32>, %h: tensor<4xf32>, %start: index) {
  // expected-error @+1 {{expects b of one value per value head (4), got 'tensor<?x2xf32>'}}
  %o, %s1 = loom.gated_delta_net %q, %q, %v, %b, %b, %s, %conv, %h, %h at %start {eps = 1.0e-06 : f64} : tensor<?x2x8xf32>, tensor<?x2x8xf32>, tensor<?x4x12xf32>, tensor<?x2xf32>, tensor<?x2xf32>, !loom.kv_cache<recurrent, window = 3, kv_heads = 4, key_dim = 8, value_dim = 12, conv_channels = 80>, tensor<80x1x4xf32>, tensor<4xf32>, tensor<4xf32> -> tensor<?x4x12xf32>
  return
}

// -----

func.func @delta_net_decay(%q: tensor<?x2x8xf32>, %v: tensor<?x4x12xf32>, %b: tensor<?x4xf32>, %s: !loom.kv_cache<recurrent, window = 3, kv_heads = 4, key_dim = 8, value_dim = 12, conv_channels = 80>, %conv: tensor<80x1x4xf32>, %h: tensor<2xf32>, %d: tensor<4xf32>, %start: index) {
  // expected-error @+1 {{expects a_log of shape [4], got 'tensor<2xf32>'}}
  %o, %s1 = loom.gated_delta_net %q, %q, %v, %b, %b, %s, %conv, %h, %d at %start {eps = 1.0e-06 : f64} : tensor<?x2x8xf32>, tensor<?x2x8xf32>, tensor<?x4x12xf32>, tensor<?x4xf32>, tensor<?x4xf32>, !loom.kv_cache<recurrent, window = 3, kv_heads = 4, key_dim = 8, value_dim = 12, conv_channels = 80>, tensor<80x1x4xf32>, tensor<2xf32>, tensor<4xf32> -> tensor<?x4x12xf32>
  return
}

// -----

func.func @gated_norm_weight(%x: tensor<?x4x12xf32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{expects weight of shape [12], got 'tensor<8xf32>'}}
  %y = loom.gated_rms_norm %x, %x, %w {eps = 1.0e-06 : f64} : tensor<?x4x12xf32>, tensor<8xf32>
  return
}
