//===- LoomEnums.td - Enumerations carried by loom ops -------*- tablegen -*-===//
#ifndef LOOM_ENUMS
#define LOOM_ENUMS

include "mlir/IR/EnumAttr.td"
include "loom/Dialect/LoomDialect.td"

// Which keys a query may attend to. Values match LOOM_MASK_* in the kernel ABI.
def Loom_AttentionMask : I32EnumAttr<"AttentionMask", "keys visible to a query", [
    I32EnumAttrCase<"global", 0>,
    I32EnumAttrCase<"sliding_window", 1>,
    I32EnumAttrCase<"chunked", 2>
  ]> {
  let cppNamespace = "::loom";
  let genSpecializedAttr = 0;
}
def Loom_AttentionMaskAttr : EnumAttr<Loom_Dialect, Loom_AttentionMask, "mask">;

// How RoPE pairs the rotated dimensions: NeoX (i, i + d/2) or GPT-J (2i, 2i+1).
def Loom_RopePairing : I32EnumAttr<"RopePairing", "rotary dimension pairing", [
    I32EnumAttrCase<"half", 0>,
    I32EnumAttrCase<"interleaved", 1>
  ]> {
  let cppNamespace = "::loom";
  let genSpecializedAttr = 0;
}
def Loom_RopePairingAttr : EnumAttr<Loom_Dialect, Loom_RopePairing, "rope_style">;

// What a KV cache keeps. Values match LOOM_CACHE_* in the model ABI (checked
// where the lowering meets it); the latent (MLA) and recurrent (DeltaNet,
// Mamba) kinds take the next values.
def Loom_CacheKind : I32EnumAttr<"CacheKind", "rows a KV cache keeps", [
    I32EnumAttrCase<"full", 0>,
    I32EnumAttrCase<"ring", 1>,
    I32EnumAttrCase<"chunk", 2>
  ]> {
  let cppNamespace = "::loom";
  let genSpecializedAttr = 0;
}

#endif // LOOM_ENUMS
