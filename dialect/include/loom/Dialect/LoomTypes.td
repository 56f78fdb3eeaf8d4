//===- LoomTypes.td - Types and attributes of the loom dialect -*- tablegen -*-===//
#ifndef LOOM_TYPES
#define LOOM_TYPES

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "loom/Dialect/LoomDialect.td"
include "loom/Dialect/LoomEnums.td"

def Loom_KVCacheType : TypeDef<Loom_Dialect, "KVCache"> {
  let mnemonic = "kv_cache";
  let summary = "The keys and values one attention keeps across calls";
  let description = [{
    A cache is state that outlives a forward call: the runtime allocates one
    buffer pair per `loom.kv_cache` op, with as many rows as its kind needs.
    `full` keeps every position; `ring` keeps the last `window` positions (a
    sliding-window layer); `chunk` keeps the current attention chunk of
    `window` positions (Llama 4); `latent` keeps every position's row of
    multi-head latent attention (DeepSeek V3): the normalised c_kv and the
    rotated key shared by all heads, `key_dim` values in one "head" and no
    separate values (`value_dim = 0`: the values are the c_kv part);
    `recurrent` is not rows at all but a linear-attention mixer's state
    (Gated DeltaNet), the same size whatever the sequence's length: the last
    `window` inputs of its causal convolution (`conv_channels` each) and one
    `key_dim x value_dim` matrix per head (`kv_heads` of them). Passes
    change the kind; the element type of the rows is a run-time choice of
    whoever creates the cache.

    ```mlir
    !loom.kv_cache<ring, window = 512, kv_heads = 1, key_dim = 256, value_dim = 256>
    !loom.kv_cache<recurrent, window = 3, kv_heads = 32, key_dim = 128, value_dim = 128, conv_channels = 8192>
    ```
  }];
  let parameters = (ins EnumParameter<Loom_CacheKind>:$kind, "int64_t":$window, "int64_t":$kv_heads,
                        "int64_t":$key_dim, "int64_t":$value_dim,
                        DefaultValuedParameter<"int64_t", "0">:$conv_channels);
  let builders = [
    TypeBuilder<(ins "CacheKind":$kind, "int64_t":$window, "int64_t":$kv_heads, "int64_t":$key_dim,
                     "int64_t":$value_dim, CArg<"int64_t", "0">:$conv_channels), [{
      return $_get($_ctxt, kind, window, kv_heads, key_dim, value_dim, conv_channels);
    }]>
  ];
  let skipDefaultBuilders = 1;
  let assemblyFormat = "`<` $kind `,` struct($window, $kv_heads, $key_dim, $value_dim, $conv_channels) `>`";
  let genVerifyDecl = 1;
}

def Loom_RopeRowsAttr : AttrDef<Loom_Dialect, "RopeRows"> {
  let mnemonic = "rope_rows";
  let summary = "How the rows of a q/k projection pair the dimensions RoPE rotates";
  let description = [{
    Set by the frontend on the weights whose output RoPE rotates, so the
    checkpoint loaders can reorder rows between llama.cpp's and transformers'
    conventions. It travels with the weight into the descriptor: no pass needs
    to find the RoPE op a projection feeds.

    ```mlir
    %wq = loom.weight "layers.0.attention.q_proj.weight" {rope = #loom.rope_rows<half, head_dim = 64, dims = 64>} : tensor<512x256xf32>
    ```
  }];
  let parameters = (ins EnumParameter<Loom_RopePairing>:$pairing, "int64_t":$head_dim, "int64_t":$dims);
  let assemblyFormat = "`<` $pairing `,` struct($head_dim, $dims) `>`";
}

#endif // LOOM_TYPES
