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
    separate values (`value_dim = 0`: the values are the c_kv part). Passes
    change the kind; the element type of the rows is a run-time choice of
    whoever creates the cache.

    ```mlir
    !loom.kv_cache<ring, window = 512, kv_heads = 1, key_dim = 256, value_dim = 256>
    ```
  }];
  let parameters = (ins EnumParameter<Loom_CacheKind>:$kind, "int64_t":$window, "int64_t":$kv_heads,
                        "int64_t":$key_dim, "int64_t":$value_dim);
  let assemblyFormat = "`<` $kind `,` struct($window, $kv_heads, $key_dim, $value_dim) `>`";
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
