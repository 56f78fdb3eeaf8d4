//===- LoomOps.td - Operations of the loom dialect -----------*- tablegen -*-===//
//
// Activations are `tensor<?x...xf32>`: the leading dimension is the number of
// tokens in the chunk being run, every other dimension is static. Each op's
// verifier checks the shapes against its hyper-parameters, so a malformed spec
// that slipped past the frontend fails here with the op's DSL location.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_OPS
#define LOOM_OPS

include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "loom/Dialect/LoomDialect.td"
include "loom/Dialect/LoomEnums.td"
include "loom/Dialect/LoomTypes.td"
include "loom/Dialect/LoomAttrs.td"

def Loom_Activation : RankedTensorOf<[F32]>;
def Loom_TokenIds : 1DTensorOf<[I32]>;
def Loom_Weight : RankedTensorOf<[F32]>;
// For each token, the experts its router chose: [tokens, k].
def Loom_ExpertIds : RankedTensorOf<[I32]>;
// Where each expert's rows start in the expert-sorted rows: [experts + 1].
def Loom_GroupOffsets : 1DTensorOf<[I64]>;

//===----------------------------------------------------------------------===//
// Weights and embeddings
//===----------------------------------------------------------------------===//

def Loom_WeightOp : Loom_Op<"weight", [Pure]> {
  let summary = "A named model weight from the manifest";
  let description = [{
    Introduces a weight tensor by its manifest name. Two ops with the same
    name denote the same tensor (tied embeddings), and must agree on its type.
    A q or k projection whose output RoPE rotates says how its rows pair the
    rotated dimensions (`rope`), for the checkpoint loaders.

    ```mlir
    %w = loom.weight "layers.0.attn_norm.weight" : tensor<1024xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name, OptionalAttr<Loom_RopeRowsAttr>:$rope);
  let results = (outs Loom_Weight:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Loom_EmbeddingOp : Loom_Op<"embedding", [Pure]> {
  let summary = "Token embedding lookup, optionally scaled";
  let description = [{
    `out[i, :] = table[tokens[i], :] * scale` (Gemma scales by sqrt(d_model)).

    ```mlir
    %x = loom.embedding %tokens, %table {scale = 1.0 : f64}
        : (tensor<?xi32>, tensor<151936x1024xf32>) -> tensor<?x1024xf32>
    ```
  }];
  let arguments = (ins Loom_TokenIds:$tokens, Loom_Weight:$table,
                       DefaultValuedAttr<F64Attr, "1.0">:$scale);
  let results = (outs Loom_Activation:$result);
  let assemblyFormat = "$tokens `,` $table attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Loom_PositionIdsOp : Loom_Op<"position_ids", [Pure]> {
  let summary = "The positions of the chunk's tokens, as ids for an embedding";
  let description = [{
    `out[i] = start + i` for every token `i` of the chunk. Fed to
    `loom.embedding` with a `[max_context, d_model]` table it gives learned
    absolute position embeddings (GPT-2). The runtime keeps every position
    below the cache's capacity, which is at most `max_context`.

    ```mlir
    %pos = loom.position_ids at %start : tensor<?xi32>
    %p = loom.embedding %pos, %wpe : (tensor<?xi32>, tensor<1024x768xf32>) -> tensor<?x768xf32>
    ```
  }];
  let arguments = (ins Index:$start);
  let results = (outs Loom_TokenIds:$result);
  let assemblyFormat = "`at` $start attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

def Loom_RMSNormOp : Loom_Op<"rms_norm", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "RMS normalization over the innermost dimension";
  let description = [{
    `y = x * rsqrt(mean(x^2) + eps) * (w + weight_offset)`, in F32. Gemma
    stores `w - 1` and sets `weight_offset = 1`; without a weight the norm is
    parameter-free (Llama 4's QK norm). Applied to a `[tokens, heads, head_dim]`
    value it is a per-head norm.

    ```mlir
    %y = loom.rms_norm %x, %w {eps = 1.0e-06 : f64}
        : (tensor<?x1024xf32>, tensor<1024xf32>) -> tensor<?x1024xf32>
    ```
  }];
  let arguments = (ins Loom_Activation:$input, Optional<Loom_Weight>:$weight, F64Attr:$eps,
                       DefaultValuedAttr<F64Attr, "0.0">:$weight_offset);
  let results = (outs Loom_Activation:$result);
  let assemblyFormat = "$input (`,` $weight^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Loom_LayerNormOp : Loom_Op<"layer_norm", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "Layer normalization over the innermost dimension";
  let description = [{
    `y = (x - mean) * rsqrt(var + eps) * w (+ b)`.

    ```mlir
    %y = loom.layer_norm %x, %w, %b {eps = 1.0e-05 : f64}
        : (tensor<?x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<?x768xf32>
    ```
  }];
  let arguments = (ins Loom_Activation:$input, Loom_Weight:$weight, Optional<Loom_Weight>:$bias,
                       F64Attr:$eps);
  let results = (outs Loom_Activation:$result);
  let assemblyFormat = "$input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Projections
//===----------------------------------------------------------------------===//

def Loom_LinearOp : Loom_Op<"linear", [Pure]> {
  let summary = "Linear projection y = x W^T (+ b)";
  let description = [{
    The weight is `[out_features, in_features]`, as stored by PyTorch.

    ```mlir
    %q = loom.linear %h, %wq : (tensor<?x1024xf32>, tensor<2048x1024xf32>) -> tensor<?x2048xf32>
    ```
  }];
  let arguments = (ins Loom_Activation:$input, Loom_Weight:$weight, Optional<Loom_Weight>:$bias);
  let results = (outs Loom_Activation:$result);
  let assemblyFormat = "$input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Loom_LMHeadOp : Loom_Op<"lm_head", [Pure]> {
  let summary = "Vocabulary logits for the rows the caller asked for";
  let description = [{
    A linear projection onto the vocabulary. Unlike `loom.linear` it is only
    evaluated for the rows whose logits the caller requested (usually the last
    token of a prompt), which is where most of a small model's decode time
    would otherwise go.

    `scale` multiplies the logits and a positive `softcap` then bounds them as
    `softcap * tanh(logits / softcap)` (Grok's output multiplier and final
    soft-cap, Gemma 2's final soft-cap). They belong to the head rather than to
    `loom.scale`/`loom.softcap` ops after it because only the requested rows
    exist: the result is the caller's logits buffer.

    ```mlir
    %logits = loom.lm_head %h, %emb : (tensor<?x1024xf32>, tensor<151936x1024xf32>) -> tensor<?x151936xf32>
    %capped = loom.lm_head %h, %w {scale = 5.0e-01 : f64, softcap = 5.0e+01 : f64} : ...
    ```
  }];
  let arguments = (ins Loom_Activation:$input, Loom_Weight:$weight,
                       DefaultValuedAttr<F64Attr, "1.0">:$scale,
                       DefaultValuedAttr<F64Attr, "0.0">:$softcap);
  let results = (outs Loom_Activation:$result);
  let assemblyFormat = "$input `,` $weight attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

def Loom_SplitHeadsOp : Loom_Op<"split_heads", [Pure]> {
  let summary = "View [tokens, heads * head_dim] as [tokens, heads, head_dim]";
  let arguments = (ins Loom_Activation:$input);
  let results = (outs Loom_Activation:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Loom_MergeHeadsOp : Loom_Op<"merge_heads", [Pure]> {
  let summary = "View [tokens, heads, head_dim] as [tokens, heads * head_dim]";
  let arguments = (ins Loom_Activation:$input);
  let results = (outs Loom_Activation:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Loom_RoPEOp : Loom_Op<"rope", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "Rotary position embedding of [tokens, heads, head_dim]";
  let description = [{
    Token `i` of the chunk sits at position `start + i`. The first
    `rotary_dims` dimensions of each head rotate with frequencies
    `theta^(-2j / rotary_dims)`; the rest pass through (partial RoPE).
    An optional `scaling` (`#loom.rope_linear`, `#loom.rope_llama3`,
    `#loom.rope_yarn`) rescales each pair's frequency, and YaRN's cos and sin.

    ```mlir
    %qr = loom.rope %q at %start {theta = 5.0e+05 : f64, style = #loom<rope_style half>,
                                  rotary_dims = 64 : i64,
                                  scaling = #loom.rope_llama3<factor = 3.200000e+01,
                                      low_freq_factor = 1.000000e+00, high_freq_factor = 4.000000e+00,
                                      original_context = 8192>} : tensor<?x32x64xf32>
    ```
  }];
  let arguments = (ins Loom_Activation:$input, Index:$start, F64Attr:$theta,
                       Loom_RopePairingAttr:$style, I64Attr:$rotary_dims,
                       OptionalAttr<Loom_RopeScalingAttr>:$scaling);
  let results = (outs Loom_Activation:$result);
  let assemblyFormat = "$input `at` $start attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Loom_QKNormRoPEOp : Loom_Op<"qk_norm_rope", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "RMSNorm of queries or keys followed by RoPE, as one pass over the values";
  let description = [{
    `loom.rope(loom.rms_norm(x))` for `x` of `[tokens, heads, head_dim]`,
    produced by `loom-fuse-qk-norm-rope`. The norm runs over groups of
    `norm_width` elements: `head_dim` for a per-head norm (Qwen3, Gemma 3),
    `heads * head_dim` for a norm over the whole projection (OLMo 2, whose
    weight then has that width). `scaling` is the RoPE's (loom.rope). Its lowering reads and writes the values
    once, with the arithmetic of the two ops it replaces.

    ```mlir
    %k = loom.qk_norm_rope %kh, %w at %start {eps = 1.0e-06 : f64, norm_width = 128 : i64,
        theta = 1.0e+06 : f64, style = #loom<rope_style half>, rotary_dims = 128 : i64}
        : (tensor<?x8x128xf32>, tensor<128xf32>) -> tensor<?x8x128xf32>
    ```
  }];
  let arguments = (ins Loom_Activation:$input, Optional<Loom_Weight>:$weight, Index:$start, F64Attr:$eps,
                       DefaultValuedAttr<F64Attr, "0.0">:$weight_offset, I64Attr:$norm_width, F64Attr:$theta,
                       Loom_RopePairingAttr:$style, I64Attr:$rotary_dims,
                       OptionalAttr<Loom_RopeScalingAttr>:$scaling);
  let results = (outs Loom_Activation:$result);
  let assemblyFormat = "$input (`,` $weight^)? `at` $start attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Loom_AttentionTemperatureOp : Loom_Op<"attention_temperature", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "Queries scaled by a factor that grows with their position (Llama 4)";
  let description = [{
    Token `i` of the chunk sits at position `p = start + i`; its values are
    multiplied by `1 + scale * ln(1 + floor((p + 1) / floor))`. Llama 4
    applies it to the queries of its NoPE layers, which see the whole context,
    so that attention does not flatten as the context grows.

    ```mlir
    %qt = loom.attention_temperature %q at %start {scale = 1.0e-01 : f64, floor = 8192 : i64} : tensor<?x40x128xf32>
    ```
  }];
  let arguments = (ins Loom_Activation:$input, Index:$start, F64Attr:$scale, I64Attr:$floor);
  let results = (outs Loom_Activation:$result);
  let assemblyFormat = "$input `at` $start attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Loom_KVCacheOp : Loom_Op<"kv_cache", [MemoryEffects<[MemAlloc]>]> {
  let summary = "A layer's key/value cache, as it stands before this call";
  let description = [{
    Introduces the cache named `name` (the attention that owns it). Each op
    is its own buffer pair in the runtime, so it allocates rather than being
    pure: two caches of the same type are never merged. `loom-assign-caches`
    numbers them (`slot`) and records them in the model descriptor.

    ```mlir
    %c = loom.kv_cache "layers.0.attention" : !loom.kv_cache<full, window = 0, kv_heads = 8, key_dim = 128, value_dim = 128>
    ```
  }];
  let arguments = (ins StrAttr:$name, OptionalAttr<I64Attr>:$slot);
  let results = (outs Loom_KVCacheType:$cache);
  let assemblyFormat = "$name attr-dict `:` qualified(type($cache))";
  let hasVerifier = 1;
}

