//===- Passes.td - Loom pass declarations --------------------*- tablegen -*-===//
#ifndef LOOM_PASSES
#define LOOM_PASSES

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Architecture-aware optimisations (each can be switched off in the pipeline)
//===----------------------------------------------------------------------===//

def LoomFuseQKNormRoPEPass : Pass<"loom-fuse-qk-norm-rope", "::mlir::ModuleOp"> {
  let summary = "Fuse the RMSNorm of queries or keys with the RoPE that follows it";
  let description = [{
    Qwen3, Gemma 3, OLMo 2 and most 2025 architectures normalise q and k
    before rotating them. Unfused, the projection is written by the norm and
    read back by RoPE; the fused `loom.qk_norm_rope` does both while each
    block of tokens is in cache, with the same arithmetic. Per-head norms
    (`[tokens, heads, head_dim]`, Gemma's `1 + w` included) and norms over the
    whole projection before the head split (OLMo 2) are both matched; a norm
    whose result is also used elsewhere is left alone.

    Before:
    ```mlir
    %n = loom.rms_norm %kh, %w {eps = 1.0e-06 : f64} : (tensor<?x8x128xf32>, tensor<128xf32>) -> tensor<?x8x128xf32>
    %k = loom.rope %n at %start {rotary_dims = 128 : i64, style = #loom<rope_style half>, theta = 1.0e+06 : f64} : tensor<?x8x128xf32>
    ```
    After:
    ```mlir
    %k = loom.qk_norm_rope %kh, %w at %start {eps = 1.0e-06 : f64, norm_width = 128 : i64, rotary_dims = 128 : i64,
        style = #loom<rope_style half>, theta = 1.0e+06 : f64} : (tensor<?x8x128xf32>, tensor<128xf32>, index) -> tensor<?x8x128xf32>
    ```
  }];
}

def LoomSpecializeAttentionPass : Pass<"loom-specialize-attention", "::mlir::ModuleOp"> {
  let summary = "Give each attention the cache its mask needs: a ring of W rows for a sliding window, one chunk for chunked attention";
  let description = [{
    The frontend gives every attention a `full` cache, which serves every
    mask by keeping every position. A sliding-window attention never looks
    further back than its window, and a chunked one never past the start of
    its chunk, so this pass retypes their caches (the `loom.kv_cache`, every
    `loom.cache_append` of it and the `loom.attend` reading it) to a `ring` or
    `chunk` cache of that window. The runtime then allocates window +
    max_chunk - 1 rows for the layer instead of the whole context, and the
    attention kernel visits only the keys its mask allows (there is no mask
    tensor). Global layers, with RoPE or without (NoPE), keep their full cache.

    Before:
    ```mlir
    %c = loom.kv_cache "layers.0.attention" : !loom.kv_cache<full, window = 0, kv_heads = 1, key_dim = 256, value_dim = 256>
    %c1 = loom.cache_append %c, %k, %v at %start : !loom.kv_cache<full, ...>, ...
    %a = loom.attend %q, %c1 at %start {mask = #loom<mask sliding_window>, window = 512 : i64, ...}
    ```
    After:
    ```mlir
    %c = loom.kv_cache "layers.0.attention" : !loom.kv_cache<ring, window = 512, kv_heads = 1, key_dim = 256, value_dim = 256>
    ```
  }];
}

def LoomAbsorbMLAPass : Pass<"loom-absorb-mla", "::mlir::ModuleOp"> {
  let summary = "Absorb MLA's key and value expansion into the query and output for short chunks";
  let description = [{
    `loom.mla_attend` as written expands every cached latent row by `kv_b`
    into each head's key and value (the expanded form). Folding `W_UK` into
    the query and `W_UV` into the output (the absorbed form) attends against
    the cached latent and shared RoPE key directly. Per chunk of n tokens
    against c keys (H heads, rank r, head dims d_n, d_r, d_v) the expanded
    form does c r H (d_n + d_v) + n c H (d_n + d_r + d_v) multiply-adds, the
    absorbed n r H (d_n + d_v) + n c H (2r + d_r); absorbing pays at every
    context for n < r (d_n + d_v) / (2r - d_n - d_v) (DeepSeek V3: 170). The
    pass sets each op's `absorb_max_tokens` to that bound, so decode and
    short chunks run absorbed and long prefill chunks expanded. No weight is
    multiplied by another: the absorbed form multiplies activations by
    `W_UK` and `W_UV`, which are rows of `kv_b` as loaded.

    Before:
    ```mlir
    %a = loom.mla_attend %qn, %qp, %c, %kv_b at %start {scale = 0.1352 : f64} : ...
    ```
    After:
    ```mlir
    %a = loom.mla_attend %qn, %qp, %c, %kv_b at %start {absorb_max_tokens = 170 : i64, scale = 0.1352 : f64} : ...
    ```
  }];
}

def LoomMoeGroupedMatmulPass : Pass<"loom-moe-grouped-matmul", "::mlir::ModuleOp"> {
  let summary = "Run the routed experts as one grouped matrix product per projection";
  let description = [{
    `loom.experts` as written runs each token's k experts one after another
    (k matrix-vector products per projection and token). This pass sorts the
    chunk's (token, slot) pairs by expert (`loom.moe_dispatch`), gathers
    their rows in that order (`loom.moe_gather`), multiplies each expert's
    contiguous run of rows by its matrices (`loom.grouped_linear`: one
    product per active expert, a GEMM once an expert has several tokens) and
    sums each token's rows back in slot order with its routing weights
    (`loom.moe_combine`). Llama 4's input-weighted experts scale in the
    gather instead. The activation between the products is the experts':
    `loom.swiglu`, `loom.geglu`, or gpt-oss's clamped `loom.swiglu_oai`
    with their `alpha` and `limit`; expert biases ride on each product.

    A shared expert (always on, added to the routed experts' sum: a SwiGLU
    of `loom.linear`s, optionally scaled per token by `loom.sigmoid_gate`)
    as wide as one routed expert joins the grouped products as one more
    group: `loom.moe_append_shared` gives every token one more slot routed
    to it (weight 1, or the sigmoid gate), and each `loom.grouped_linear`
    takes the shared matrix for that group, so its rows are multiplied in the
    same products and summed in the same combine. A shared expert of another
    width stays a dense MLP beside them (`fuse-shared-expert=false` keeps
    every one so).

    Before:
    ```mlir
    %y = loom.experts %x, %ids, %w, %gate, %up, %down {activation = #loom<expert_activation swiglu>} : ...
    ```
    After:
    ```mlir
    %order, %offsets = loom.moe_dispatch %ids : tensor<?x4xi32> -> tensor<?x4xi32>, tensor<17xi64>
    %rows = loom.moe_gather %x, %order : tensor<?x1024xf32>, tensor<?x4xi32> -> tensor<?x4x1024xf32>
    %g = loom.grouped_linear %rows, %offsets, %gate : ... -> tensor<?x4x512xf32>
    %u = loom.grouped_linear %rows, %offsets, %up : ... -> tensor<?x4x512xf32>
    %h = loom.swiglu %g, %u : tensor<?x4x512xf32>
    %d = loom.grouped_linear %h, %offsets, %down : ... -> tensor<?x4x1024xf32>
    %y = loom.moe_combine %d, %order, %w : ... -> tensor<?x1024xf32>
    ```
  }];
  let options = [
    Option<"fuseSharedExpert", "fuse-shared-expert", "bool", /*default=*/"true",
           "Run a shared expert as wide as the routed ones as one more group of the grouped products">,
  ];
}

//===----------------------------------------------------------------------===//
// Lowering
//===----------------------------------------------------------------------===//

def LoomAssignCachesPass : Pass<"loom-assign-caches", "::mlir::ModuleOp"> {
  let summary = "Number the forward function's caches and start the model descriptor from them";
  let description = [{
    Gives every `loom.kv_cache` its `slot` (its index in the descriptor's
    cache table and in the array of cache views `loom_generated_forward`
    receives) in program order, and starts the module's `loom.descriptor`:
    the model's dimensions (the forward function's `loom.model`) and one
    record per cache with its kind, window, heads and dims, from which the
    runtime allocates exactly those caches. The lowering adds the weight
    manifest and `loom-plan-arena` the scratch size. A cache is appended to
    and attended over by one chain of ops; a second cache op with the same
    name is an error.

    ```mlir
    %c = loom.kv_cache "layers.0.attention" {slot = 0 : i64} : !loom.kv_cache<...>
    ```
  }];
}

