// RUN: loom-opt %s --loom-assign-caches --loom-lower-to-kernels -split-input-file | FileCheck %s
// RUN: loom-opt %s --loom-assign-caches --loom-lower-to-kernels --loom-plan-arena=max-chunk=4 -split-input-file | FileCheck %s --check-prefix=ARENA
// RUN: loom-opt %s --loom-assign-caches --loom-lower-to-kernels=numerics=ggml -split-input-file | FileCheck %s --check-prefix=GGML
// A one-layer model. Each op becomes a call of its kernel writing a fresh loom.scratch slice (bytes per
// token); weights and caches are entries of the tables the ABI passes; head splits and merges are views;
// RoPE rotates a copy; the LM head writes straight into the logits argument. loom-plan-arena then places
// the slices for 4 tokens and folds the copies whose source dies there.

// The descriptor lists the caches (from loom-assign-caches), the weight manifest in first-use order, and
// marks the projections RoPE pairs; the arena is not planned yet.
// CHECK: module attributes {loom.descriptor = {caches = [{key_dim = 16 : i64, kind = 0 : i64, kv_heads = 2 : i64, name = "layers.0.attention", value_dim = 16 : i64, window = 0 : i64}]
// CHECK-SAME: max_chunk = 0 : i64
// CHECK-SAME: scratch_bytes = 0 : i64
// CHECK-SAME: weights = [{layout = 1 : i64, name = "embedding.weight", shape = [100, 64]}, {name = "layers.0.attn_norm.weight", shape = [64]}, {layout = 1 : i64, name = "layers.0.attention.q_proj.weight", rope_dims = 16 : i64, rope_head_dim = 16 : i64, rope_pairing = 1 : i64, shape = [64, 64]}
// CHECK-LABEL: func.func @loom_generated_forward(
// CHECK-SAME: %[[W:[a-z0-9]+]]: !llvm.ptr, %[[CACHES:[a-z0-9]+]]: !llvm.ptr, %[[TOK:[a-z0-9]+]]: !llvm.ptr, %[[N:[a-z0-9]+]]: i64, %[[START:[a-z0-9]+]]: i64, %[[FIRST:[a-z0-9]+]]: i64, %[[SCRATCH:[a-z0-9]+]]: !llvm.ptr, %[[LOGITS:[a-z0-9]+]]: !llvm.ptr)
// CHECK: %[[EMB:.+]] = llvm.getelementptr %[[W]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(ptr, i64)>
// CHECK: %[[X:.+]] = loom.scratch 256
// CHECK: call @loom_k_embedding(%[[EMB]], %{{.+}}, %[[TOK]], %[[N]], %{{.+}}, %[[X]])
// CHECK: %[[NW:.+]] = llvm.getelementptr %[[W]][1]
// CHECK: %[[H:.+]] = loom.scratch 256
// CHECK: call @loom_k_rms_norm(%[[X]], %[[N]], %{{.+}}, %[[NW]], %{{.+}}, %{{.+}}, %[[H]])
// CHECK: %[[Q:.+]] = loom.scratch 256
// CHECK: call @loom_k_linear(%[[H]], %[[N]], %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[Q]])
// CHECK: %[[K:.+]] = loom.scratch 128
// CHECK: %[[V:.+]] = loom.scratch 128
// CHECK: %[[QR:.+]] = loom.scratch 256
// CHECK: %[[QBYTES:.+]] = llvm.mul %[[N]], %{{.+}} : i64
// CHECK: "llvm.intr.memcpy"(%[[QR]], %[[Q]], %[[QBYTES]]) <{isVolatile = false}>
// CHECK: call @loom_k_rope(%[[QR]], %[[N]], %{{.+}}, %{{.+}}, %{{.+}}, %[[START]],
// CHECK: %[[KR:.+]] = loom.scratch 128
// CHECK: "llvm.intr.memcpy"(%[[KR]], %[[K]], %{{.+}})
// CHECK: call @loom_k_rope(%[[KR]], %[[N]],
// The cache is the view in its slot; appending and attending both take it.
// CHECK: %[[VIEW:.+]] = llvm.getelementptr %[[CACHES]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(ptr, ptr, i64, i64)>
// CHECK: call @loom_k_kv_store(%[[KR]], %[[V]], %[[N]], %{{.+}}, %{{.+}}, %[[START]], %[[VIEW]])
// CHECK: %[[A:.+]] = loom.scratch 256
// The fast profile's attention splits the keys into chunks; the ggml profile's sums in ggml's order.
// CHECK: call @loom_k_attention_split_keys(%[[QR]], %[[N]], %[[START]], %[[VIEW]], {{.+}}, %[[A]])
// GGML: call @loom_k_attention(
// CHECK: call @loom_k_add(%[[X]],
// CHECK: %[[ROWBYTES:.+]] = llvm.mul %[[FIRST]], %{{.+}} : i64
// CHECK: %[[LAST:.+]] = llvm.getelementptr %{{.+}}[%[[ROWBYTES]]] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK: %[[M:.+]] = llvm.sub %[[N]], %[[FIRST]] : i64
// CHECK: call @loom_k_linear(%[[LAST]], %[[M]], %{{.+}}, %[[EMB]], %{{.+}}, %{{.+}}, %[[LOGITS]])
// CHECK-NEXT: return
// Kernel declarations follow Kernels.h's prototypes.
// CHECK: func.func private @loom_k_embedding(!llvm.ptr, i64, !llvm.ptr, i64, f32, !llvm.ptr)
// CHECK: func.func private @loom_k_kv_store(!llvm.ptr, !llvm.ptr, i64, i64, i64, i64, !llvm.ptr)
// CHECK: func.func private @loom_k_attention_split_keys(!llvm.ptr, i64, i64, !llvm.ptr, i64, i64, i64, i64, f32, f32, !llvm.ptr, i32, i64, !llvm.ptr)