def Loom_CacheAppendOp : Loom_Op<"cache_append", [Pure, AllTypesMatch<["cache", "result"]>]> {
  let summary = "The cache with this chunk's keys and values appended";
  let description = [{
    Keys and values of the chunk's tokens (positions `start ..`, already
    position-encoded) are appended; the result is the cache a later
    `loom.attend` reads. The lowering updates the buffers in place. A
    `latent` cache takes rows of key only (`[?, 1, key_dim]`).

    ```mlir
    %c1 = loom.cache_append %c0, %k, %v at %start
        : !loom.kv_cache<full, window = 0, kv_heads = 8, key_dim = 128, value_dim = 128>, tensor<?x8x128xf32>, tensor<?x8x128xf32>
    ```
  }];
  let arguments = (ins Loom_KVCacheType:$cache, Loom_Activation:$key, Optional<Loom_Activation>:$value,
                       Index:$start);
  let results = (outs Loom_KVCacheType:$result);
  let assemblyFormat = [{
    $cache `,` $key (`,` $value^)? `at` $start attr-dict `:` qualified(type($cache)) `,` type($key)
    (`,` type($value)^)?
  }];
  let hasVerifier = 1;
}

def Loom_AttendOp : Loom_Op<"attend", [Pure]> {
  let summary = "Causal multi-head attention of the chunk's queries over a cache";
  let description = [{
    Query token `i` sits at position `start + i` and sees the cached keys its
    mask allows: all earlier positions (`global`), the last `window`
    (`sliding_window`), or those of its own chunk of `window` positions
    (`chunked`, Llama 4). `scale` multiplies the scores before the F32
    softmax. Grouped-query attention follows from the head counts: query head
    `h` reads KV head `h / (heads / kv_heads)`.

    A `ring` cache only holds a window, so it serves only a sliding-window
    attention of that window, and a `chunk` cache only a chunked one; a
    `full` cache serves every mask.

    ```mlir
    %a = loom.attend %q, %c1 at %start {mask = #loom<mask sliding_window>, window = 512 : i64, scale = 0.0625 : f64}
        : tensor<?x4x256xf32>, !loom.kv_cache<ring, window = 512, kv_heads = 1, key_dim = 256, value_dim = 256> -> tensor<?x4x256xf32>
    ```
  }];
  let arguments = (ins Loom_Activation:$query, Loom_KVCacheType:$cache, Index:$start,
                       Optional<Loom_Weight>:$sinks, Loom_AttentionMaskAttr:$mask,
                       DefaultValuedAttr<I64Attr, "0">:$window, F64Attr:$scale,
                       DefaultValuedAttr<F64Attr, "0.0">:$softcap);
  let results = (outs Loom_Activation:$result);
  let assemblyFormat = [{
    $query `,` $cache `at` $start (`sinks` `(` $sinks^ `:` type($sinks) `)`)? attr-dict `:` type($query) `,`
    qualified(type($cache)) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Loom_SliceOp : Loom_Op<"slice", [Pure]> {
  let summary = "A run of the innermost dimension";
  let description = [{
    `out[..., j] = in[..., offset + j]` for `j` below the result's innermost
    size: MLA's split of a projection into its RoPE and non-RoPE parts.

    ```mlir
    %pe = loom.slice %q [128] : tensor<?x16x192xf32> -> tensor<?x16x64xf32>
    ```
  }];
  let arguments = (ins Loom_Activation:$input, I64Attr:$offset);
  let results = (outs Loom_Activation:$result);
  let assemblyFormat = "$input `[` $offset `]` attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Loom_ConcatOp : Loom_Op<"concat", [Pure]> {
  let summary = "Two values side by side in the innermost dimension";
  let description = [{
    ```mlir
    %row = loom.concat %c, %pe : tensor<?x1x512xf32>, tensor<?x1x64xf32> -> tensor<?x1x576xf32>
    ```
  }];
  let arguments = (ins Loom_Activation:$lhs, Loom_Activation:$rhs);
  let results = (outs Loom_Activation:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)";
  let hasVerifier = 1;
}

def Loom_MLAttendOp : Loom_Op<"mla_attend", [Pure]> {
  let summary = "Multi-head latent attention over a latent cache";
  let description = [{
    DeepSeek V2/V3's attention. The `latent` cache row of position `t` is
    `[c(t) | k_pe(t)]`: the normalised compressed key-value `c` (`rank`
    values) and the rotated key shared by all heads. `kv_b`
    (`[heads * (nope_dim + value_dim), rank]`) expands `c` into each head's
    key `W_UK_h c(t)` and value `W_UV_h c(t)`; a query (`q_nope`, rotated
    `q_pe`) scores `scale * (q_nope_h . W_UK_h c(t) + q_pe_h . k_pe(t))`
    over the positions its causal mask sees.

    Two forms compute this. Expanded: every visible `c(t)` is multiplied out
    by `kv_b` (per chunk, cost ~ keys x rank x heads x (nope + value)).
    Absorbed: `W_UK_h` is folded into the query (`q_nope_h W_UK_h`, rank
    values) and `W_UV_h` into the output, so attention runs against the
    cached latent itself (cost ~ tokens x keys x heads x (2 rank + rope)).
    A chunk of at most `absorb_max_tokens` tokens runs absorbed, a longer
    one expanded; `loom-absorb-mla` sets it from the cost model (0: always
    expanded).

    ```mlir
    %a = loom.mla_attend %qn, %qp, %c1, %kv_b at %start {scale = 0.1352 : f64, absorb_max_tokens = 170 : i64}
        : tensor<?x128x128xf32>, tensor<?x128x64xf32>, !loom.kv_cache<latent, window = 0, kv_heads = 1,
          key_dim = 576, value_dim = 0>, tensor<32768x512xf32> -> tensor<?x128x128xf32>
    ```
  }];
  let arguments = (ins Loom_Activation:$q_nope, Loom_Activation:$q_pe, Loom_KVCacheType:$cache,
                       Loom_Weight:$kv_b, Index:$start, F64Attr:$scale,
                       DefaultValuedAttr<I64Attr, "0">:$absorb_max_tokens);
  let results = (outs Loom_Activation:$result);
  let assemblyFormat = [{
    $q_nope `,` $q_pe `,` $cache `,` $kv_b `at` $start attr-dict `:` type($q_nope) `,` type($q_pe) `,`
    qualified(type($cache)) `,` type($kv_b) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Loom_GatedDeltaNetOp : Loom_Op<"gated_delta_net", [Pure, AllTypesMatch<["state", "new_state"]>]> {
  let summary = "Gated DeltaNet: linear attention through a recurrent state";
  let description = [{
    Qwen3-Next's token mixer (Yang et al., "Gated Delta Networks"). The
    channels `[q | k | v]` of each token pass a causal depthwise convolution
    (`conv`: `[channels, 1, taps]`, the state keeping the last `taps - 1`
    inputs) and SiLU; q and k are L2-normalised per head (`eps` under the
    root) and q scaled by `1/sqrt(key_dim)`. Each value head `h` (key head
    `h / (v_heads / k_heads)`) keeps a matrix `S` (`key_dim x value_dim`):

        g = -exp(a_log[h]) * softplus(a[h] + dt_bias[h]),  beta = sigmoid(b[h])
        S = S * exp(g);  S = S + k (beta (v - S^T k))^T;  out = S^T q

    The state is the `recurrent` cache, read and written: the result cache
    is the state after this chunk. Position 0 starts from zeros.

    ```mlir
    %o, %s1 = loom.gated_delta_net %q, %k, %v, %b, %a, %s0, %conv, %a_log, %dt_bias at %start {eps = 1.0e-06 : f64}
        : tensor<?x16x128xf32>, tensor<?x16x128xf32>, tensor<?x32x128xf32>, tensor<?x32xf32>, tensor<?x32xf32>,
          !loom.kv_cache<recurrent, window = 3, kv_heads = 32, key_dim = 128, value_dim = 128, conv_channels = 8192>,
          tensor<8192x1x4xf32>, tensor<32xf32>, tensor<32xf32> -> tensor<?x32x128xf32>
    ```
  }];
  let arguments = (ins Loom_Activation:$q, Loom_Activation:$k, Loom_Activation:$v, Loom_Activation:$b,
                       Loom_Activation:$a, Loom_KVCacheType:$state, Loom_Weight:$conv, Loom_Weight:$a_log,
                       Loom_Weight:$dt_bias, Index:$start, F64Attr:$eps);
  let results = (outs Loom_Activation:$result, Loom_KVCacheType:$new_state);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $b `,` $a `,` $state `,` $conv `,` $a_log `,` $dt_bias `at` $start attr-dict `:`
    type($q) `,` type($k) `,` type($v) `,` type($b) `,` type($a) `,` qualified(type($state)) `,` type($conv) `,`
    type($a_log) `,` type($dt_bias) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Loom_GatedRMSNormOp : Loom_Op<"gated_rms_norm", [Pure, AllTypesMatch<["input", "gate", "result"]>]> {
  let summary = "RMSNorm over the innermost dimension, scaled by silu(gate)";
  let description = [{
    `y = x * rsqrt(mean(x^2) + eps) * (weight_offset + w) * silu(gate)`: the
    output norm of Gated DeltaNet (per value head) and of Mamba-2.

    ```mlir
    %y = loom.gated_rms_norm %o, %z, %w {eps = 1.0e-06 : f64} : tensor<?x32x128xf32>, tensor<128xf32>
    ```
  }];
  let arguments = (ins Loom_Activation:$input, Loom_Activation:$gate, Loom_Weight:$weight, F64Attr:$eps,
                       DefaultValuedAttr<F64Attr, "0.0">:$weight_offset);
  let results = (outs Loom_Activation:$result);
  let assemblyFormat = "$input `,` $gate `,` $weight attr-dict `:` type($input) `,` type($weight)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Feed-forward activations and the residual stream
//===----------------------------------------------------------------------===//

class Loom_GatedActivationOp<string mnemonic, string formula>
    : Loom_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = "Gated activation " # formula;
  let arguments = (ins Loom_Activation:$gate, Loom_Activation:$up);
  let results = (outs Loom_Activation:$result);
  let assemblyFormat = "$gate `,` $up attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Loom_SwiGLUOp : Loom_GatedActivationOp<"swiglu", "silu(gate) * up">;
def Loom_GeGLUOp : Loom_GatedActivationOp<"geglu", "gelu_tanh(gate) * up">;
def Loom_SwiGLUOaiOp : Loom_Op<"swiglu_oai", [Pure, SameOperandsAndResultType]> {
  let summary = "gpt-oss's clamped SwiGLU";
  let description = [{
    `(clamp(up, -limit, limit) + 1) * g * sigmoid(alpha * g)` with
    `g = min(gate, limit)`: the activation of `loom.experts` with
    `swiglu_oai`, element for element, so that the grouped form of those
    experts (`loom-moe-grouped-matmul`) computes what they do.

    ```mlir
    %h = loom.swiglu_oai %g, %u {alpha = 1.702000e+00 : f64, limit = 7.000000e+00 : f64} : tensor<?x4x32xf32>
    ```
  }];
  let arguments = (ins Loom_Activation:$gate, Loom_Activation:$up, F64Attr:$alpha, F64Attr:$limit);
  let results = (outs Loom_Activation:$result);
  let assemblyFormat = "$gate `,` $up attr-dict `:` type($result)";
  let hasVerifier = 1;
}
def Loom_SigmoidGateOp : Loom_Op<"sigmoid_gate", [Pure, AllTypesMatch<["up", "result"]>]> {
  let summary = "Gate sigmoid(gate) * up, per element or per row";
  let description = [{
    Scales `up` by the sigmoid of `gate`. A gate as wide as `up` scales each
    element (Qwen3-Next's and Arcee Trinity's gated attention output); a gate
    of width 1 scales each row of `up` by one value (Qwen3-Next's shared
    expert, weighted by `sigmoid(shared_gate x)` per token).

    ```mlir
    %y = loom.sigmoid_gate %g, %s : tensor<?x1xf32>, tensor<?x1024xf32>
    ```
  }];
  let arguments = (ins Loom_Activation:$gate, Loom_Activation:$up);
  let results = (outs Loom_Activation:$result);
  let assemblyFormat = "$gate `,` $up attr-dict `:` type($gate) `,` type($up)";
  let hasVerifier = 1;
}

def Loom_SoftcapOp : Loom_Op<"softcap", [Pure, SameOperandsAndResultType]> {
  let summary = "Soft-capping: cap * tanh(x / cap)";
  let description = [{
    Bounds each value smoothly to (-cap, cap). Grok caps its router logits
    this way (at 30) before the softmax that chooses the experts.

    ```mlir
    %c = loom.softcap %logits {cap = 3.000000e+01 : f64} : tensor<?x8xf32>
    ```
  }];
  let arguments = (ins Loom_Activation:$input, F64Attr:$cap);
  let results = (outs Loom_Activation:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Loom_ScaleOp : Loom_Op<"scale", [Pure, SameOperandsAndResultType]> {
  let summary = "Multiplication by a constant: x * factor";
  let description = [{
    Scales every value by a constant. MiMo-V2-Flash multiplies its attention
    values by `attention_value_scale` (0.707) before they are cached, which
    the spec says with `GQA(value_scale = ...)`.

    ```mlir
    %v = loom.scale %heads {factor = 7.070000e-01 : f64} : tensor<?x8x128xf32>
    ```
  }];
  let arguments = (ins Loom_Activation:$input, F64Attr:$factor);
  let results = (outs Loom_Activation:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Loom_GeluOp : Loom_Op<"gelu", [Pure, SameOperandsAndResultType]> {
  let summary = "GELU, tanh approximation";
  let arguments = (ins Loom_Activation:$input);
  let results = (outs Loom_Activation:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Loom_AddOp : Loom_Op<"add", [Pure, Commutative, SameOperandsAndResultType]> {
  let summary = "Elementwise sum (residual connections)";
  let arguments = (ins Loom_Activation:$lhs, Loom_Activation:$rhs);
  let results = (outs Loom_Activation:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Mixture of experts
//===----------------------------------------------------------------------===//

def Loom_RouteOp : Loom_Op<"route", [Pure]> {
  let summary = "The k experts each token is routed to, and their weights";
  let description = [{
    From the router's logits `[tokens, experts]`, chooses `top_k` experts per
    token and their weights, in the flavour `routing` names:

    * `softmax_topk`: p = softmax(logits); the k largest p.
    * `topk_softmax`: the k largest logits; weights = softmax over those k.
    * `sigmoid_topk`: s = sigmoid(logits); the selection ranks s + bias
      (`selection_bias`, which never enters the weights), first keeping the
      `group_top_k` of `groups` equal groups of experts whose two best biased
      scores sum highest; weights = s of the chosen.
    * `topk_sigmoid`: the k largest logits, each weighted by its sigmoid.

    Then `normalize` divides the k weights by their sum, and `scale`
    multiplies them. Ties rank the lower expert id first, so the result does
    not depend on any sort's stability. Slots are in rank order, best first.

    ```mlir
    %ids, %w = loom.route %logits {routing = #loom<routing softmax_topk>, top_k = 8 : i64, normalize = true}
        : tensor<?x128xf32> -> tensor<?x8xi32>, tensor<?x8xf32>
    ```
  }];
  let arguments = (ins Loom_Activation:$logits, Optional<Loom_Weight>:$selection_bias,
                       Loom_RoutingAttr:$routing, I64Attr:$top_k,
                       DefaultValuedAttr<BoolAttr, "false">:$normalize,
                       DefaultValuedAttr<F64Attr, "1.0">:$scale,
                       DefaultValuedAttr<I64Attr, "1">:$groups,
                       DefaultValuedAttr<I64Attr, "1">:$group_top_k);
  let results = (outs Loom_ExpertIds:$experts, Loom_Activation:$weights);
  let assemblyFormat = [{
    $logits (`bias` `(` $selection_bias^ `:` type($selection_bias) `)`)? attr-dict `:` type($logits) `->`
    type($experts) `,` type($weights)
  }];
  let hasVerifier = 1;
}

def Loom_ExpertsOp : Loom_Op<"experts", [Pure]> {
  let summary = "The routed experts' gated MLPs, weighted and summed per token";
  let description = [{
    `out[t] = sum_j w[t, j] * down_e(act(gate_e x[t], up_e x[t]))` with
    `e = experts[t, j]`, summed in slot order. The experts' weights are
    stacked: `gate` and `up` `[E, hidden, d]`, `down` `[E, d, hidden]`; the
    optional `biases` are gate's `[E, hidden]`, up's and down's. With
    `weight_input` (Llama 4) the weight scales the expert's input instead of
    its output. `alpha` and `limit` parameterise `swiglu_oai`.

    Lowered as written, each token runs its experts one after another; the
    `loom-moe-grouped-matmul` pass turns this into one grouped product per
    projection over all the chunk's tokens.

    ```mlir
    %y = loom.experts %x, %ids, %w, %gate, %up, %down {activation = #loom<expert_activation swiglu>}
        : tensor<?x1024xf32>, tensor<?x4xi32>, tensor<?x4xf32>, tensor<16x512x1024xf32>,
          tensor<16x512x1024xf32>, tensor<16x1024x512xf32> -> tensor<?x1024xf32>
    ```
  }];
  let arguments = (ins Loom_Activation:$input, Loom_ExpertIds:$experts, Loom_Activation:$weights,
                       Loom_Weight:$gate, Loom_Weight:$up, Loom_Weight:$down, Variadic<Loom_Weight>:$biases,
                       Loom_ExpertActivationAttr:$activation,
                       DefaultValuedAttr<F64Attr, "1.702">:$alpha, DefaultValuedAttr<F64Attr, "7.0">:$limit,
                       UnitAttr:$weight_input);
  let results = (outs Loom_Activation:$result);
  let assemblyFormat = [{
    $input `,` $experts `,` $weights `,` $gate `,` $up `,` $down (`biases` `(` $biases^ `:` type($biases) `)`)?
    attr-dict `:` type($input) `,` type($experts) `,` type($weights) `,` type($gate) `,` type($up) `,`
    type($down) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Loom_MoeDispatchOp : Loom_Op<"moe_dispatch", [Pure]> {
  let summary = "The chunk's (token, slot) pairs sorted by expert, with each expert's offset";
  let description = [{
    Row `j` of the expert-sorted rows is token `order[j] / k`, slot
    `order[j] % k` (`order` has the routing's shape, read flat). Expert `e`
    owns rows `offsets[e] .. offsets[e + 1]`; within an expert, rows keep
    token order.

    ```mlir
    %order, %offsets = loom.moe_dispatch %ids : tensor<?x4xi32> -> tensor<?x4xi32>, tensor<17xi64>
    ```
  }];
  let arguments = (ins Loom_ExpertIds:$experts);
  let results = (outs Loom_ExpertIds:$order, Loom_GroupOffsets:$offsets);
  let assemblyFormat = "$experts attr-dict `:` type($experts) `->` type($order) `,` type($offsets)";
  let hasVerifier = 1;
}

def Loom_MoeGatherOp : Loom_Op<"moe_gather", [Pure]> {
  let summary = "The tokens' rows in expert-sorted order";
  let description = [{
    `out[j] = x[order[j] / k]`, scaled by that slot's routing weight when
    `weights` is given (Llama 4 weights the experts' input).

    ```mlir
    %xs = loom.moe_gather %x, %order : tensor<?x1024xf32>, tensor<?x4xi32> -> tensor<?x4x1024xf32>
    ```
  }];
  let arguments = (ins Loom_Activation:$input, Loom_ExpertIds:$order, Optional<Loom_Activation>:$weights);
  let results = (outs Loom_Activation:$result);
  let assemblyFormat = [{
    $input `,` $order (`scaled` `(` $weights^ `:` type($weights) `)`)? attr-dict `:` type($input) `,` type($order)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

def Loom_GroupedLinearOp : Loom_Op<"grouped_linear", [Pure, AttrSizedOperandSegments]> {
  let summary = "One projection per expert over its run of expert-sorted rows";
  let description = [{
    Rows `offsets[e] .. offsets[e + 1]` of `input` (`[tokens, k, in]`, read
    as `tokens * k` rows) are multiplied by expert `e`'s `[out, in]` matrix
    of the stacked `weight` `[E, out, in]` (plus its row of `bias`
    `[E, out]`): one matrix product per expert that received rows.

    With `shared` (`[out, in]`, the always-on shared expert's matrix) there
    is one more group, `E`, after the stacked experts: `offsets` then has
    `E + 2` entries and the shared expert's rows are the last run.

    ```mlir
    %g = loom.grouped_linear %xs, %offsets, %gate : tensor<?x4x1024xf32>, tensor<17xi64>,
        tensor<16x512x1024xf32> -> tensor<?x4x512xf32>
    %s = loom.grouped_linear %xs, %offsets, %gate shared(%shared_gate : tensor<512x1024xf32>)
        : tensor<?x5x1024xf32>, tensor<18xi64>, tensor<16x512x1024xf32> -> tensor<?x5x512xf32>
    ```
  }];
  let arguments = (ins Loom_Activation:$input, Loom_GroupOffsets:$offsets, Loom_Weight:$weight,
                       Optional<Loom_Weight>:$bias, Optional<Loom_Weight>:$shared);
  let results = (outs Loom_Activation:$result);
  let assemblyFormat = [{
    $input `,` $offsets `,` $weight (`bias` `(` $bias^ `:` type($bias) `)`)?
    (`shared` `(` $shared^ `:` type($shared) `)`)? attr-dict `:` type($input) `,`
    type($offsets) `,` type($weight) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Loom_MoeAppendSharedOp : Loom_Op<"moe_append_shared", [Pure]> {
  let summary = "Every token's routing with the always-on shared expert as one more slot";
  let description = [{
    `ids[t, :k]` and `weights[t, :k]` as routed, then slot `k`: expert
    `expert` (the group after the routed experts, see `loom.grouped_linear`)
    with weight 1, or `sigmoid(gate[t, 0])` when a per-token `gate` is given
    (Qwen3-Next). The combine then adds the shared expert after the routed
    ones, in the order `loom.add` of the two would.

    ```mlir
    %ids2, %w2 = loom.moe_append_shared %ids, %w {expert = 16 : i64}
        : tensor<?x4xi32>, tensor<?x4xf32> -> tensor<?x5xi32>, tensor<?x5xf32>
    ```
  }];
  let arguments = (ins Loom_ExpertIds:$experts, Loom_Activation:$weights, Optional<Loom_Activation>:$gate,
                       I64Attr:$expert);
  let results = (outs Loom_ExpertIds:$result_experts, Loom_Activation:$result_weights);
  let assemblyFormat = [{
    $experts `,` $weights (`gate` `(` $gate^ `:` type($gate) `)`)? attr-dict `:` type($experts) `,` type($weights)
    `->` type($result_experts) `,` type($result_weights)
  }];
  let hasVerifier = 1;
}

def Loom_MoeCombineOp : Loom_Op<"moe_combine", [Pure]> {
  let summary = "Each token's expert outputs, weighted and summed in slot order";
  let description = [{
    `out[t] = sum_s w[t, s] * y[j(t, s)]` where `j(t, s)` is the sorted row
    of token `t`'s slot `s` (`order[j] = t * k + s`), summed in slot order as
    `loom.experts` sums them. Without `weights` the rows are summed unscaled
    (their input was scaled, `loom.moe_gather`).

    ```mlir
    %y = loom.moe_combine %d, %order, %w : tensor<?x4x1024xf32>, tensor<?x4xi32>, tensor<?x4xf32>
        -> tensor<?x1024xf32>
    ```
  }];
  let arguments = (ins Loom_Activation:$input, Loom_ExpertIds:$order, Optional<Loom_Activation>:$weights);
  let results = (outs Loom_Activation:$result);
  let assemblyFormat = [{
    $input `,` $order (`,` $weights^ `:` type($weights))? attr-dict `:` type($input) `,` type($order) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// The lowered form: kernel calls over arena slices not yet placed
//===----------------------------------------------------------------------===//

def Loom_Pointer : Type<CPred<"::llvm::isa<::mlir::LLVM::LLVMPointerType>($_self)">, "LLVM pointer",
                        "::mlir::LLVM::LLVMPointerType"> {
  let builderCall = "$_builder.getType<::mlir::LLVM::LLVMPointerType>()";
}

def Loom_ScratchOp : Loom_Op<"scratch", [MemoryEffects<[MemAlloc]>]> {
  let summary = "The scratch-arena slice of one activation, before the arena is planned";
  let description = [{
    `loom-lower-to-kernels` turns every activation into one of these, placed
    just before the kernel call that writes it: a slice of `bytes_per_token`
    times the chunk's tokens. `loom-plan-arena` later gives each slice its
    offset in the arena from the liveness of the pointer and of every address
    derived from it, so the lowering never needs to know where anything lives.

    `may_alias %in` says the kernel writing this slice also accepts it being
    `%in`'s slice (it reads each element before writing it), so the planner
    may fold the two when `%in` dies at that call. A value with no token
    dimension (an expert's row offsets) takes `fixed_bytes` instead.

    ```mlir
    %q = loom.scratch 256
    %k = loom.scratch 128 may_alias %kh
    ```
  }];
  let arguments = (ins I64Attr:$bytes_per_token, Optional<Loom_Pointer>:$reusable,
                       DefaultValuedAttr<I64Attr, "0">:$fixed_bytes);
  let results = (outs Loom_Pointer:$slice);
  let assemblyFormat = "$bytes_per_token (`may_alias` $reusable^)? attr-dict";
  let hasVerifier = 1;
}

#endif // LOOM_OPS
