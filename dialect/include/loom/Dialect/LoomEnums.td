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
// where the lowering meets it); the recurrent (DeltaNet, Mamba) kind takes the
// next value.
def Loom_CacheKind : I32EnumAttr<"CacheKind", "rows a KV cache keeps", [
    I32EnumAttrCase<"full", 0>,
    I32EnumAttrCase<"ring", 1>,
    I32EnumAttrCase<"chunk", 2>,
    // MLA: every position's compressed c_kv and shared RoPE key in one row (key_dim), no separate values
    I32EnumAttrCase<"latent", 3>,
    // A linear-attention mixer's fixed-size state: its convolution's last inputs and a matrix per head
    I32EnumAttrCase<"recurrent", 4>
  ]> {
  let cppNamespace = "::loom";
  let genSpecializedAttr = 0;
}

// How a router turns its logits into the chosen experts and their weights.
// Values match LOOM_ROUTE_* in the kernel ABI. docs/moe-mla-reference.md has
// each flavour's reference implementation.
def Loom_Routing : I32EnumAttr<"Routing", "mixture-of-experts routing", [
    // softmax over all experts, then the k largest (Qwen3-MoE, Mixtral)
    I32EnumAttrCase<"softmax_topk", 0>,
    // the k largest logits, then softmax over those k (gpt-oss)
    I32EnumAttrCase<"topk_softmax", 1>,
    // sigmoid scores, optionally biased and group-limited for the selection (DeepSeek V3)
    I32EnumAttrCase<"sigmoid_topk", 2>,
    // the k largest logits, each weighted by its sigmoid (Llama 4)
    I32EnumAttrCase<"topk_sigmoid", 3>
  ]> {
  let cppNamespace = "::loom";
  let genSpecializedAttr = 0;
}
def Loom_RoutingAttr : EnumAttr<Loom_Dialect, Loom_Routing, "routing">;

// The gated activation inside each expert. Values match LOOM_EXPERT_* in the kernel ABI.
def Loom_ExpertActivation : I32EnumAttr<"ExpertActivation", "activation of an expert's gated MLP", [
    I32EnumAttrCase<"swiglu", 0>,
    I32EnumAttrCase<"geglu", 1>,
    // gpt-oss: (clamp(up, -limit, limit) + 1) * g * sigmoid(alpha * g), g = min(gate, limit)
    I32EnumAttrCase<"swiglu_oai", 2>
  ]> {
  let cppNamespace = "::loom";
  let genSpecializedAttr = 0;
}
def Loom_ExpertActivationAttr : EnumAttr<Loom_Dialect, Loom_ExpertActivation, "expert_activation">;

#endif // LOOM_ENUMS