// Planned: 4 tokens x 64 floats = 1024 bytes per slice of the residual width.
// ARENA: module attributes {loom.descriptor = {{{.*}}max_chunk = 4 : i64{{.*}}scratch_bytes = 4096 : i64
// ARENA-LABEL: func.func @loom_generated_forward(
// ARENA-SAME: %[[SCRATCH:[a-z0-9]+]]: !llvm.ptr, %{{[a-z0-9]+}}: !llvm.ptr)
// ARENA-NOT: loom.scratch
// ARENA: %[[X:.+]] = llvm.getelementptr %[[SCRATCH]][0] : (!llvm.ptr) -> !llvm.ptr, i8
// ARENA: call @loom_k_embedding({{.+}}, %[[X]])
// ARENA: %[[H:.+]] = llvm.getelementptr %[[SCRATCH]][1024] : (!llvm.ptr) -> !llvm.ptr, i8
// ARENA: %[[Q:.+]] = llvm.getelementptr %[[SCRATCH]][2048]
// ARENA: %[[K:.+]] = llvm.getelementptr %[[SCRATCH]][3072]
// ARENA: %[[V:.+]] = llvm.getelementptr %[[SCRATCH]][3584]
// q and k die at their copies, so RoPE rotates them where they are.
// ARENA-NOT: memcpy
// ARENA: call @loom_k_rope(%[[Q]],
// ARENA: call @loom_k_rope(%[[K]],
// ARENA: call @loom_k_kv_store(%[[K]], %[[V]],
// The attention output reuses the slice of the normed input [1024, 2048), dead by now.
// ARENA: %[[A:.+]] = llvm.getelementptr %[[SCRATCH]][1024]
// ARENA: call @loom_k_attention_split_keys(%[[Q]], {{.+}}, %[[A]])
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

// RoPE's operand is still read afterwards (appended to the cache), so the rotation stays on a copy.
// ARENA-LABEL: func.func @loom_generated_forward
// ARENA: %[[SRC:.+]] = llvm.getelementptr %{{.+}}[0] : (!llvm.ptr) -> !llvm.ptr, i8
// ARENA: %[[DST:.+]] = llvm.getelementptr %{{.+}}[256] : (!llvm.ptr) -> !llvm.ptr, i8
// ARENA: "llvm.intr.memcpy"(%[[DST]], %[[SRC]], %{{.+}}) <{isVolatile = false}>
// ARENA: call @loom_k_rope(%[[DST]],
// ARENA: call @loom_k_kv_store(%[[SRC]], %[[SRC]],
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