def LoomLowerToKernelsPass : Pass<"loom-lower-to-kernels", "::mlir::ModuleOp"> {
  let summary = "Lower the loom forward function to kernel calls writing unplaced scratch slices";
  let description = [{
    Rewrites `func.func @forward` (loom ops on tensors) into
    `func.func @loom_generated_forward`, the entry point described in
    runtime/include/loom/Runtime/ModelABI.h: raw pointers to the weight table,
    the cache views (in the slots loom-assign-caches gave), the token ids, a
    scratch arena and the logits. One conversion pattern per op: a tensor
    becomes the pointer to its storage, each op a `func.call` to its kernel in
    runtime/include/loom/Runtime/Kernels.h writing a fresh `loom.scratch`
    slice, a weight `&weights[i]` (the manifest, in first-use order, goes into
    the descriptor), a cache `&caches[slot]`. Head splits and merges are views
    of their operand; RoPE rotates a copy, which `loom-plan-arena` folds away
    when the operand dies there. Where slices live is decided by
    `loom-plan-arena`.

    Before:
    ```mlir
    %y = loom.rms_norm %x, %w {eps = 1.0e-06 : f64} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
    ```
    After:
    ```mlir
    %w = llvm.getelementptr %weights[1] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(ptr, i64)>
    %y = loom.scratch 256
    func.call @loom_k_rms_norm(%x, %n, %c64, %w, %eps, %offset, %y) : (...) -> ()
    ```

    `numerics` picks the kernels where the two profiles differ
    (docs/numerics.md) and is recorded in the descriptor: `fast`, or `ggml`,
    llama.cpp's results on x86 (GELU through ggml's half-precision table:
    `loom_k_gelu_f16_table`, `loom_k_geglu_f16_table`).
  }];
  let options = [
    Option<"numerics", "numerics", "std::string", /*default=*/"\"fast\"",
           "Numerics profile: fast, or ggml (llama.cpp's results on x86)">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect", "::mlir::func::FuncDialect"];
}

