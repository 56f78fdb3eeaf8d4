// RUN: loom-opt %s --loom-assign-caches --loom-lower-to-kernels=max-chunk=4 -split-input-file | FileCheck %s
// A one-layer model: activations get arena slices for 4 tokens (64 floats = 1024 bytes
// per token-row set), views share their operand's slice, RoPE rotates in place when
// its operand dies, and the LM head writes straight into the logits argument.

// The descriptor lists the caches (from loom-assign-caches) and marks the projections RoPE pairs.
// CHECK: module attributes {loom.descriptor = {caches = [{key_dim = 16 : i64, kind = 0 : i64, kv_heads = 2 : i64, name = "layers.0.attention", value_dim = 16 : i64, window = 0 : i64}]
// CHECK-SAME: d_model = 64 : i64
// CHECK-SAME: max_chunk = 4 : i64
// CHECK-SAME: scratch_bytes = 4096 : i64
// CHECK-SAME: weights = [{name = "embedding.weight", shape = [100, 64]}, {name = "layers.0.attn_norm.weight", shape = [64]}, {name = "layers.0.attention.q_proj.weight", rope_dims = 16 : i64, rope_head_dim = 16 : i64, rope_pairing = 1 : i64, shape = [64, 64]}
// CHECK-LABEL: func.func @loom_generated_forward(
// CHECK-SAME: %[[W:[a-z0-9]+]]: !llvm.ptr, %[[CACHES:[a-z0-9]+]]: !llvm.ptr, %[[TOK:[a-z0-9]+]]: !llvm.ptr, %[[N:[a-z0-9]+]]: i64, %[[START:[a-z0-9]+]]: i64, %[[FIRST:[a-z0-9]+]]: i64, %[[SCRATCH:[a-z0-9]+]]: !llvm.ptr, %[[LOGITS:[a-z0-9]+]]: !llvm.ptr)
// CHECK: %[[X:.+]] = llvm.getelementptr %[[SCRATCH]][0] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: %[[EMB:.+]] = llvm.getelementptr %[[W]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(ptr, i64)>
// CHECK: call @loom_k_embedding(%[[EMB]], %{{.+}}, %[[TOK]], %[[N]], %{{.+}}, %[[X]])
// CHECK: %[[H:.+]] = llvm.getelementptr %[[SCRATCH]][1024]
// CHECK: call @loom_k_rms_norm(%[[X]], %[[N]], %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[H]])
// CHECK: %[[Q:.+]] = llvm.getelementptr %[[SCRATCH]][2048]
// CHECK: call @loom_k_linear(%[[H]], %[[N]], %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[Q]])
// CHECK: %[[K:.+]] = llvm.getelementptr %[[SCRATCH]][3072]
// CHECK: %[[V:.+]] = llvm.getelementptr %[[SCRATCH]][3584]
// CHECK-NOT: memcpy
// CHECK: call @loom_k_rope(%[[Q]], %[[N]], %{{.+}}, %{{.+}}, %{{.+}}, %[[START]],
// CHECK: call @loom_k_rope(%[[K]], %[[N]],
// The cache is the view in its slot; appending and attending both take it.
// CHECK: %[[VIEW:.+]] = llvm.getelementptr %[[CACHES]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(ptr, ptr, i64, i64)>
// CHECK: call @loom_k_kv_store(%[[K]], %[[V]], %[[N]], %{{.+}}, %{{.+}}, %[[START]], %[[VIEW]])
// CHECK: %[[A:.+]] = llvm.getelementptr %[[SCRATCH]][1024]
// The attention output reuses the slice of the normed input [1024, 2048), dead by now.
// CHECK: call @loom_k_attention(%[[Q]], %[[N]], %[[START]], %[[VIEW]], {{.+}}, %[[A]])
// CHECK: call @loom_k_add(%[[X]],
// CHECK: %[[ROWBYTES:.+]] = llvm.mul %[[FIRST]], %{{.+}} : i64
// CHECK: %[[LAST:.+]] = llvm.getelementptr %{{.+}}[%[[ROWBYTES]]] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK: %[[M:.+]] = llvm.sub %[[N]], %[[FIRST]] : i64
// CHECK: call @loom_k_linear(%[[LAST]], %[[M]], %{{.+}}, %[[EMB2:.+]], %{{.+}}, %{{.+}}, %[[LOGITS]])
// CHECK: func.func private @loom_k_embedding(!llvm.ptr, i64, !llvm.ptr, i64, f32, !llvm.ptr)
// Kernel declarations follow Kernels.h's prototypes.
// CHECK: func.func private @loom_k_kv_store(!llvm.ptr, !llvm.ptr, i64, i64, i64, i64, !llvm.ptr)
// CHECK: func.func private @loom_k_attention(!llvm.ptr, i64, i64, !llvm.ptr, i64, i64, i64, i64, f32, f32, !llvm.ptr, i32, i64, !llvm.ptr)
func.func @forward(%tokens: tensor<?xi32>, %start: index) -> tensor<?x100xf32> attributes {loom.model = {name = "Tiny", vocab = 100 : i64, d_model = 64 : i64, n_layers = 1 : i64, max_context = 128 : i64}} {
  %emb = loom.weight "embedding.weight" : tensor<100x64xf32>
  %x = loom.embedding %tokens, %emb : (tensor<?xi32>, tensor<100x64xf32>) -> tensor<?x64xf32>
  %nw = loom.weight "layers.0.attn_norm.weight" : tensor<64xf32>
  %h = loom.rms_norm %x, %nw {eps = 1.0e-06 : f64} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  %wq = loom.weight "layers.0.attention.q_proj.weight" {rope = #loom.rope_rows<half, head_dim = 16, dims = 16>} : tensor<64x64xf32>
  %q = loom.linear %h, %wq : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  %wk = loom.weight "layers.0.attention.k_proj.weight" {rope = #loom.rope_rows<half, head_dim = 16, dims = 16>} : tensor<32x64xf32>
  %k = loom.linear %h, %wk : (tensor<?x64xf32>, tensor<32x64xf32>) -> tensor<?x32xf32>
  %wv = loom.weight "layers.0.attention.v_proj.weight" : tensor<32x64xf32>
  %v = loom.linear %h, %wv : (tensor<?x64xf32>, tensor<32x64xf32>) -> tensor<?x32xf32>
  %qh = loom.split_heads %q : tensor<?x64xf32> -> tensor<?x4x16xf32>
  %kh = loom.split_heads %k : tensor<?x32xf32> -> tensor<?x2x16xf32>
  %vh = loom.split_heads %v : tensor<?x32xf32> -> tensor<?x2x16xf32>
  %qr = loom.rope %qh at %start {theta = 1.0e+04 : f64, style = #loom<rope_style half>, rotary_dims = 16 : i64} : tensor<?x4x16xf32>
  %kr = loom.rope %kh at %start {theta = 1.0e+04 : f64, style = #loom<rope_style half>, rotary_dims = 16 : i64} : tensor<?x2x16xf32>
  %c0 = loom.kv_cache "layers.0.attention" : !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16>
  %c1 = loom.cache_append %c0, %kr, %vh at %start : !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16>, tensor<?x2x16xf32>, tensor<?x2x16xf32>
  %a = loom.attend %qr, %c1 at %start {mask = #loom<mask global>, scale = 0.25 : f64} : tensor<?x4x16xf32>, !loom.kv_cache<full, window = 0, kv_heads = 2, key_dim = 16, value_dim = 16> -> tensor<?x4x16xf32>
  %m = loom.merge_heads %a : tensor<?x4x16xf32> -> tensor<?x64xf32>
  %wo = loom.weight "layers.0.attention.o_proj.weight" : tensor<64x64xf32>
  %o = loom.linear %m, %wo : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  %x1 = loom.add %x, %o : tensor<?x64xf32>
  %fw = loom.weight "final_norm.weight" : tensor<64xf32>
  %f = loom.rms_norm %x1, %fw {eps = 1.0e-06 : f64} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  %logits = loom.lm_head %f, %emb : (tensor<?x64xf32>, tensor<100x64xf32>) -> tensor<?x100xf32>
  return %logits : tensor<?x100xf32>
}

// -----

// RoPE's operand is still read afterwards, so the rotation happens on a copy.
// CHECK-LABEL: func.func @loom_generated_forward
// CHECK: "llvm.intr.memcpy"(%[[DST:.+]], %[[SRC:.+]], %{{.+}}) <{isVolatile = false}>
// CHECK-NEXT: llvm.mlir.constant
// CHECK: call @loom_k_rope(%[[DST]],
func.func @forward(%tokens: tensor<?xi32>, %start: index) -> tensor<?x8xf32> attributes {loom.model = {name = "Copy", vocab = 8 : i64, d_model = 16 : i64, n_layers = 1 : i64, max_context = 8 : i64}} {
  %emb = loom.weight "embedding.weight" : tensor<8x16xf32>
  %x = loom.embedding %tokens, %emb : (tensor<?xi32>, tensor<8x16xf32>) -> tensor<?x16xf32>
  %h = loom.split_heads %x : tensor<?x16xf32> -> tensor<?x2x8xf32>
  %r = loom.rope %h at %start {theta = 1.0e+04 : f64, style = #loom<rope_style half>, rotary_dims = 8 : i64} : tensor<?x2x8xf32>
  %c0 = loom.kv_cache "layers.0.attention" : !loom.kv_cache<chunk, window = 4, kv_heads = 2, key_dim = 8, value_dim = 8>
  %c1 = loom.cache_append %c0, %h, %h at %start : !loom.kv_cache<chunk, window = 4, kv_heads = 2, key_dim = 8, value_dim = 8>, tensor<?x2x8xf32>, tensor<?x2x8xf32>
  %a = loom.attend %r, %c1 at %start {mask = #loom<mask chunked>, window = 4 : i64, scale = 0.35 : f64} : tensor<?x2x8xf32>, !loom.kv_cache<chunk, window = 4, kv_heads = 2, key_dim = 8, value_dim = 8> -> tensor<?x2x8xf32>
  %m = loom.merge_heads %a : tensor<?x2x8xf32> -> tensor<?x16xf32>
  %logits = loom.lm_head %m, %emb : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  return %logits : tensor<?x8xf32>
}