// -----

// The fused QK-norm+RoPE kernel may write over its input, which its output slice says; the planner folds
// the two, since k dies there.
// CHECK-LABEL: func.func @loom_generated_forward
// CHECK: call @loom_k_linear({{.+}}, %[[K:[0-9]+]])
// CHECK: %[[KR:.+]] = loom.scratch 64 may_alias %[[K]]
// CHECK: call @loom_k_qk_norm_rope(%[[K]], {{.+}}, %[[KR]])
// ARENA-LABEL: func.func @loom_generated_forward
// ARENA: %[[K:.+]] = llvm.getelementptr %{{.+}}[256] : (!llvm.ptr) -> !llvm.ptr, i8
// ARENA: call @loom_k_linear({{.+}}, %[[K]])
// ARENA: call @loom_k_qk_norm_rope(%[[K]], {{.+}}, %[[K]])
func.func @forward(%tokens: tensor<?xi32>, %start: index) -> tensor<?x8xf32> attributes {loom.model = {name = "QKNorm", vocab = 8 : i64, d_model = 16 : i64, n_layers = 1 : i64, max_context = 8 : i64}} {
  %emb = loom.weight "embedding.weight" : tensor<8x16xf32>
  %x = loom.embedding %tokens, %emb : (tensor<?xi32>, tensor<8x16xf32>) -> tensor<?x16xf32>
  %wk = loom.weight "layers.0.attention.k_proj.weight" : tensor<16x16xf32>
  %k = loom.linear %x, %wk : (tensor<?x16xf32>, tensor<16x16xf32>) -> tensor<?x16xf32>
  %kh = loom.split_heads %k : tensor<?x16xf32> -> tensor<?x2x8xf32>
  %nw = loom.weight "layers.0.attention.k_norm.weight" : tensor<8xf32>
  %kr = loom.qk_norm_rope %kh, %nw at %start {eps = 1.0e-06 : f64, norm_width = 8 : i64, rotary_dims = 8 : i64, style = #loom<rope_style half>, theta = 1.0e+04 : f64} : (tensor<?x2x8xf32>, tensor<8xf32>, index) -> tensor<?x2x8xf32>
  %m = loom.merge_heads %kr : tensor<?x2x8xf32> -> tensor<?x16xf32>
  %logits = loom.lm_head %m, %emb : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  return %logits : tensor<?x8xf32>
}

// -----

// The LM head's scale and soft-cap work in place on the logits it wrote, over the requested rows only.
// CHECK: name = "Capped"
// CHECK: %[[ROWS:.+]] = llvm.sub %arg3, %arg5 : i64
// CHECK: call @loom_k_linear(%{{.+}}, %[[ROWS]], %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[LOGITS:arg7]])
// CHECK: %[[N:.+]] = llvm.mul %[[ROWS]], %{{.+}} : i64
// CHECK: %[[SCALE:.+]] = llvm.mlir.constant(5.000000e-01 : f32) : f32
// CHECK: call @loom_k_scale(%[[LOGITS]], %[[N]], %[[SCALE]], %[[LOGITS]])
// CHECK: %[[CAP:.+]] = llvm.mlir.constant(3.000000e+01 : f32) : f32
// CHECK: call @loom_k_softcap(%[[LOGITS]], %[[N]], %[[CAP]], %[[LOGITS]])
func.func @forward(%tokens: tensor<?xi32>, %start: index) -> tensor<?x8xf32> attributes {loom.model = {name = "Capped", vocab = 8 : i64, d_model = 16 : i64, n_layers = 0 : i64, max_context = 8 : i64}} {
  %emb = loom.weight "embedding.weight" : tensor<8x16xf32>
  %x = loom.embedding %tokens, %emb : (tensor<?xi32>, tensor<8x16xf32>) -> tensor<?x16xf32>
  %logits = loom.lm_head %x, %emb {scale = 0.5 : f64, softcap = 30.0 : f64} : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  return %logits : tensor<?x8xf32>
}