def LoomPlanArenaPass : Pass<"loom-plan-arena", "::mlir::ModuleOp"> {
  let summary = "Place every scratch slice in one arena by liveness, folding copies away";
  let description = [{
    Runs on the lowered form. Each `loom.scratch` slice is live from its
    definition to the last use of its pointer or of any address derived from
    it; the forward function is straight-line code, so a first-fit assignment
    over those intervals packs the slices of `max-chunk` tokens into one arena,
    whose size goes into the descriptor (`scratch_bytes`). A slice becomes
    `llvm.getelementptr %scratch[offset]`.

    First, copies are folded (`fold-copies`): a memcpy from a slice that dies
    there into a fresh slice (RoPE on an operand nothing else reads) and a
    slice marked `may_alias %in` whose `%in` dies at the call writing it
    (QK-norm+RoPE) both become the operand's slice.

    Before:
    ```mlir
    %q = loom.scratch 256
    func.call @loom_k_linear(%h, %n, %c64, %wq, %c64, %null, %q) : (...) -> ()
    %qr = loom.scratch 256
    "llvm.intr.memcpy"(%qr, %q, %bytes) <{isVolatile = false}> : (!llvm.ptr, !llvm.ptr, i64) -> ()
    func.call @loom_k_rope(%qr, ...) : (...) -> ()
    ```
    After:
    ```mlir
    %q = llvm.getelementptr %scratch[2048] : (!llvm.ptr) -> !llvm.ptr, i8
    func.call @loom_k_linear(%h, %n, %c64, %wq, %c64, %null, %q) : (...) -> ()
    func.call @loom_k_rope(%q, ...) : (...) -> ()
    ```
  }];
  let options = [
    Option<"maxChunk", "max-chunk", "int64_t", /*default=*/"64",
           "Most tokens one call of the generated forward processes (sizes the arena)">,
    Option<"foldCopies", "fold-copies", "bool", /*default=*/"true",
           "Fold copies and reusable slices into the operand's slice where it dies">
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // LOOM_PASSES
